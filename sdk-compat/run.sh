#!/usr/bin/env bash
# The official-SDK compatibility suite: builds and starts compshare-mock on a
# free loopback port, then runs the official UCloud Python SDK against it
# (sdk-compat/python). Needs only the Rust toolchain, Python 3 and pip.
#
#   bash sdk-compat/run.sh [pytest args...]
#
# Environment: PYTHON (default python3), SDK_VENV (default target/sdk-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VENV=${SDK_VENV:-$ROOT/target/sdk-venv}

source scripts/python-env.sh
python_env sdk-compat "$VENV" sdk-compat/python/requirements.txt

echo "sdk-compat: starting compshare-mock"
source scripts/mock-process.sh
start_mock
URL=$MOCK_URL

echo "sdk-compat: compshare-mock at $URL (pid $MOCK_PID)"
status=0
COMPSHARE_MOCK_URL=$URL PYTHONDONTWRITEBYTECODE=1 \
  "$PY" -m pytest -q -p no:cacheprovider sdk-compat/python "$@" || status=$?
if [ "$status" -ne 0 ] && [ -s "$MOCK_LOG" ]; then
  echo "sdk-compat: compshare-mock stderr:" >&2
  tail -n 50 "$MOCK_LOG" >&2
fi
exit "$status"
