"""Shared helpers of the official-CLI compatibility suite.

Every command runs the unmodified CompShare CLI (``python -m compshare_cli``)
in a child process, as a user would, with ``--json``. The only changes from
production come from ``cli-compat/sitecustomize.py`` on the child's
``PYTHONPATH``: the CLI's base URL is the mock's, and ``time.sleep`` moves the
mock's virtual clock instead of waiting. Telemetry (``CreateCSCLIEvent``) goes
to the mock too.
"""

import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

CLI_COMPAT = pathlib.Path(__file__).resolve().parents[1]

REGION = "cn-wlcb"
ZONE = "cn-wlcb-01"
PLATFORM_IMAGE = "compshareImage-165jmhx19ik7"
SEED_CUSTOM_IMAGE = "compshareImage-xxxx"
RUNNING_INSTANCE = "uhost-demo0run"
STOPPED_INSTANCE = "uhost-demo0stp"

# Accounts of the default fixtures (fixtures/accounts.json).
DEFAULT_ACCOUNT = {"id": 56000001, "keys": ("my_public_key", "my_private_key")}
SECOND_ACCOUNT = {"id": 56000002, "keys": ("second_public_key", "second_private_key")}

# A command that does not finish in this long (real seconds) is a failure:
# the CLI's own wait loops run in virtual time and end long before.
COMMAND_TIMEOUT = 60


def mock_url():
    """The mock's base URL, from COMPSHARE_MOCK_URL."""
    url = os.environ.get("COMPSHARE_MOCK_URL", "").rstrip("/")
    if not url:
        raise RuntimeError(
            "COMPSHARE_MOCK_URL is not set; run cli-compat/run.sh, or start "
            "compshare-mock and export COMPSHARE_MOCK_URL=http://127.0.0.1:PORT"
        )
    return url


def control(method, path, body=None):
    """One control-plane call (``/_mock/...``); the decoded JSON answer."""
    headers = {"Content-Type": "application/json"}
    token = os.environ.get("COMPSHARE_MOCK_ADMIN_TOKEN")
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    if data is None and method == "POST":
        data = b""
    request = urllib.request.Request(mock_url() + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else None


def reset_and_freeze():
    """State back to the fixtures, and a clock that moves only when told."""
    control("POST", "/_mock/reset")
    control("POST", "/_mock/clock/freeze")


def journal(action=None, after=0):
    """Journal entries (oldest first), optionally of one action, after a Seq."""
    query = {"after": after}
    if action:
        query["action"] = action
    entries = []
    while True:
        page = control("GET", "/_mock/requests?" + urllib.parse.urlencode(query))
        entries.extend(page["Requests"])
        if page.get("Next") is None:
            return entries
        query["after"] = page["Next"]


_newest = {"seq": 0}


def last_seq():
    """The Seq of the newest journal entry (0 when empty); reads only what
    arrived since the last call."""
    entries = journal(after=_newest["seq"])
    if entries:
        _newest["seq"] = entries[-1]["Seq"]
    return _newest["seq"]


def mock_state():
    return control("GET", "/_mock/state")


def clock_now():
    return control("GET", "/_mock/clock")["now"]


class Result:
    """What one CLI run printed and returned."""

    def __init__(self, args, completed, first_seq):
        self.args = args
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.first_seq = first_seq
        try:
            self.json = json.loads(completed.stdout) if completed.stdout.strip() else None
        except json.JSONDecodeError:
            self.json = None

    @property
    def data(self):
        return (self.json or {}).get("data")

    @property
    def meta(self):
        return (self.json or {}).get("meta") or {}

    @property
    def items(self):
        return (self.data or {}).get("items")

    def requests(self, action=None):
        """The API requests this run sent (telemetry left out), oldest first."""
        return [
            entry
            for entry in journal(action, after=self.first_seq)
            if entry["Action"] != "CreateCSCLIEvent"
        ]

    def describe(self):
        """A failure report: the command, its exit code, output, and what the
        mock answered to each request it sent."""
        lines = [
            "compshare " + " ".join(self.args),
            f"exit code {self.code}",
            "stdout: " + self.stdout.strip()[:4000],
        ]
        if self.stderr.strip():
            lines.append("stderr: " + self.stderr.strip()[-4000:])
        try:
            for entry in self.requests():
                lines.append(
                    f"  -> {entry['Action']} RetCode {entry['RetCode']}"
                    + (f" {entry['Message']}" if entry.get("Message") else "")
                    + (f" notes {entry['Notes']}" if entry.get("Notes") else "")
                )
        except (OSError, urllib.error.URLError):
            pass
        return "\n".join(lines)


class Cli:
    """Runs the official CLI against the mock with an isolated configuration."""

    def __init__(self, home, telemetry=True):
        self.home = pathlib.Path(home)
        self.telemetry = telemetry
        self.home.mkdir(parents=True, exist_ok=True)
        self.commands = []

    def env(self):
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {
                "COMPSHARE_PUBLIC_KEY",
                "COMPSHARE_PRIVATE_KEY",
                "COMPSHARE_PROFILE",
                "PYTHONDONTWRITEBYTECODE",
            }
        }
        inherited = os.environ.get("PYTHONPATH", "")
        env.update(
            {
                # sitecustomize first; then whatever the runner uses (the
                # package directory when there is no venv).
                "PYTHONPATH": os.pathsep.join(p for p in (str(CLI_COMPAT), inherited) if p),
                "PYTHONDONTWRITEBYTECODE": "1",
                "COMPSHARE_MOCK_URL": mock_url(),
                "COMPSHARE_MOCK_SLEEP": "advance",
                # "" turns the CLI's telemetry off.
                "COMPSHARE_INSIGHTS_URL": mock_url() if self.telemetry else "",
                "COMPSHARE_CONFIG_FILE": str(self.home / "config" / "config.json"),
                "COMPSHARE_SSH_CACHE_FILE": str(self.home / "ssh-cache.json"),
                "COMPSHARE_TEMPLATE_FILE": str(self.home / "templates.json"),
                "COMPSHARE_LANG": "en",
                "XDG_CONFIG_HOME": str(self.home / "xdg"),
                "HOME": str(self.home),
            }
        )
        return env

    def run(self, *args, profile=None):
        """``compshare [--profile P] --json ARGS...``; the parsed result."""
        argv = ["--json"]
        if profile:
            argv += ["--profile", profile]
        argv += [str(a) for a in args]
        first_seq = last_seq()
        completed = subprocess.run(
            [sys.executable, "-m", "compshare_cli", *argv],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
        result = Result(argv, completed, first_seq)
        self.commands.append(result)
        return result

    def ok(self, *args, profile=None):
        """Runs a command that must succeed: exit 0 and ``{"ok": true}``."""
        result = self.run(*args, profile=profile)
        assert result.code == 0 and result.json and result.json.get("ok") is True, (
            result.describe()
        )
        return result


def wait_for(predicate, timeout=10.0, interval=0.1):
    """Polls until predicate() is truthy (for the detached telemetry process)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
