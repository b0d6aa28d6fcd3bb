"""RetCode errors as the SDK reports them: a RetCodeException carrying the code."""

import pytest
from ucloud.core import exc

import sdk_support


def retcode_of(call):
    with pytest.raises(exc.RetCodeException) as info:
        call()
    e = info.value
    assert e.request_uuid, "no X-UCLOUD-REQUEST-UUID header on an error answer"
    return e


def describe(client, **extra):
    return client.describe_comp_share_custom_images(dict({"Zone": sdk_support.ZONE}, **extra))


def test_a_wrong_private_key_is_171(base_url):
    c = sdk_support.make_client(("my_public_key", "not_my_private_key"))
    e = retcode_of(lambda: describe(c))
    assert (e.code, e.message) == (171, "Signature VerifyAC Error")
    assert e.action == "DescribeCompShareCustomImages"
    assert not e.retryable


def test_another_accounts_private_key_is_171(base_url):
    c = sdk_support.make_client(("my_public_key", "second_private_key"))
    assert retcode_of(lambda: describe(c)).code == 171


def test_an_unknown_public_key_is_172(base_url):
    c = sdk_support.make_client(("nobody_public_key", "my_private_key"))
    e = retcode_of(lambda: describe(c))
    assert (e.code, e.message) == (172, "User Not Exists")


def test_an_unknown_region_is_230(base_url):
    c = sdk_support.make_client(region="cn-bj")
    e = retcode_of(lambda: describe(c))
    assert (e.code, e.message) == (230, "Params [Region] not available")


def test_a_zone_of_another_region_is_230(client):
    e = retcode_of(lambda: client.describe_comp_share_custom_images({"Zone": "cn-bj2-02"}))
    assert (e.code, e.message) == (230, "Params [Zone] not available")


def test_a_negative_offset_is_230(client):
    e = retcode_of(lambda: describe(client, Offset=-1))
    assert (e.code, e.message) == (230, "Params [Offset] not available")


def test_a_missing_region_is_210_through_the_generic_call(base_url):
    # The typed method refuses this client-side; the generic call sends it.
    c = sdk_support.make_client(region=None)
    e = retcode_of(lambda: c.invoke("DescribeCompShareCustomImages", {"Zone": sdk_support.ZONE}))
    assert (e.code, e.message) == (210, "Missing params [Region]")


def test_a_missing_uhost_id_is_210_as_observed_live(client):
    e = retcode_of(
        lambda: client.invoke("StartCompShareInstance", {"Zone": sdk_support.ZONE})
    )
    assert (e.code, e.message) == (210, "Missing params [UHostId]")


def test_an_unknown_action_is_161(client):
    e = retcode_of(lambda: client.invoke("DescribeNothingAtAll", {}))
    assert (e.code, e.message) == (161, "Action [DescribeNothingAtAll] not found")
