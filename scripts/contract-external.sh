#!/usr/bin/env bash
# The contract suite against a separately started compshare-mock, as it runs
# against any endpoint: starts the binary on a free loopback port, points the
# suite at it through COMPSHARE_BASE_URL and the default keys, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

cargo build --quiet -p mock-server --bin compshare-mock --locked
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

"$TARGET_DIR/debug/compshare-mock" --listen 127.0.0.1:0 --log-level warn >"$WORK/stdout" 2>"$WORK/stderr" &
MOCK_PID=$!
URL=
for _ in $(seq 1 200); do
  line=$(head -n 1 "$WORK/stdout" 2>/dev/null || true)
  case $line in
    "compshare-mock listening on http://"*) URL=${line#compshare-mock listening on }; break ;;
  esac
  kill -0 "$MOCK_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$URL" ]; then
  echo "contract-external: compshare-mock did not start" >&2
  cat "$WORK/stderr" >&2
  exit 1
fi
echo "contract-external: running the contract suite against $URL"
COMPSHARE_BASE_URL=$URL COMPSHARE_PUBLIC_KEY=my_public_key COMPSHARE_PRIVATE_KEY=my_private_key \
  cargo test --quiet -p contract-tests --locked
