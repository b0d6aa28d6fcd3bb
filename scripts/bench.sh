#!/usr/bin/env bash
# The benchmark of BENCHMARKS.md: builds the workspace in release mode, then
# runs the driver, which starts compshare-mock (with generated sets of
# 10,000 and 1,000,000 images) and the baseline server, loads each, and
# prints the results as Markdown. Arguments go to the driver
# (`target/release/bench --help`); the JSON results land in
# target/bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --locked
mkdir -p target/bench-results
stamp=$(date +%Y%m%d-%H%M%S)
target/release/bench --json "target/bench-results/$stamp.json" "$@" | tee "target/bench-results/$stamp.md"
