"""cli-compat/sitecustomize.py itself: the CLI's base URL, and sleeps that
move the mock's virtual clock instead of waiting."""

import json
import subprocess
import sys
import time

from cli_support import Cli, clock_now, control, mock_url, reset_and_freeze

PROBE = """
import json, time
import compshare_cli.config as config
started = time.monotonic()
time.sleep(7)
time.sleep(0.5)
time.sleep(0.5)
print(json.dumps({"base_url": config.DEFAULT_BASE_URL, "monotonic": time.monotonic() - started}))
"""


def run_probe(cli, **extra):
    env = dict(cli.env(), **extra)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_sleep_advances_the_virtual_clock(tmp_path):
    reset_and_freeze()
    cli = Cli(tmp_path)
    before = clock_now()
    started = time.monotonic()
    probe = run_probe(cli)
    assert time.monotonic() - started < 5, "the probe slept in real time"
    assert probe["base_url"] == mock_url()
    # 7 + 0.5 + 0.5: whole seconds advanced, the halves carried into one more.
    assert clock_now() - before == 8
    assert probe["monotonic"] >= 8
    assert control("GET", "/_mock/clock")["frozen"] is True


def test_without_the_switch_sleep_is_real(tmp_path):
    reset_and_freeze()
    cli = Cli(tmp_path)
    before = clock_now()
    env = dict(cli.env())
    env.pop("COMPSHARE_MOCK_SLEEP")
    done = subprocess.run(
        [sys.executable, "-c",
         "import time, compshare_cli.config as c; time.sleep(0.2); print(c.DEFAULT_BASE_URL)"],
        env=env, capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == mock_url()
    assert clock_now() == before
