#!/usr/bin/env bash
# The full test command: formatting, lints, the Rust workspace's tests
# (unit, integration, contract suite), then the official-SDK suites.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
if [ -x sdk-compat/run.sh ]; then
  bash sdk-compat/run.sh
fi
