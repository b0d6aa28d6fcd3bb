"""Shared helpers of the official-SDK compatibility suite.

Everything here drives the official UCloud Python SDK as a user would; the
only thing changed from production is ``base_url``. The catalogue of the mock
(``protocol/catalogue/compshare-api.json``) decides which actions exist and
what their parameters look like, so the suite grows with it.
"""

import hashlib
import inspect
import json
import os
import pathlib
import re
import urllib.parse
import urllib.request

from ucloud.client import Client
from ucloud.core.typesystem import fields, schema
from ucloud.services.ucompshare import client as ucompshare_client
from ucloud.services.ucompshare.schemas import apis

ROOT = pathlib.Path(__file__).resolve().parents[2]
CATALOGUE_PATH = ROOT / "protocol" / "catalogue" / "compshare-api.json"
CATALOGUE = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))

REGION = "cn-wlcb"
ZONE = "cn-wlcb-01"

# Keys of the default fixtures (fixtures/accounts.json).
DEFAULT_KEYS = ("my_public_key", "my_private_key")
SECOND_KEYS = ("second_public_key", "second_private_key")
EMPTY_KEYS = ("empty_public_key", "empty_private_key")

# Fields every answer carries beside its action's own fields.
ENVELOPE_FIELDS = {"Action", "RetCode", "Message"}


def mock_url():
    """The mock's base URL, from COMPSHARE_MOCK_URL."""
    url = os.environ.get("COMPSHARE_MOCK_URL", "").rstrip("/")
    if not url:
        raise RuntimeError(
            "COMPSHARE_MOCK_URL is not set; run sdk-compat/run.sh, or start "
            "compshare-mock and export COMPSHARE_MOCK_URL=http://127.0.0.1:PORT"
        )
    return url


def make_client(keys=DEFAULT_KEYS, region=REGION):
    """A UCompShare client of the official SDK pointed at the mock.

    ``region=None`` leaves Region out of the config, so the SDK does not add it
    to requests (used to send a request without Region).
    """
    config = {
        "public_key": keys[0],
        "private_key": keys[1],
        "base_url": mock_url(),
    }
    if region is not None:
        config["region"] = region
    return Client(config).ucompshare()


class Recorder:
    """Records what the SDK puts on the wire and the raw answers it gets.

    Hooks into the SDK's own middleware: the transport's request handlers see
    the final encoded and signed form payload and the headers; the client's
    response handlers see the decoded JSON answer before the typed schema
    filters it.
    """

    def __init__(self, client):
        self.requests = []
        self.answers = []
        client.transport.middleware.request(self._on_request)
        client.middleware.response(self._on_response)

    def _on_request(self, req):
        self.requests.append(
            {"data": dict(req.data or {}), "headers": dict(req.headers or {})}
        )
        return req

    def _on_response(self, data, http_resp=None):
        self.answers.append(
            {
                "data": data,
                "request_uuid": http_resp.request_uuid if http_resp else None,
            }
        )
        return data


def _typed_methods():
    """Action name -> name of the SDK's typed method that sends it."""
    found = {}
    for name, fn in inspect.getmembers(
        ucompshare_client.UCompShareClient, inspect.isfunction
    ):
        if fn.__module__ != ucompshare_client.__name__:
            continue
        m = re.search(r'self\.invoke\(\s*"(\w+)"', inspect.getsource(fn))
        if m:
            found[m.group(1)] = name
    return found


TYPED_METHODS = _typed_methods()


def request_schema(action):
    """The SDK's request schema class of an action, if it has one."""
    return getattr(apis, action + "RequestSchema", None)


def response_schema(action):
    """The SDK's response schema class of an action, if it has one."""
    return getattr(apis, action + "ResponseSchema", None)


def sdk_required(action):
    """Request fields the SDK itself requires for an action (empty if unknown)."""
    s = request_schema(action)
    if s is None:
        return set()
    return {k for k, f in s.fields.items() if f.required}


