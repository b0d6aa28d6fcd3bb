"""Value encoding and signatures on the wire: what the SDK sends for booleans,
arrays and floats is signed and verified end to end, and hand-written clients
(GET with a query string, POST JSON, POST form) sign as `docs/PROTOCOL.md` §3 says."""

import hashlib
import json
import urllib.parse

from ucloud.core import exc

import sdk_support

KEY = "my_private_key"


def test_a_boolean_and_an_array_pass_the_signature_check(client, recorder):
    resp = client.describe_comp_share_instance(
        {"Zone": sdk_support.ZONE, "WithoutGpu": True, "UHostIds": ["uhost-a", "uhost-b"], "Limit": 5}
    )
    assert resp["TotalCount"] == 0 and resp["UHostSet"] == []
    sent = recorder.requests[0]["data"]
    # These encodings are what the signature was computed over and verified on.
    assert sent["WithoutGpu"] == "true"
    assert (sent["UHostIds.0"], sent["UHostIds.1"]) == ("uhost-a", "uhost-b")
    assert "UHostIds" not in sent
    unsigned = {k: v for k, v in sent.items() if k != "Signature"}
    assert sent["Signature"] == sdk_support.sign(unsigned, KEY)


def test_false_and_floats_pass_the_signature_check(client, recorder):
    client.publish_comp_share_image(
        {"Zone": sdk_support.ZONE, "CompShareImageId": "compshareImage-xxxx", "Price": 2.0}
    )
    client.publish_comp_share_image(
        {"Zone": sdk_support.ZONE, "CompShareImageId": "compshareImage-xxxx", "Price": 0.15}
    )
    client.describe_comp_share_instance({"WithoutGpu": False})
    prices = [r["data"].get("Price") for r in recorder.requests]
    assert prices[:2] == ["2", "0.15"]
    assert recorder.requests[2]["data"]["WithoutGpu"] == "false"


def test_an_array_of_objects_passes_the_signature_check(client, recorder):
    client.get_comp_share_instance_price(
        {
            "Zone": sdk_support.ZONE,
            "GpuType": "4090",
            "GPU": 1,
            "CPU": 16,
            "Memory": 65536,
            "Disks": [{"IsBoot": True, "Size": 100, "Type": "CLOUD_SSD"}],
        }
    )
    sent = recorder.requests[0]["data"]
    assert (sent["Disks.0.IsBoot"], sent["Disks.0.Size"], sent["Disks.0.Type"]) == (
        "true",
        "100",
        "CLOUD_SSD",
    )


def test_the_sdk_sends_the_documented_headers(client, recorder):
    client.describe_comp_share_custom_images({"Zone": sdk_support.ZONE, "Limit": 1})
    headers = recorder.requests[0]["headers"]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Python-SDK/0.11.150" in headers["User-Agent"]
    assert headers["User-Agent"].endswith("Package/ucompshare")
    assert headers["U-Timestamp-Ms"].isdigit()


def test_a_boolean_written_in_python_style_is_refused():
    # A hand-written client that signs what it sends but writes True: the
    # signature matches, the value is not a boolean.
    status, _, body = sdk_support.get_signed(
        {
            "Action": "DescribeCompShareInstance",
            "PublicKey": "my_public_key",
            "Region": sdk_support.REGION,
            "WithoutGpu": "True",
        },
        KEY,
    )
    assert status == 200
    assert (body["RetCode"], body["Message"]) == (230, "Params [WithoutGpu] not available")


def test_get_with_a_hand_signed_query_string():
    params = {
        "Action": "DescribeCompShareCustomImages",
        "PublicKey": "my_public_key",
        "Region": sdk_support.REGION,
        "Limit": "5",
        "Offset": "0",
    }
    status, headers, body = sdk_support.get_signed(params, KEY)
    assert status == 200
    assert headers.get("X-UCLOUD-REQUEST-UUID") or headers.get("x-ucloud-request-uuid")
    assert body["Action"] == "DescribeCompShareCustomImagesResponse"
    assert body["RetCode"] == 0
    assert body["TotalCount"] == 48
    assert len(body["ImageSet"]) == 5
    assert body["ImageSet"][0]["CompShareImageId"] == "compshareImage-xxxx"


