"""Points the official CompShare CLI (compshare-cli) at compshare-mock.

Python imports ``sitecustomize`` at interpreter start when it is on the path,
so with this file's directory on ``PYTHONPATH`` every ``compshare`` command
(and the telemetry process each command starts) talks to the mock, with the
CLI itself unchanged:

    export PYTHONPATH=/path/to/compshare-mock/cli-compat
    export COMPSHARE_MOCK_URL=http://127.0.0.1:8090

``COMPSHARE_MOCK_URL``
    The mock's base URL. Becomes ``compshare_cli.config.DEFAULT_BASE_URL``,
    the only place the CLI takes its endpoint from. Unset: nothing changes.

``COMPSHARE_MOCK_SLEEP``
    ``advance``: ``time.sleep(n)`` in the CLI process does not wait; it moves
    the mock's virtual clock on by n seconds instead (``POST
    /_mock/clock/advance``), and ``time.monotonic()`` moves on by n too, so
    the CLI's wait loops (instance create/wait every 3 s, image create --wait
    every 5 s, the disk-delete retries) and their timeouts run in virtual
    time. Whole seconds are advanced; a fraction is carried to the next
    sleep. Use it with a frozen clock (``POST /_mock/clock/freeze``).

``COMPSHARE_MOCK_ADMIN_TOKEN``
    Sent as ``Authorization: Bearer`` to the control plane, for a mock
    started with ``--admin-token``.

Telemetry (``CreateCSCLIEvent``, sent after every command by a detached
``python -m compshare_cli.insights``) goes to ``COMPSHARE_INSIGHTS_URL``;
set it to the mock's URL too (or to ``""`` to turn it off).
"""

import os


def _point_at_mock(url):
    import compshare_cli.config

    compshare_cli.config.DEFAULT_BASE_URL = url


def _sleep_advances_mock_clock(url):
    import json
    import math
    import time
    import urllib.request

    real_monotonic = time.monotonic
    token = os.environ.get("COMPSHARE_MOCK_ADMIN_TOKEN", "")
    moved = {"seconds": 0.0, "carried": 0.0}

    def advance(seconds):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(
            url + "/_mock/clock/advance",
            data=json.dumps({"seconds": seconds}).encode(),
            headers=headers,
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    def sleep(seconds):
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        moved["seconds"] += seconds
        whole = math.floor(moved["carried"] + seconds)
        moved["carried"] = moved["carried"] + seconds - whole
        if whole:
            advance(int(whole))

    def monotonic():
        return real_monotonic() + moved["seconds"]

    time.sleep = sleep
    time.monotonic = monotonic


def _install():
    url = os.environ.get("COMPSHARE_MOCK_URL", "").strip().rstrip("/")
    if not url:
        return
    try:
        _point_at_mock(url)
    except ImportError:
        # Not an interpreter with the CLI installed: nothing to point.
        return
    if os.environ.get("COMPSHARE_MOCK_SLEEP") == "advance":
        _sleep_advances_mock_clock(url)


_install()