# Resources of the built-in fixtures (fixtures/*.json), the same that
# contract-tests/src/samples.rs names for the Rust whole-catalogue tests.
RUNNING_INSTANCE = "uhost-demo0run"  # default account, Running
STOPPED_INSTANCE = "uhost-demo0stp"  # default account, Stopped
SECOND_ACCOUNT_INSTANCE = "uhost-second01"  # the second account's
CUSTOM_IMAGE = "compshareImage-xxxx"  # default account, Available
SECOND_ACCOUNT_IMAGE = "compshareImage-ghjiv80ltmwh"  # the second account's
PLATFORM_IMAGE = "compshareImage-165jmhx19ik7"  # the official examples' image
DEFAULT_ACCOUNT_ID = 56000001
SECOND_ACCOUNT_ID = 56000002

# Actions whose UHostId must name a Stopped instance; every other one gets
# the Running instance (samples.rs: `sample`).
NEEDS_STOPPED_INSTANCE = {
    "StartCompShareInstance",
    "ResetCompShareInstancePassword",
    "ReinstallCompShareInstance",
    "ResizeCompShareInstance",
    "DetachCompshareDisk",
    "GetCompShareAttachedDiskUpgradePrice",
    "ResizeCompShareDisk",
}

# The fixtures' data disks (disks.json): one Available, one attached to the
# Stopped instance (samples.rs: `sample`).
AVAILABLE_DISK = "udisk-demo0avl"
ATTACHED_DISK = "udisk-demo0use"

# Parameters the catalogue lists but the gateway refuses with 230 when sent:
# the `refused` list of the catalogue overlay (protocol/catalogue/overlay.json).
OVERLAY = json.loads(
    (ROOT / "protocol" / "catalogue" / "overlay.json").read_text(encoding="utf-8")
)
REFUSED_PARAMS = {(d["action"], d["param"]) for d in OVERLAY["refused"]}

# Answer fields the overlay adds or renames (from the API reference and the
# official CLI): beside the SDK's schema, which drops them when reading.
OVERLAY_ANSWER_FIELDS = {f["name"] for f in OVERLAY.get("answer_fields", [])} | {
    r["to"] for r in OVERLAY.get("renamed", [])
}


def custom_image_action(action):
    """Whether ``CompShareImageId`` of ``action`` names one of the caller's
    custom images (else a platform image), as samples.rs decides it."""
    return (
        "CustomImage" in action
        or "ImageShare" in action
        or "ImageCreateProgress" in action
        or action in ("UpdateCompShareImage", "PublishCompShareImage")
    )


# Values that must be real for the request to be valid, by parameter name
# (also inside objects: ``Disks.Size``); everything else is built from its
# catalogue type. A number here is sent as a string where the catalogue
# types the parameter ``string`` (``Limit`` of DescribeCommunityImages,
# ``Gpu`` of GetCompShareInstancePrice).
KNOWN_VALUES = {
    "Region": REGION,
    "Zone": ZONE,
    "ProjectId": "org-compat",
    "GpuType": "4090",
    "MachineType": "G",
    "MinimalCpuPlatform": "Auto",
    # 2100-01-01: a scheduled shutdown must lie ahead.
    "StopTime": 4102444800,
    "ChargeType": "Dynamic",
    "LoginMode": "Password",
    "AutoStart": "true",
    "Type": "CLOUD_SSD",
    "CPU": 16,
    "Cpu": 16,
    "GPU": 1,
    "Gpu": 1,
    "Memory": 65536,
    "Size": 100,
    "Quantity": 1,
    "Visibility": 1,
    "Offset": 0,
    "Limit": 10,
    "AddAccounts": [SECOND_ACCOUNT_ID],
    "RemoveAccounts": [SECOND_ACCOUNT_ID],
    "UHostIds": [RUNNING_INSTANCE, STOPPED_INSTANCE],
    # The default account's team, its member, an account in no team.
    "TeamId": 100001,
    "VirtualCompanyId": 300001,
    "UserCompanyId": 56000003,
    "OperateType": "AllocateAmount",
    "OrderBy": "create_time",
    "OrderDir": "DESC",
    # SortCondition of the community listings: a field they sort by.
    "Field": "PubTime",
    "ASC": "false",
}

