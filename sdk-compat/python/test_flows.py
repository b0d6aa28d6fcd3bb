"""Whole flows through the official SDK only, on the mock's virtual clock:
the official CompShare example (create an instance, watch it boot), the
custom-image lifecycle (make, copy, update, share, publish, delete), and the
errors a flow meets (290 for a wrong state, 230 for an id that is not the
caller's) as the SDK's RetCodeException.

Each test freezes the clock first, so every state is seen at a known
instant, and resets the mock at the end. Every answer the SDK takes is also
held to the suite's strict type check."""

import pytest
from ucloud.core import exc

import sdk_support
from sdk_support import PLATFORM_IMAGE, ZONE

# The official CompShare example: a 4090 with 16 cores and 64 GB from the
# platform image, one CLOUD_SSD boot disk.
EXAMPLE_INSTANCE = {
    "Zone": ZONE,
    "CompShareImageId": PLATFORM_IMAGE,
    "GpuType": "4090",
    "MachineType": "G",
    "CPU": 16,
    "Memory": 65536,
    "GPU": 1,
    "ChargeType": "Dynamic",
    "Name": "compat-trainer",
    "Disks": [{"IsBoot": True, "Size": 100, "Type": "CLOUD_SSD"}],
}


class Caller:
    """One account's SDK client; every successful answer it takes is checked
    against the SDK's response schema strictly (JSON types, no extra field)."""

    def __init__(self, keys=sdk_support.DEFAULT_KEYS):
        self.client = sdk_support.make_client(keys)
        self.recorder = sdk_support.Recorder(self.client)

    def __call__(self, action, params):
        seen = len(self.recorder.answers)
        typed = getattr(self.client, sdk_support.TYPED_METHODS[action])(params)
        [raw] = [a["data"] for a in self.recorder.answers[seen:]]
        assert sdk_support.answer_problems(action, raw) == []
        return typed

    def refused(self, action, params):
        """The RetCodeException the SDK raises for this call."""
        with pytest.raises(exc.RetCodeException) as info:
            getattr(self.client, sdk_support.TYPED_METHODS[action])(params)
        e = info.value
        assert e.action == action
        assert e.request_uuid
        return e

    def instance(self, uhost_id):
        """The instance as DescribeCompShareInstance shows it (no Zone, as
        the official examples call it)."""
        resp = self("DescribeCompShareInstance", {"UHostIds": [uhost_id]})
        assert resp["TotalCount"] == 1
        [inst] = resp["UHostSet"]
        assert inst["UHostId"] == uhost_id
        return inst

    def custom_image(self, image_id):
        """The caller's custom image, or None when it has none of that id."""
        resp = self(
            "DescribeCompShareCustomImages", {"Zone": ZONE, "CompShareImageId": image_id}
        )
        assert resp["TotalCount"] == len(resp["ImageSet"]) <= 1
        return resp["ImageSet"][0] if resp["ImageSet"] else None


@pytest.fixture
def clock(base_url):
    """The mock's timings, with its clock frozen; the mock is reset after the test."""
    timings = sdk_support.timings()
    if 0 in timings.values():
        pytest.skip("the flows watch states that take time; the mock runs with {}".format(timings))
    sdk_support.freeze_clock()
    yield timings
    sdk_support.reset_mock()


def state_of(me, uhost_id):
    return me.instance(uhost_id)["State"]


def boot(me, clock):
    """Creates the official example's instance and lets it boot; its id."""
    [uhost_id] = me("CreateCompShareInstance", EXAMPLE_INSTANCE)["UHostIds"]
    sdk_support.advance_clock(clock["boot_seconds"])
    assert state_of(me, uhost_id) == "Running"
    return uhost_id


def wrong_state(e, resource, state, action):
    assert (e.code, e.message) == (
        290,
        "Resource [{}] is [{}]: [{}] is not allowed".format(resource, state, action),
    )
    assert not e.retryable


