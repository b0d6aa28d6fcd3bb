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
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac

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

echo "sdk-compat: building compshare-mock"
cargo build --quiet -p mock-server --bin compshare-mock --locked
BIN=$TARGET_DIR/debug/compshare-mock

WORK=$(mktemp -d)
MOCK_PID=
cleanup() {
  if [ -n "$MOCK_PID" ] && kill -0 "$MOCK_PID" 2>/dev/null; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" --listen 127.0.0.1:0 --log-level warn >"$WORK/stdout" 2>"$WORK/stderr" &
MOCK_PID=$!

# The first stdout line is "compshare-mock listening on http://127.0.0.1:PORT".
URL=
for _ in $(seq 1 200); do
  line=$(head -n 1 "$WORK/stdout" 2>/dev/null || true)
  case $line in
    "compshare-mock listening on http://"*) URL=${line#compshare-mock listening on } ; break ;;
  esac
  if ! kill -0 "$MOCK_PID" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [ -z "$URL" ]; then
  echo "sdk-compat: compshare-mock did not start" >&2
  cat "$WORK/stderr" >&2
  exit 1
fi

# Wait until it answers HTTP (any status will do).
if ! "$PY" - "$URL" <<'EOF'
import sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 20
while True:
    try:
        urllib.request.urlopen(sys.argv[1] + "/", timeout=2).read()
        break
    except urllib.error.HTTPError:
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.2)
EOF
then
  echo "sdk-compat: compshare-mock at $URL does not answer" >&2
  cat "$WORK/stderr" >&2
  exit 1
fi

echo "sdk-compat: compshare-mock at $URL (pid $MOCK_PID)"
status=0
COMPSHARE_MOCK_URL=$URL PYTHONDONTWRITEBYTECODE=1 \
  "$PY" -m pytest -q -p no:cacheprovider sdk-compat/python "$@" || status=$?
if [ "$status" -ne 0 ] && [ -s "$WORK/stderr" ]; then
  echo "sdk-compat: compshare-mock stderr:" >&2
  tail -n 50 "$WORK/stderr" >&2
fi
exit "$status"