# Values of the data disk actions: the attached disk's device, a size above
# its own, real types.
DISK_VALUES = {
    "DiskId": ATTACHED_DISK,
    "DiskSpace": 300,
    "Device": "/dev/vdb",
    "DiskType": "SSDDataDisk",
    "DataDiskType": "SSDDataDisk",
    "BackupMode": "NONE",
}

# The fixtures' share bandwidth (bandwidths.json) and its zone; the default
# zone has none, so one can be created there (samples.rs: `sample`).
SHARE_BANDWIDTH = "bwshare-demo0bj2"
SHARE_BANDWIDTH_VALUES = {
    "Region": "cn-bj2",
    "Zone": "cn-bj2-02",
    "ShareBandwidthId": SHARE_BANDWIDTH,
}
# The actions that name the share bandwidth (ShareBandwidthId).
SHARE_BANDWIDTH_ACTIONS = {
    "GetCompShareShareBandwidthUpgradePrice",
    "ModifyCompShareShareBandwidth",
    "GetCompShareShareBandwidthRefundPrice",
    "DeleteCompShareShareBandwidth",
}
BANDWIDTH_VALUES = {"ShareBandwidth": 100, "ChargeType": "Month", "TargetScope": "Public"}

# Values for one action only: filters chosen so that the answer lists a
# fixture resource, so the strict type check sees real items.
ACTION_VALUES = {
    # Teams (samples.rs): the second account's team invited the default
    # account; the default account's empty team can be deleted.
    "SetCompShareTeamRelation": {"TeamId": 100002, "Status": "Agree"},
    "DeleteCompShareTeam": {"TeamId": 100003},
    "DescribeCompShareImages": {
        "ImageType": "System",
        "Name": "Ubuntu 22.04 CUDA 12.4",
        "Author": "UCloud",
        "Tag": "PyTorch",
    },
    # Softwares is the Software model as a JSON string.
    "UpdateCompShareImage": {
        "Softwares": '{"Applications": ["JupyterLab"], "CUDAVersion": "12.4"}',
    },
}

# Actions the SDK's typed method cannot call successfully, and why; their
# test checks what happens instead.
TYPED_CANNOT = {
    # The typed request schema has no TeamId, which the API reference requires.
    "UpdateCompShareTeam": "no TeamId in the SDK's schema",
    # A file (CSV), not an envelope: the CLI reads it with its raw transport.
    "DownloadTeamOrder": "answers a CSV file",
}

# The list a valid call of these actions must answer non-empty.
NON_EMPTY_LISTS = {
    "DescribeCompShareCustomImages": "ImageSet",
    "DescribeCompShareImages": "ImageSet",
    "DescribeCompShareImageTags": "Tags",
    "DescribeCompShareInstance": "UHostSet",
    "DescribeCompShareSupportZone": "ZoneInfo",
}


def known_value(action, name):
    """The real value ``name`` must have in ``action``, or None."""
    if name == "UHostId":
        return STOPPED_INSTANCE if action in NEEDS_STOPPED_INSTANCE else RUNNING_INSTANCE
    if name == "CompShareImageId":
        return CUSTOM_IMAGE if custom_image_action(action) else PLATFORM_IMAGE
    if name == "UDiskId":
        if action in ("AttachCompshareDisk", "DeleteCompshareDisk"):
            return AVAILABLE_DISK
        return ATTACHED_DISK
    if name == "Size" and "Disk" in action:
        return 300
    if name in DISK_VALUES and "Disk" in action:
        return DISK_VALUES[name]
    if name in SHARE_BANDWIDTH_VALUES and action in SHARE_BANDWIDTH_ACTIONS:
        return SHARE_BANDWIDTH_VALUES[name]
    if name in BANDWIDTH_VALUES and "ShareBandwidth" in action:
        return BANDWIDTH_VALUES[name]
    if name in ACTION_VALUES.get(action, {}):
        return ACTION_VALUES[action][name]
    return KNOWN_VALUES.get(name)