def test_the_official_example_creates_an_instance_that_boots(clock):
    me = Caller()
    created = me("CreateCompShareInstance", EXAMPLE_INSTANCE)
    [uhost_id] = created["UHostIds"]
    assert uhost_id.startswith("uhost-")
    sent = me.recorder.requests[0]["data"]
    assert (sent["Disks.0.IsBoot"], sent["Disks.0.Size"], sent["Disks.0.Type"]) == (
        "true",
        "100",
        "CLOUD_SSD",
    )

    inst = me.instance(uhost_id)
    assert inst["State"] == "Initializing"
    assert (inst["Zone"], inst["GpuType"], inst["MachineType"]) == (ZONE, "4090", "G")
    assert (inst["CPU"], inst["Memory"], inst["GPU"]) == (16, 65536, 1)
    assert inst["CompShareImageId"] == PLATFORM_IMAGE
    assert inst["CompShareImageType"] == "System"
    assert inst["ChargeType"] == "Dynamic"
    assert inst["Name"] == "compat-trainer"
    [disk] = inst["DiskSet"]
    assert (disk["DiskType"], disk["Size"], disk["IsBoot"], disk["Type"]) == (
        "CLOUD_SSD",
        100,
        "True",
        "Boot",
    )
    assert disk["DiskId"]
    assert inst["TotalDiskSpace"] == 100
    assert inst["InstancePrice"] == 2.05

    # Still booting one second before the boot time is up, Running at it.
    sdk_support.advance_clock(clock["boot_seconds"] - 1)
    assert state_of(me, uhost_id) == "Initializing"
    now = sdk_support.advance_clock(1)
    inst = me.instance(uhost_id)
    assert inst["State"] == "Running"
    assert inst["StartTime"] == now

    # The new instance is listed with the fixture ones, newest first.
    listed = me("DescribeCompShareInstance", {})
    ids = [i["UHostId"] for i in listed["UHostSet"]]
    assert listed["TotalCount"] == 3
    assert ids[0] == uhost_id
    assert set(ids[1:]) == {sdk_support.RUNNING_INSTANCE, sdk_support.STOPPED_INSTANCE}
    # Another account does not see it.
    other = Caller(sdk_support.SECOND_KEYS)
    theirs = other("DescribeCompShareInstance", {})
    assert [i["UHostId"] for i in theirs["UHostSet"]] == [sdk_support.SECOND_ACCOUNT_INSTANCE]


