#!/usr/bin/env bash
# The official-CLI compatibility suite: builds and starts compshare-mock on a
# free loopback port, then runs the official CompShare CLI (compshare-cli)
# against it (cli-compat/python). Needs only the Rust toolchain, Python 3 and pip.
#
#   bash cli-compat/run.sh [pytest args...]
#
# Environment: PYTHON (default python3), CLI_VENV (default target/cli-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VENV=${CLI_VENV:-$ROOT/target/cli-venv}

source scripts/python-env.sh
python_env cli-compat "$VENV" cli-compat/python/requirements.txt

echo "cli-compat: starting compshare-mock"
source scripts/mock-process.sh
# A journal long enough for the whole session: the telemetry check reads it at the end.
start_mock --journal-size 20000
URL=$MOCK_URL

echo "cli-compat: compshare-mock at $URL (pid $MOCK_PID)"
status=0
# The tests run the CLI in child processes with cli-compat/sitecustomize.py on
# their PYTHONPATH; the runner itself does not load it.
COMPSHARE_MOCK_URL=$URL PYTHONDONTWRITEBYTECODE=1 \
  "$PY" -m pytest -q -p no:cacheprovider cli-compat/python "$@" || status=$?
if [ "$status" -ne 0 ] && [ -s "$MOCK_LOG" ]; then
  echo "cli-compat: compshare-mock stderr:" >&2
  tail -n 50 "$MOCK_LOG" >&2
fi
exit "$status"