def _as_type(value, ty):
    """``value`` as catalogue type ``ty`` (a known number as a string, a
    scalar as a one-item array)."""
    if isinstance(ty, dict) and "array" in ty:
        items = value if isinstance(value, list) else [value]
        return [_as_type(v, ty["array"]) for v in items]
    if ty == "string":
        return str(value)
    return value


def value_for(action, name, ty, depth=0):
    """A valid value of catalogue type ``ty`` for parameter ``name`` of ``action``."""
    known = known_value(action, name)
    if known is not None and not (isinstance(ty, dict) and "ref" in ty):
        return _as_type(known, ty)
    if ty == "string":
        return "compat-" + name.lower()
    if ty == "integer":
        return 1
    if ty == "number":
        return 1.5
    if ty == "boolean":
        return True
    if isinstance(ty, dict) and "array" in ty:
        item = ty["array"]
        if isinstance(item, dict) and "ref" in item:
            return [value_for(action, name, item, depth + 1)]
        return [value_for(action, name, item, depth + 1), _second(name, item)]
    if isinstance(ty, dict) and "ref" in ty:
        if depth > 4:
            return {}
        return {
            f["name"]: value_for(action, f["name"], f["type"], depth + 1)
            for f in CATALOGUE["models"].get(ty["ref"], [])
        }
    raise ValueError("unknown catalogue type {!r}".format(ty))


def _second(name, ty):
    """A second array item, different from the first."""
    if ty == "string":
        return "compat-" + name.lower() + "-1"
    if ty == "integer":
        return 2
    if ty == "number":
        return 2.25
    if ty == "boolean":
        return False
    raise ValueError("no second item of catalogue type {!r}".format(ty))


def build_params(action):
    """Every request parameter of ``action`` with a valid value: real
    fixture ids in the state the action needs, no refused parameter."""
    return {
        p["name"]: value_for(action, p["name"], p["type"])
        for p in CATALOGUE["actions"][action]["request"]
        if (action, p["name"]) not in REFUSED_PARAMS | OMITTED_PARAMS
    }


# Required in the generated catalogue, optional in the mock (the overlay's
# `optional` list): a missing-param test never leaves one of these out.
OPTIONAL_OVERRIDES = {(d["action"], d["param"]) for d in OVERLAY["optional"]}

# Parameters a valid call leaves out although the catalogue lists them:
# the API reference forbids a compute change and a disk growth together;
# UpdateCompShareImage's GroupId moves a community version, and the sample
# image is a custom one.
OMITTED_PARAMS = {
    ("ResizeCompShareInstance", "DiskId"),
    ("ResizeCompShareInstance", "DiskSpace"),
    ("UpdateCompShareImage", "GroupId"),
}


def required_to_drop(action):
    """The parameter a missing-param test leaves out, or None if there is none.

    The first required parameter that is not a common one (Region, Zone,
    ProjectId); failing that Region, failing that the first required one.
    A parameter counts as required when the catalogue and the Python SDK
    both say so (`docs/PROTOCOL.md` §7: where the SDKs disagree it is optional).
    """
    sdk_req = sdk_required(action)
    req = [
        p
        for p in CATALOGUE["actions"][action]["request"]
        if p.get("required")
        and p["name"] in sdk_req
        and (action, p["name"]) not in OPTIONAL_OVERRIDES
    ]
    for p in req:
        if not p.get("common"):
            return p["name"]
    names = [p["name"] for p in req]
    if "Region" in names:
        return "Region"
    return names[0] if names else None