def test_a_custom_image_is_made_copied_shared_published_and_removed(clock):
    me = Caller()
    build = clock["image_build_seconds"]
    uhost_id = boot(me, clock)

    # Stop the instance: Stopping, then Stopped after the transition time.
    assert me("StopCompShareInstance", {"Zone": ZONE, "UHostId": uhost_id})["UHostId"] == uhost_id
    assert state_of(me, uhost_id) == "Stopping"
    sdk_support.advance_clock(clock["transition_seconds"])
    assert state_of(me, uhost_id) == "Stopped"

    # Make an image of it: Making, progress by the clock, then Available.
    made = me(
        "CreateCompShareCustomImage",
        {"Zone": ZONE, "UHostId": uhost_id, "Name": "compat-snap", "Description": "from the flow"},
    )
    image_id = made["CompShareImageId"]
    assert image_id.startswith("compshareImage-")
    img = me.custom_image(image_id)
    assert (img["Name"], img["Status"], img["ImageType"]) == ("compat-snap", "Making", "Custom")
    assert img["Description"] == "from the flow"
    assert img["SourceGpuType"] == "4090"
    assert img["Owner"]["AccountId"] == str(sdk_support.DEFAULT_ACCOUNT_ID)
    progress = {"Zone": ZONE, "CompShareImageId": image_id}
    p = me("GetCompShareImageCreateProgress", progress)
    assert (p["Process"], p["RemainingDuration"], p["TotalDuration"]) == (0.0, str(build), str(build))
    sdk_support.advance_clock(build // 2)
    p = me("GetCompShareImageCreateProgress", progress)
    assert p["Process"] == pytest.approx(100.0 * (build // 2) / build, abs=0.01)
    assert p["RemainingDuration"] == str(build - build // 2)
    assert me.custom_image(image_id)["Status"] == "Making"
    sdk_support.advance_clock(build - build // 2)
    assert me.custom_image(image_id)["Status"] == "Available"
    p = me("GetCompShareImageCreateProgress", progress)
    assert (p["Process"], p["RemainingDuration"]) == (100.0, "0")
    # The account now has the 48 fixture images and this one, newest first.
    listing = me("DescribeCompShareCustomImages", {"Zone": ZONE, "Limit": 1})
    assert listing["TotalCount"] == 49
    assert listing["ImageSet"][0]["CompShareImageId"] == image_id

    # Copy it; the copy builds like an image of its own.
    copied = me(
        "CopyCompShareCustomImage", {"CompShareImageId": image_id, "TargetImageName": "compat-copy"}
    )
    copy_id = copied["NewCompShareImageId"]
    assert copy_id not in (image_id, "")
    copy = me.custom_image(copy_id)
    assert (copy["Name"], copy["Status"]) == ("compat-copy", "Making")
    sdk_support.advance_clock(build)
    assert me.custom_image(copy_id)["Status"] == "Available"

    # Update it.
    me(
        "UpdateCompShareImage",
        {
            "Zone": ZONE,
            "CompShareImageId": copy_id,
            "Description": "updated",
            "Readme": "# compat",
            "Tags": ["compat", "flow"],
            "Visibility": 1,
        },
    )
    copy = me.custom_image(copy_id)
    assert (copy["Description"], copy["Readme"], copy["Tags"], copy["Visibility"]) == (
        "updated",
        "# compat",
        ["compat", "flow"],
        1,
    )
    assert copy["Name"] == "compat-copy"

    # Share the image with the second account, which then sees it.
    other = Caller(sdk_support.SECOND_KEYS)
    assert other("DescribeCompShareSharingImages", {})["TotalCount"] == 0
    shared = me(
        "ModifyCompShareImageShareAccount",
        {"CompShareImageId": image_id, "AddAccounts": [sdk_support.SECOND_ACCOUNT_ID]},
    )
    assert shared["InvalidAccounts"] == []
    accounts = me("DescribeCompShareImageShareAccounts", {"CompShareImageId": image_id})
    assert [a["AccountId"] for a in accounts["AccountSet"]] == [str(sdk_support.SECOND_ACCOUNT_ID)]
    seen = other("DescribeCompShareSharingImages", {})
    assert seen["TotalCount"] == 1
    [img] = seen["ImageSet"]
    assert (img["CompShareImageId"], img["Name"]) == (image_id, "compat-snap")
    assert img["Owner"]["AccountId"] == str(sdk_support.DEFAULT_ACCOUNT_ID)
    # It is shared, not given: not among the second account's own images.
    assert other.custom_image(image_id) is None

    # Publish it; it is a community image of its own, in a new version group.
    groups_before = me("DescribeCommunityImages", {"Zone": ZONE})["TotalCount"]
    me(
        "PublishCompShareImage",
        {
            "Zone": ZONE,
            "CompShareImageId": image_id,
            "Price": 1.5,
            "CommunityImageName": "compat-public",
            "Description": "published by the flow",
        },
    )
    community = other("DescribeCommunityImages", {"Zone": ZONE, "Name": "compat-public"})
    assert community["TotalCount"] == 1
    [pub] = community["ImageSet"]
    assert (pub["ImageType"], pub["Status"], pub["Price"], pub["Visibility"]) == (
        "Community",
        "Available",
        1.5,
        1,
    )
    assert pub["GroupId"].startswith("group-")
    assert pub["CompShareImageId"] not in (image_id, copy_id)
    assert pub["Description"] == "published by the flow"
    assert me("DescribeCommunityImages", {"Zone": ZONE})["TotalCount"] == groups_before + 1

    # Delete the copy and the instance.
    me("TerminateCompShareCustomImage", {"Zone": ZONE, "CompShareImageId": copy_id})
    assert me.custom_image(copy_id) is None
    assert me.custom_image(image_id)["Status"] == "Available"
    assert me("TerminateCompShareInstance", {"Zone": ZONE, "UHostId": uhost_id})["UHostId"] == uhost_id
    assert me("DescribeCompShareInstance", {"UHostIds": [uhost_id]})["TotalCount"] == 0


def test_a_wrong_state_is_290_and_an_id_not_the_callers_is_230(clock):
    me = Caller()
    [uhost_id] = me("CreateCompShareInstance", EXAMPLE_INSTANCE)["UHostIds"]
    at = {"Zone": ZONE, "UHostId": uhost_id}

    # Booting: nothing but a rename.
    wrong_state(
        me.refused("StopCompShareInstance", at), uhost_id, "Initializing", "StopCompShareInstance"
    )
    wrong_state(
        me.refused("CreateCompShareCustomImage", dict(at, Name="too-early")),
        uhost_id,
        "Initializing",
        "CreateCompShareCustomImage",
    )
    me("ModifyCompShareInstanceName", dict(at, Name="renamed-while-booting"))
    assert me.instance(uhost_id)["Name"] == "renamed-while-booting"

    # Running: no start, no password reset, no reinstall.
    sdk_support.advance_clock(clock["boot_seconds"])
    wrong_state(
        me.refused("StartCompShareInstance", at), uhost_id, "Running", "StartCompShareInstance"
    )
    wrong_state(
        me.refused("ResetCompShareInstancePassword", dict(at, Password="compat-Passw0rd")),
        uhost_id,
        "Running",
        "ResetCompShareInstancePassword",
    )
    wrong_state(
        me.refused("ReinstallCompShareInstance", dict(at, CompShareImageId=PLATFORM_IMAGE)),
        uhost_id,
        "Running",
        "ReinstallCompShareInstance",
    )
    # Rebooting: no stop until it is back.
    me("RebootCompShareInstance", at)
    assert state_of(me, uhost_id) == "Rebooting"
    wrong_state(
        me.refused("StopCompShareInstance", at), uhost_id, "Rebooting", "StopCompShareInstance"
    )
    sdk_support.advance_clock(clock["transition_seconds"])
    assert state_of(me, uhost_id) == "Running"

    # Stopped: a password reset and a reinstall are allowed, a stop is not.
    me("StopCompShareInstance", at)
    sdk_support.advance_clock(clock["transition_seconds"])
    wrong_state(
        me.refused("StopCompShareInstance", at), uhost_id, "Stopped", "StopCompShareInstance"
    )
    me("ResetCompShareInstancePassword", dict(at, Password="compat-Passw0rd"))
    me("ReinstallCompShareInstance", dict(at, CompShareImageId=PLATFORM_IMAGE))
    assert state_of(me, uhost_id) == "Initializing"

    # An image still Making can be neither copied nor published.
    made = me(
        "CreateCompShareCustomImage",
        {"Zone": ZONE, "UHostId": sdk_support.RUNNING_INSTANCE, "Name": "compat-making"},
    )
    image_id = made["CompShareImageId"]
    wrong_state(
        me.refused("CopyCompShareCustomImage", {"CompShareImageId": image_id}),
        image_id,
        "Making",
        "CopyCompShareCustomImage",
    )
    wrong_state(
        me.refused("PublishCompShareImage", {"Zone": ZONE, "CompShareImageId": image_id, "Price": 0}),
        image_id,
        "Making",
        "PublishCompShareImage",
    )

    # Unknown ids, and ids of another account, are 230 and change nothing.
    not_uhost = (230, "Params [UHostId] not available")
    not_image = (230, "Params [CompShareImageId] not available")
    for uhost in ("uhost-doesnotexist", sdk_support.SECOND_ACCOUNT_INSTANCE):
        e = me.refused("StopCompShareInstance", {"Zone": ZONE, "UHostId": uhost})
        assert (e.code, e.message) == not_uhost
        e = me.refused("TerminateCompShareInstance", {"Zone": ZONE, "UHostId": uhost})
        assert (e.code, e.message) == not_uhost
    for image in ("compshareImage-doesnotexist", sdk_support.SECOND_ACCOUNT_IMAGE):
        e = me.refused("TerminateCompShareCustomImage", {"Zone": ZONE, "CompShareImageId": image})
        assert (e.code, e.message) == not_image
        e = me.refused("CopyCompShareCustomImage", {"CompShareImageId": image})
        assert (e.code, e.message) == not_image
    other = Caller(sdk_support.SECOND_KEYS)
    assert other.instance(sdk_support.SECOND_ACCOUNT_INSTANCE)["State"] == "Running"
    assert other.custom_image(sdk_support.SECOND_ACCOUNT_IMAGE)["Status"] == "Available"

    # A terminated instance is gone: the next call on it is 230.
    sdk_support.advance_clock(clock["boot_seconds"])
    me("TerminateCompShareInstance", at)
    e = me.refused("TerminateCompShareInstance", at)
    assert (e.code, e.message) == not_uhost
    assert me("DescribeCompShareInstance", {"UHostIds": [uhost_id]})["TotalCount"] == 0

