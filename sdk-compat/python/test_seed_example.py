"""The seed document's Python example, run unchanged but for base_url (and the
Zone the SDK insists on), and the answer it gets."""

from ucloud.client import Client
from ucloud.core import exc

import sdk_support


def seed_main(base_url):
    """The seed's example: only base_url changed and Zone added."""
    client = Client({
        "region": "cn-wlcb",
        "public_key": "my_public_key",
        "private_key": "my_private_key",
        "base_url": base_url,
    })

    try:
        resp = client.ucompshare().describe_comp_share_custom_images({
            "Zone": "cn-wlcb-01",
            "Limit": 20,
        })
        print(f"总数: {resp.get('TotalCount')}")
        for img in resp.get("ImageSet", []):
            print(f"  {img['CompShareImageId']} - {img['Name']} - {img['Status']}")
    except exc.UCloudException as e:
        print(e)


def test_the_seed_example_prints_the_default_accounts_images(base_url, capsys):
    seed_main(base_url)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "总数: 48"
    assert len(lines) == 1 + 20
    assert "  compshareImage-xxxx - my-custom-env - Available" in lines
    for line in lines[1:]:
        image_id, name, status = line.strip().split(" - ")
        assert image_id.startswith("compshareImage-")
        assert name
        assert status in {"Making", "Available", "UnAvailable", "Reviewing", "Offline"}


def test_the_seed_answer_matches_the_sdk_schema_exactly(client, recorder):
    resp = client.describe_comp_share_custom_images({"Zone": sdk_support.ZONE, "Limit": 20})
    assert resp["TotalCount"] == 48
    assert len(resp["ImageSet"]) == 20
    for img in resp["ImageSet"]:
        assert img["CompShareImageId"] and img["Name"] and img["Status"]
    raw = recorder.answers[-1]
    assert raw["request_uuid"], "no X-UCLOUD-REQUEST-UUID header"
    assert sdk_support.answer_problems("DescribeCompShareCustomImages", raw["data"]) == []


def test_the_seed_image_is_answered_as_the_seed_shows_it(client):
    resp = client.describe_comp_share_custom_images(
        {"Zone": sdk_support.ZONE, "CompShareImageId": "compshareImage-xxxx"}
    )
    assert resp["TotalCount"] == 1
    [img] = resp["ImageSet"]
    assert img["CompShareImageId"] == "compshareImage-xxxx"
    assert img["Name"] == "my-custom-env"
    assert img["ImageType"] == "Custom"
    assert img["Status"] == "Available"
    assert img["CreateTime"] == 1712563200


def test_the_seed_request_without_zone_is_accepted_by_the_mock(client):
    # The SDK's typed method refuses it client-side; the seed's own example
    # sends no Zone, so the mock must answer it: send it by the generic call.
    resp = client.invoke("DescribeCompShareCustomImages", {"Limit": 20})
    assert resp["RetCode"] == 0
    assert resp["TotalCount"] == 48


def test_the_sdk_refuses_a_request_without_zone_before_sending(client, recorder):
    try:
        client.describe_comp_share_custom_images({"Limit": 20})
    except exc.ValidationException as e:
        assert "the field Zone is required" in str(e)
    else:
        raise AssertionError("the SDK sent a request without Zone")
    assert recorder.requests == []


def test_each_account_sees_only_its_own_images(base_url):
    counts = {}
    for keys in (sdk_support.DEFAULT_KEYS, sdk_support.SECOND_KEYS, sdk_support.EMPTY_KEYS):
        c = sdk_support.make_client(keys)
        resp = c.describe_comp_share_custom_images({"Zone": sdk_support.ZONE, "Limit": 100})
        counts[keys[0]] = (resp["TotalCount"], len(resp["ImageSet"]))
    assert counts == {
        "my_public_key": (48, 48),
        "second_public_key": (4, 4),
        "empty_public_key": (0, 0),
    }
