# Sourced by the test scripts: builds compshare-mock (debug), starts it on a
# free loopback port, waits until it answers, and stops it on exit.
#   start_mock [extra flags...]   sets MOCK_URL, MOCK_PID and MOCK_LOG (its stderr)

MOCK_PID=
MOCK_URL=
MOCK_WORK=$(mktemp -d)
MOCK_LOG=$MOCK_WORK/stderr

stop_mock() {
  if [ -n "$MOCK_PID" ] && kill -0 "$MOCK_PID" 2>/dev/null; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
  fi
  rm -rf "$MOCK_WORK"
}
trap stop_mock EXIT

start_mock() {
  local target_dir=${CARGO_TARGET_DIR:-$PWD/target}
  case $target_dir in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
  cargo build --quiet -p mock-server --bin compshare-mock --locked
  "$target_dir/debug/compshare-mock" --listen 127.0.0.1:0 --log-level warn "$@" \
    >"$MOCK_WORK/stdout" 2>"$MOCK_LOG" &
  MOCK_PID=$!
  # The first stdout line is "compshare-mock listening on http://127.0.0.1:PORT";
  # it is printed once the mock is ready to answer.
  local line
  for _ in $(seq 1 200); do
    line=$(head -n 1 "$MOCK_WORK/stdout" 2>/dev/null || true)
    case $line in
      "compshare-mock listening on http://"*) MOCK_URL=${line#compshare-mock listening on }; break ;;
    esac
    kill -0 "$MOCK_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$MOCK_URL" ]; then
    echo "compshare-mock did not start:" >&2
    cat "$MOCK_LOG" >&2
    return 1
  fi
  # Wait until it accepts connections.
  local addr=${MOCK_URL#http://}
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "compshare-mock at $MOCK_URL does not answer" >&2
  return 1
}
