"""The README's recipe "Point the official CLI at the mock" works as written:
its shell lines run against this mock (port, venv and config file changed)
and the last one prints the JSON the README shows."""

import json
import os
import re
import subprocess
import sys

from cli_support import CLI_COMPAT, mock_url, reset_and_freeze

ROOT = CLI_COMPAT.parent
SECTION = "## Point the official CLI at the mock"


def blocks(kind):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    section = readme[start:end]
    return re.findall(r"```" + kind + r"\n(.*?)```", section, re.S)


def test_recipe_prints_what_the_readme_shows(tmp_path):
    reset_and_freeze()
    recipe = blocks("sh")[0]
    address = mock_url().split("://", 1)[1]
    lines = []
    for line in recipe.splitlines():
        if not line.strip() or line.startswith("python3 -m venv"):
            continue  # the suite's own venv stands in for cli-env
        line = line.replace("127.0.0.1:8090", address)
        line = line.replace("$PWD/cli-config.json", str(tmp_path / "cli-config.json"))
        line = line.replace("cli-env/bin/compshare", f"{sys.executable} -m compshare_cli")
        if line.startswith("export PYTHONPATH="):
            # Keep the runner's package directory when there is no venv.
            line = line.split("#")[0].rstrip() + '${RUNNER_PATH:+:$RUNNER_PATH}'
        lines.append(line)
    env = dict(os.environ, RUNNER_PATH=os.environ.get("PYTHONPATH", ""), HOME=str(tmp_path))
    for key in ("COMPSHARE_PUBLIC_KEY", "COMPSHARE_PRIVATE_KEY", "COMPSHARE_PROFILE", "PYTHONPATH"):
        env.pop(key, None)
    done = subprocess.run(
        ["sh", "-ec", "\n".join(lines)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    printed = done.stdout.strip().splitlines()[-1]
    shown = "".join(line.strip() for line in blocks("json")[0].splitlines())
    assert json.loads(printed) == json.loads(shown), printed
