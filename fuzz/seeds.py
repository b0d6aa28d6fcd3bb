#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (corpus/<target>/seed-*).

Each target reads its input front to back in the byte layout its doc comment
describes; this script encodes real requests (`docs/PROTOCOL.md`'s Python SDK body,
a Go SDK form POST, a JSON body, a GET query string, admin calls) in those
layouts. Run it from anywhere: `python3 fuzz/seeds.py`.
"""

import hashlib
import json
import os
import struct
from urllib.parse import urlencode

HERE = os.path.dirname(os.path.abspath(__file__))

# --- shared pieces --------------------------------------------------------

# Index of each content type in CONTENT_TYPES (src/lib.rs).
CT_NONE, CT_FORM, CT_FORM_CHARSET, CT_JSON, CT_JSON_ODD, CT_TEXT, CT_EMPTY, CT_MULTIPART = range(8)


def short(data):
    data = data.encode() if isinstance(data, str) else data
    assert len(data) < 256, data
    return bytes([len(data)]) + data


def long(data):
    data = data.encode() if isinstance(data, str) else data
    return struct.pack("<H", len(data)) + data


def sign_flat(pairs, private_key):
    pairs = sorted((p for p in pairs if p[0] != "Signature"), key=lambda p: p[0].encode())
    canonical = "".join(k + v for k, v in pairs)
    return hashlib.sha1((canonical + private_key).encode()).hexdigest()


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


PYTHON_SDK_BODY = (
    "Region=cn-wlcb&Limit=20&Zone=cn-wlcb-01&Action=DescribeCompShareCustomImages"
    "&PublicKey=my_public_key&Signature=680f842912a54b3c6e91d8e3ec1306deb6ca2cc7"
)


def go_form_body():
    pairs = [
        ("Action", "DescribeCompShareCustomImages"),
        ("Limit", "20"),
        ("Offset", "0"),
        ("PublicKey", "my_public_key"),
        ("Region", "cn-wlcb"),
        ("Zone", "cn-wlcb-01"),
    ]
    pairs.append(("Signature", sign_flat(pairs, "my_private_key")))
    return urlencode(pairs)


JSON_BODY = json.dumps(
    {
        "Action": "CreateCompShareInstance",
        "Region": "cn-wlcb",
        "Zone": "cn-wlcb-01",
        "MachineType": "G",
        "GpuType": "4090",
        "GPU": 1,
        "CPU": 16,
        "Memory": 65536,
        "CompShareImageId": "compshareImage-165jmhx19ik7",
        "Disks": [{"IsBoot": True, "Size": 100, "Type": "CLOUD_SSD"}],
        "PublicKey": "my_public_key",
        "Signature": "0000000000000000000000000000000000000000",
    }
)


def get_query():
    pairs = [("Action", "DescribeCompShareInstance"), ("Region", "cn-wlcb"), ("PublicKey", "my_public_key")]
    pairs.append(("Signature", sign_flat(pairs, "my_private_key")))
    return urlencode(pairs)


# --- form_parser ----------------------------------------------------------
# flags (bit 0 POST, bit 1 query follows), content type, [query], body.


def form_parser(post, ct, query, body, custom_ct=None):
    out = bytes([(1 if post else 0) | (2 if query is not None else 0), ct])
    if custom_ct is not None:
        out += long(custom_ct)
    if query is not None:
        out += long(query)
    return out + (body.encode() if isinstance(body, str) else body)


def form_parser_seeds():
    write("form_parser", "python-sdk", form_parser(True, CT_FORM, None, PYTHON_SDK_BODY))
    write(
        "form_parser",
        "go-form",
        form_parser(True, CT_FORM_CHARSET, "Action=DescribeCompShareCustomImages", go_form_body()),
    )
    write("form_parser", "json", form_parser(True, CT_JSON, "Action=CreateCompShareInstance", JSON_BODY))
    write("form_parser", "get-query", form_parser(False, CT_NONE, get_query(), ""))
    write("form_parser", "duplicates", form_parser(True, CT_NONE, None, "A=1&A=2&Signature=x&Signature=y&=z&b+c=%2B"))
    write("form_parser", "bad-utf8", form_parser(True, CT_EMPTY, "Action=%ff", "Region=%ff"))
    write("form_parser", "text-plain", form_parser(True, CT_TEXT, None, "a=1"))
    write("form_parser", "json-collision", form_parser(True, CT_JSON_ODD, None, '{"A":["x"],"A.0":"y","":{"":null}}'))
    write("form_parser", "custom-type", form_parser(True, 8, None, "{}", custom_ct="application/json;charset=x"))


# --- canonical ------------------------------------------------------------
# private key, pair count, pairs, 8-byte shuffle seed, JSON object.


def j_value(v):
    if v is None:
        return bytes([0])
    if isinstance(v, bool):
        return bytes([1, 1 if v else 0])
    if isinstance(v, int):
        return bytes([2]) + struct.pack("<q", v)
    if isinstance(v, float):
        return bytes([4]) + struct.pack("<d", v)
    if isinstance(v, str):
        return bytes([5]) + short(v)
    if isinstance(v, list):
        assert len(v) < 8
        return bytes([6, len(v)]) + b"".join(j_value(x) for x in v)
    return bytes([7]) + j_object(v)


def j_object(obj):
    assert len(obj) < 8
    return bytes([len(obj)]) + b"".join(short(k) + j_value(v) for k, v in obj.items())


def canonical(private_key, pairs, obj, shuffle=0x9E3779B97F4A7C15):
    out = short(private_key) + bytes([len(pairs)])
    for k, v in pairs:
        out += short(k) + short(v)
    return out + struct.pack("<Q", shuffle) + j_object(obj)


def canonical_seeds():
    ucloud_pub = "ucloudsomeone@example.com1296235120854146120"
    ucloud_priv = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
    write("canonical", "vector-1", canonical("my_private_key", [("foo", "bar")], {}))
    write(
        "canonical",
        "vector-3",
        canonical(
            ucloud_priv,
            [("Action", "DescribeUHostInstance"), ("Region", "cn-bj2"), ("Limit", "10"), ("PublicKey", ucloud_pub)],
            {"Action": "DescribeUHostInstance", "Region": "cn-bj2", "Limit": 10, "PublicKey": ucloud_pub},
        ),
    )
    pairs = [tuple(p.split("=", 1)) for p in PYTHON_SDK_BODY.split("&")]
    write("canonical", "python-sdk", canonical("my_private_key", pairs, {"B": [1, True, "x"], "A": {"z": 1.5, "y": 42.0}, "Signature": "s"}))
    write(
        "canonical",
        "nested",
        canonical(
            "k",
            [("Disks.0.Size", "100"), ("Disks.0.IsBoot", "true"), ("A", "1"), ("A", "2"), ("Signature", "x")],
            {"Disks": [{"IsBoot": True, "Size": 100, "Type": "CLOUD_SSD"}], "UHostIds": ["a", "b"], "N": None, "F": 1e21, "M": -0.5},
        ),
    )


# --- app ------------------------------------------------------------------
# flags, request count (n - 1), then each request: method, path, content
# type, content length, authorization, query, body, then the call: action,
# signer, region, fill flag, field count, fields.

GET, POST, OTHER = 0, 3, 8
DELETE, HEAD = bytes([OTHER, 1]), bytes([OTHER, 3])
PATH_API = 0
MOCK_PATHS = [
    "/_mock/health", "/_mock/reset", "/_mock/fixtures", "/_mock/state", "/_mock/requests",
    "/_mock/faults", "/_mock/faults/1", "/_mock/clock", "/_mock/clock/advance",
    "/_mock/clock/freeze", "/_mock/clock/run", "/_mock/seed", "/_mock/save", "/_mock/actions",
    "/_mock/nothing",
]
# Query and body choices; NATURAL is the call where the method carries it
# (a GET's query string, a POST's form body).
Q_NATURAL, Q_NONE, Q_RAW, Q_CALL, Q_ACTION = range(5)
B_NATURAL, B_FORM, B_JSON, B_RAW, B_EMPTY = range(5)
SIGN_ACCOUNT0, SIGN_ACCOUNT1, SIGN_UNKNOWN, SIGN_NONE, SIGN_WRONG = 0, 4, 6, 7, 8
REGION_WLCB, REGION_NONE = 0, 6
VAL_RAW, VAL_SEEN = 72, 200


def mock_path(p):
    return 128 + 1 + MOCK_PATHS.index(p)


def call(action, signer=SIGN_ACCOUNT0, region=REGION_WLCB, fields=(), fill=False):
    out = bytes([255]) if action is None else bytes([240]) + short(action)
    out += bytes([signer, region, 0 if fill else 1, len(fields)])
    for k, v in fields:
        out += bytes([200]) + short(k)
        out += bytes([VAL_SEEN]) if v is VAL_SEEN else bytes([VAL_RAW]) + short(v)
    return out


def req(method, path, query, body, the_call, ct=0, auth=0, raw_query=None, raw_body=None):
    method = method if isinstance(method, bytes) else bytes([method])
    out = method + bytes([path, ct, 0, auth, query])
    if query == Q_RAW:
        out += short(raw_query)
    out += bytes([body])
    if body == B_RAW:
        out += long(raw_body)
    return out + the_call


def app(*requests, flags=0):
    assert 1 <= len(requests) <= 4
    return bytes([flags, len(requests) - 1]) + b"".join(requests)


CREATE = [
    ("MachineType", "G"), ("GpuType", "4090"), ("GPU", "1"), ("CPU", "16"), ("Memory", "65536"),
    ("CompShareImageId", "compshareImage-165jmhx19ik7"), ("ChargeType", "Dynamic"),
    ("Disks.0.IsBoot", "true"), ("Disks.0.Size", "100"), ("Disks.0.Type", "CLOUD_SSD"),
]


def app_seeds():
    describe = call("DescribeCompShareCustomImages", fields=[("Limit", "20")])
    write("app", "python-sdk", app(req(POST, PATH_API, Q_NONE, B_FORM, describe)))
    write("app", "go-form", app(req(POST, PATH_API, Q_ACTION, B_FORM, describe, ct=1 + CT_FORM_CHARSET)))
    write("app", "json-create", app(req(POST, PATH_API, Q_ACTION, B_JSON, call("CreateCompShareInstance", fields=CREATE))))
    write("app", "get-query", app(req(GET, PATH_API, Q_CALL, B_EMPTY, call("DescribeCompShareInstance"))))
    write(
        "app",
        "create-stop-image",
        app(
            req(POST, PATH_API, Q_NONE, B_FORM, call("CreateCompShareInstance", fields=CREATE)),
            req(POST, mock_path("/_mock/clock/advance"), Q_NONE, B_RAW, call(None), raw_body='{"seconds":600}'),
            req(POST, PATH_API, Q_NONE, B_FORM, call("StopCompShareInstance", fields=[("UHostId", VAL_SEEN)])),
            req(POST, PATH_API, Q_NONE, B_FORM, call("CreateCompShareCustomImage", fields=[("UHostId", VAL_SEEN), ("Name", "img")])),
        ),
    )
    write(
        "app",
        "filled",
        app(
            req(POST, PATH_API, Q_NONE, B_FORM, call("CopyCompShareCustomImage", fill=True)),
            req(POST, PATH_API, Q_NONE, B_JSON, call("ModifyCompShareImageShareAccount", fill=True)),
            req(GET, PATH_API, Q_CALL, B_EMPTY, call("DescribeCompShareImageShareAccounts", fill=True)),
            req(POST, PATH_API, Q_NONE, B_FORM, call("StartCompShareInstance", fill=True, fields=[("UHostId", "uhost-demo0stp")])),
        ),
    )
    write(
        "app",
        "refusals",
        app(
            req(POST, PATH_API, Q_NONE, B_FORM, call("DescribeCompShareCustomImages", signer=SIGN_WRONG)),
            req(POST, PATH_API, Q_NONE, B_FORM, call("NoSuchAction", signer=SIGN_UNKNOWN)),
            req(POST, PATH_API, Q_NONE, B_RAW, call(None), ct=1 + CT_TEXT, raw_body="a=1"),
            req(HEAD, PATH_API, Q_NONE, B_JSON, call("DescribeCompShareImages", signer=SIGN_NONE)),
        ),
    )
    write(
        "app",
        "admin",
        app(
            req(GET, mock_path("/_mock/health"), Q_NONE, B_EMPTY, call(None)),
            req(GET, mock_path("/_mock/requests"), Q_RAW, B_EMPTY, call(None), raw_query="action=A&ret_code=0"),
            req(POST, mock_path("/_mock/seed"), Q_NONE, B_RAW, call(None), raw_body='{"seed":42}'),
            req(POST, mock_path("/_mock/reset"), Q_NONE, B_EMPTY, call(None)),
            flags=0,
        ),
    )
    write(
        "app",
        "admin-token",
        app(
            req(GET, mock_path("/_mock/state"), Q_NONE, B_EMPTY, call(None)),
            req(DELETE, mock_path("/_mock/faults/1"), Q_NONE, B_EMPTY, call(None), auth=1),
            req(POST, mock_path("/_mock/save"), Q_NONE, B_EMPTY, call(None)),
            flags=3,
        ),
    )


if __name__ == "__main__":
    form_parser_seeds()
    canonical_seeds()
    app_seeds()