def test_get_with_a_hand_signed_query_string_and_array_and_boolean():
    params = {
        "Action": "DescribeCompShareInstance",
        "PublicKey": "my_public_key",
        "Region": sdk_support.REGION,
        "WithoutGpu": "true",
        "UHostIds.0": "uhost-a",
        "UHostIds.1": "uhost-b",
    }
    _, _, body = sdk_support.get_signed(params, KEY)
    assert body["RetCode"] == 0


def test_get_with_a_wrong_hand_signature_is_171():
    params = {
        "Action": "DescribeCompShareCustomImages",
        "PublicKey": "my_public_key",
        "Region": sdk_support.REGION,
    }
    signed = dict(params, Signature=sdk_support.sign(dict(params, Region="cn-bj2"), KEY))
    _, _, body = sdk_support.http("GET", sdk_support.mock_url() + "/?" + urllib.parse.urlencode(signed))
    assert (body["RetCode"], body["Message"]) == (171, "Signature VerifyAC Error")


def test_the_protocol_test_vectors_hold_for_the_hand_signer():
    assert sdk_support.sign({"foo": "bar"}, KEY) == "634edc1bb957c0d65e5ab5494cf3b7784fbc87af"
    assert (
        sdk_support.sign({"foo": "bar", "PublicKey": "my_public_key"}, KEY)
        == "d4411ab30953fb0bbcb1e7313081f05e4e91a394"
    )


def test_post_form_with_a_hand_signature():
    params = {
        "Action": "DescribeCompShareCustomImages",
        "PublicKey": "my_public_key",
        "Region": sdk_support.REGION,
        "CompShareImageId": "compshareImage-xxxx",
    }
    params["Signature"] = sdk_support.sign(params, KEY)
    _, _, body = sdk_support.http(
        "POST",
        sdk_support.mock_url() + "/",
        urllib.parse.urlencode(params).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert body["RetCode"] == 0
    assert [i["Name"] for i in body["ImageSet"]] == ["my-custom-env"]


def json_canonical(value):
    """`docs/PROTOCOL.md` §3 for JSON bodies: arrays concatenate their items, objects
    their own sorted key+value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "".join(json_canonical(v) for v in value)
    if isinstance(value, dict):
        return "".join(k + json_canonical(value[k]) for k in sorted(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def post_json(body, private_key=KEY):
    body = dict(body)
    body["Signature"] = hashlib.sha1(
        (json_canonical(body) + private_key).encode("utf-8")
    ).hexdigest()
    return sdk_support.http(
        "POST",
        sdk_support.mock_url() + "/",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )


def test_post_json_with_a_hand_signature():
    _, _, body = post_json(
        {
            "Action": "DescribeCompShareCustomImages",
            "PublicKey": "my_public_key",
            "Region": sdk_support.REGION,
            "Zone": sdk_support.ZONE,
            "Limit": 3,
            "Offset": 1,
        }
    )
    assert body["RetCode"] == 0
    assert body["TotalCount"] == 48
    assert len(body["ImageSet"]) == 3


def test_post_json_with_typed_boolean_array_and_objects():
    _, _, body = post_json(
        {
            "Action": "GetCompShareInstancePrice",
            "PublicKey": "my_public_key",
            "Region": sdk_support.REGION,
            "Zone": sdk_support.ZONE,
            "GpuType": "4090",
            "GPU": 1,
            "CPU": 16,
            "Memory": 65536,
            "Disks": [{"IsBoot": True, "Size": 100, "Type": "CLOUD_SSD"}],
        }
    )
    assert body["RetCode"] == 0


def test_post_json_with_a_wrong_key_is_171():
    _, _, body = post_json(
        {"Action": "DescribeCompShareCustomImages", "PublicKey": "my_public_key", "Region": "cn-wlcb"},
        private_key="second_private_key",
    )
    assert body["RetCode"] == 171
