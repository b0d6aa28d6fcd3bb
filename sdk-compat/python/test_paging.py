"""Walking every page of the default account's custom images with the SDK."""

import pytest

import sdk_support


def one_page(client, offset, limit):
    return client.describe_comp_share_custom_images(
        {"Zone": sdk_support.ZONE, "Offset": offset, "Limit": limit}
    )


def all_at_once(client):
    resp = one_page(client, 0, 100)
    assert resp["TotalCount"] == len(resp["ImageSet"])
    return [img["CompShareImageId"] for img in resp["ImageSet"]]


@pytest.mark.parametrize("limit", [1, 7, 20, 48, 100])
def test_paging_walks_the_same_list_as_one_large_page(client, limit):
    expected = all_at_once(client)
    assert len(expected) == 48
    walked, offset = [], 0
    while True:
        resp = one_page(client, offset, limit)
        assert resp["TotalCount"] == 48, "TotalCount must not depend on the page"
        page = [img["CompShareImageId"] for img in resp["ImageSet"]]
        assert len(page) == min(limit, 48 - offset)
        walked.extend(page)
        offset += len(page)
        if offset >= resp["TotalCount"]:
            break
    assert walked == expected
    assert len(set(walked)) == len(walked)
    assert one_page(client, offset, limit)["ImageSet"] == []


def test_the_large_page_is_ordered_newest_first(client):
    resp = one_page(client, 0, 100)
    keys = [(-img["CreateTime"], img["CompShareImageId"]) for img in resp["ImageSet"]]
    assert keys == sorted(keys)
    assert resp["ImageSet"][0]["CompShareImageId"] == "compshareImage-xxxx"


def test_limit_defaults_to_20_and_clamps_to_100(client):
    assert len(client.describe_comp_share_custom_images({"Zone": sdk_support.ZONE})["ImageSet"]) == 20
    assert len(one_page(client, 0, 0)["ImageSet"]) == 20
    assert len(one_page(client, 0, 1000)["ImageSet"]) == 48
