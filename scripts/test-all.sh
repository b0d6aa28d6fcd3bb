#!/usr/bin/env bash
# The full test command: formatting, lints, the Rust workspace's tests
# (unit, integration, contract suite in-process), the contract suite against
# a separately started binary, the official-SDK suite, the official-CLI
# suite, then the dashboard in a headless browser.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The fuzz targets (a workspace of their own) must keep compiling.
cargo check --manifest-path fuzz/Cargo.toml --locked --quiet
bash scripts/contract-external.sh
if [ -x sdk-compat/run.sh ]; then
  bash sdk-compat/run.sh
fi
if [ -x cli-compat/run.sh ]; then
  bash cli-compat/run.sh
fi
bash ui-tests/run.sh
