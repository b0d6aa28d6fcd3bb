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

PYTHON=${PYTHON:-python3}
VENV=${SDK_VENV:-$ROOT/target/sdk-venv}

# A venv with pip; where the interpreter has no working venv module (Debian
# without python3-venv), the packages go to a plain directory instead.
PY=$VENV/bin/python
export PYTHONPATH=
if ! "$PY" -m pip --version >/dev/null 2>&1; then
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1 || ! "$PY" -m pip --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    PY=$(command -v "$PYTHON")
    PYTHONPATH=$VENV/site
  fi
fi
echo "sdk-compat: python $PY${PYTHONPATH:+ with $PYTHONPATH}"
if [ -n "$PYTHONPATH" ]; then
  "$PY" -m pip install --quiet --disable-pip-version-check --target "$PYTHONPATH" \
    --upgrade -r sdk-compat/python/requirements.txt
else
  "$PY" -m pip install --quiet --disable-pip-version-check \
    -r sdk-compat/python/requirements.txt
fi

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