def conform(field, value, path, problems):
    """Strict check of a raw JSON value against an SDK response field.

    The SDK itself converts loosely (``str(x)`` for strings, ``int(x)`` for
    integers); a faithful answer must have the exact JSON type the schema
    names, and no field the schema does not know.
    """
    if isinstance(field, fields.List):
        if not isinstance(value, list):
            problems.append("{}: expected array, got {!r}".format(path, value))
            return
        for i, item in enumerate(value):
            conform(field.item, item, "{}.{}".format(path, i), problems)
    elif isinstance(field, schema.Schema):
        if not isinstance(value, dict):
            problems.append("{}: expected object, got {!r}".format(path, value))
            return
        conform_object(field.fields, value, path, problems)
    elif isinstance(field, fields.Str):
        if not isinstance(value, str):
            problems.append("{}: expected string, got {!r}".format(path, value))
    elif isinstance(field, fields.Int):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append("{}: expected integer, got {!r}".format(path, value))
    elif isinstance(field, fields.Float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append("{}: expected number, got {!r}".format(path, value))
    elif isinstance(field, fields.Bool):
        if not isinstance(value, bool):
            problems.append("{}: expected boolean, got {!r}".format(path, value))
    else:
        problems.append("{}: unknown SDK field {!r}".format(path, field))


def conform_object(schema_fields, obj, path, problems, allowed_extra=()):
    """Checks every member of ``obj`` against ``schema_fields``."""
    for k, v in obj.items():
        where = "{}.{}".format(path, k) if path else k
        if k in schema_fields:
            conform(schema_fields[k], v, where, problems)
        elif k not in allowed_extra and k not in OVERLAY_ANSWER_FIELDS:
            problems.append("{}: not in the SDK's schema".format(where))


def answer_problems(action, raw):
    """Everything in a raw answer that does not match the SDK's response schema."""
    problems = []
    if raw.get("Action") != action + "Response":
        problems.append("Action is {!r}".format(raw.get("Action")))
    if raw.get("RetCode") != 0 or isinstance(raw.get("RetCode"), bool):
        problems.append("RetCode is {!r}".format(raw.get("RetCode")))
    conform_object(
        response_schema(action).fields, raw, "", problems, allowed_extra=ENVELOPE_FIELDS
    )
    return problems


def sign(params, private_key):
    """`docs/PROTOCOL.md` §3 by hand: sorted key+value, then the private key, SHA-1 hex."""
    canonical = "".join(
        k + params[k] for k in sorted(params, key=lambda s: s.encode("utf-8"))
    )
    return hashlib.sha1((canonical + private_key).encode("utf-8")).hexdigest()


def http(method, url, body=None, headers=None):
    """A plain HTTP exchange without the SDK: (status, headers, decoded JSON)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, dict(resp.headers), json.loads(resp.read().decode("utf-8"))


def admin(method, path, body=None):
    """A call of the mock's control plane under ``/_mock/``: the decoded JSON
    answer. ``COMPSHARE_MOCK_ADMIN_TOKEN`` is sent as the bearer token when
    set (a mock listening beyond loopback requires one)."""
    headers = {}
    data = None
    if method == "POST":
        data = json.dumps(body if body is not None else {}).encode("utf-8")
        headers["Content-Type"] = "application/json"
    token = os.environ.get("COMPSHARE_MOCK_ADMIN_TOKEN")
    if token:
        headers["Authorization"] = "Bearer " + token
    return http(method, mock_url() + "/_mock/" + path, data, headers)[2]


def reset_mock():
    """Puts the mock's state back to its fixtures (the clock runs again)."""
    assert admin("POST", "reset") == {"Reset": True}


def freeze_clock():
    """Stops the mock's virtual clock; returns the frozen instant."""
    return admin("POST", "clock/freeze")["now"]


def advance_clock(seconds):
    """Moves the mock's virtual clock forward; returns the new instant."""
    return admin("POST", "clock/advance", {"seconds": seconds})["now"]


def timings():
    """How long things take in the mock (boot, transition, image build), in seconds."""
    return admin("GET", "state")["Timings"]


def get_signed(params, private_key):
    """GET / with a query string signed by hand."""
    signed = dict(params)
    signed["Signature"] = sign(params, private_key)
    return http("GET", mock_url() + "/?" + urllib.parse.urlencode(signed))
