#!/usr/bin/env bash
# The dashboard's browser suite: builds and starts compshare-mock (with an
# admin token and a state file) on a free loopback port, then drives
# /_mock/ui in headless Chromium through chromedriver with Selenium.
#
#   bash ui-tests/run.sh [pytest args...]
#
# Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: apt-get install
# chromium chromium-driver; .ci/run installs them). Without them the suite is
# skipped with a message, except in CI (CI=true), where that is a failure.
# Environment: PYTHON (default python3), UI_VENV (default target/ui-venv),
# CHROMIUM, CHROMEDRIVER (the binaries' paths).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "ui-tests: FAILED: $CHROMIUM or $CHROMEDRIVER is missing (CI must install chromium and chromium-driver)" >&2
    exit 1
  fi
  echo "ui-tests: SKIPPED: the dashboard's browser suite needs $CHROMIUM and $CHROMEDRIVER (apt-get install chromium chromium-driver)"
  exit 0
fi

VENV=${UI_VENV:-$ROOT/target/ui-venv}

source scripts/python-env.sh
python_env ui-tests "$VENV" ui-tests/requirements.txt

source scripts/mock-process.sh
TOKEN=ui-tests-$RANDOM$RANDOM
start_mock --admin-token "$TOKEN" --state "$MOCK_WORK/state.json"
echo "ui-tests: compshare-mock at $MOCK_URL (pid $MOCK_PID), $("$CHROMIUM" --version 2>/dev/null)"

status=0
# SE_OFFLINE: Selenium never looks for a driver online; the paths are given.
COMPSHARE_MOCK_URL=$MOCK_URL COMPSHARE_MOCK_ADMIN_TOKEN=$TOKEN SE_OFFLINE=true \
  PYTHONDONTWRITEBYTECODE=1 \
  "$PY" -m pytest -q -p no:cacheprovider ui-tests "$@" || status=$?
if [ "$status" -ne 0 ] && [ -s "$MOCK_LOG" ]; then
  echo "ui-tests: compshare-mock stderr:" >&2
  tail -n 50 "$MOCK_LOG" >&2
fi
exit "$status"
