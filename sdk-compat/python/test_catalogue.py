"""Every action of the mock's catalogue through the official SDK: a valid call
(every parameter set, ids naming fixture resources in the state the action
needs, the mock reset before it) is RetCode 0 and an answer the SDK's typed
schema takes; a call missing a required parameter is 210 naming it. Driven
from the catalogue file."""

import pytest
from ucloud.core import exc

import sdk_support

ACTIONS = sorted(sdk_support.CATALOGUE["actions"])
DROPPABLE = [(a, sdk_support.required_to_drop(a)) for a in ACTIONS]
DROPPABLE = [(a, p) for a, p in DROPPABLE if p is not None]


def test_the_catalogue_has_the_80_actions_and_the_sdk_knows_each():
    assert len(ACTIONS) == 80
    assert [a for a in ACTIONS if a not in sdk_support.TYPED_METHODS] == []
    assert [a for a in ACTIONS if sdk_support.response_schema(a) is None] == []


def test_the_catalogue_types_agree_with_the_sdks_request_schemas():
    kinds = {"string": "Str", "integer": "Int", "number": "Float", "boolean": "Bool"}
    problems = []
    for action in ACTIONS:
        sdk_fields = sdk_support.request_schema(action).fields
        for p in sdk_support.CATALOGUE["actions"][action]["request"]:
            f = sdk_fields.get(p["name"])
            if f is None:
                problems.append("{}.{}: not in the SDK".format(action, p["name"]))
            elif isinstance(p["type"], str) and type(f).__name__ != kinds[p["type"]]:
                problems.append("{}.{}: {} vs {}".format(action, p["name"], p["type"], type(f).__name__))
    assert problems == []


@pytest.mark.parametrize("action", ACTIONS)
def test_a_valid_call_is_answered_and_taken_by_the_sdk(action, client, recorder):
    params = sdk_support.build_params(action)
    method = getattr(client, sdk_support.TYPED_METHODS[action])
    if action in sdk_support.TYPED_CANNOT:
        # The typed call drops TeamId (210), or the team is not the caller's
        # (230 in a JSON envelope the SDK reads: the refusal of a file action).
        if action == "DownloadTeamOrder":
            params["TeamId"] = 100002
        with pytest.raises(exc.RetCodeException) as info:
            method(params)
        assert (info.value.code, info.value.message) == {
            "UpdateCompShareTeam": (210, "Missing params [TeamId]"),
            "DownloadTeamOrder": (230, "Params [TeamId] not available"),
        }[action]
        return
    typed = method(params)  # raises RetCodeException or ValidationException on failure
    assert isinstance(typed, dict)
    [raw] = [a["data"] for a in recorder.answers]
    assert raw["RetCode"] == 0
    assert sdk_support.answer_problems(action, raw) == []
    # What the typed schema returns is exactly the answer's schema fields.
    expected = set(sdk_support.response_schema(action).fields)
    assert set(typed) <= expected
    sent = recorder.requests[0]["data"]
    assert sent["Action"] == action
    assert sent["PublicKey"] == "my_public_key"
    listed = sdk_support.NON_EMPTY_LISTS.get(action)
    if listed:
        assert raw[listed], "{} lists nothing: the strict check saw no item".format(listed)


def test_valid_calls_name_fixture_resources_in_the_right_state():
    params = sdk_support.build_params
    assert params("StartCompShareInstance")["UHostId"] == sdk_support.STOPPED_INSTANCE
    assert params("ReinstallCompShareInstance")["UHostId"] == sdk_support.STOPPED_INSTANCE
    assert params("ResetCompShareInstancePassword")["UHostId"] == sdk_support.STOPPED_INSTANCE
    assert params("StopCompShareInstance")["UHostId"] == sdk_support.RUNNING_INSTANCE
    assert params("CreateCompShareCustomImage")["UHostId"] == sdk_support.RUNNING_INSTANCE
    assert params("CopyCompShareCustomImage")["CompShareImageId"] == sdk_support.CUSTOM_IMAGE
    assert params("PublishCompShareImage")["CompShareImageId"] == sdk_support.CUSTOM_IMAGE
    assert params("CreateCompShareInstance")["CompShareImageId"] == sdk_support.PLATFORM_IMAGE
    assert params("ModifyCompShareImageShareAccount")["AddAccounts"] == [sdk_support.SECOND_ACCOUNT_ID]
    assert params("DescribeCommunityImages")["Limit"] == "10"
    assert "Limit" not in params("DescribeCompShareImages")


@pytest.mark.parametrize("action,missing", DROPPABLE, ids=[a for a, _ in DROPPABLE])
def test_a_call_missing_a_required_param_is_210(action, missing, base_url):
    params = sdk_support.build_params(action)
    del params[missing]
    # The generic call: no client-side schema check, and no Region added from
    # the config when Region is the one left out.
    client = sdk_support.make_client(region=None if missing == "Region" else sdk_support.REGION)
    with pytest.raises(exc.RetCodeException) as info:
        client.invoke(action, params)
    assert (info.value.code, info.value.message) == (210, "Missing params [{}]".format(missing))


@pytest.mark.parametrize("action,param", sorted(sdk_support.OPTIONAL_OVERRIDES))
def test_project_id_may_be_left_out_where_the_sdks_leave_it_out(action, param, base_url):
    params = sdk_support.build_params(action)
    del params[param]
    answer = sdk_support.make_client().invoke(action, params)
    assert answer is not None
