#!/usr/bin/env bash
# The memory soak of BENCHMARKS.md (not part of CI): builds the release mock
# and the soak driver, then loads the mock on loopback for 60 s with signed
# requests of 300 KB bodies at its default journal size, and prints its
# resident memory during the load, after a GET /_mock/requests and after
# clearing the journal. Arguments go to the driver (`target/release/soak --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p mock-server --bin compshare-mock -p compshare-bench --bin soak
target/release/soak "$@"
