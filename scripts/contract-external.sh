#!/usr/bin/env bash
# The contract suite against a separately started compshare-mock, as it runs
# against any endpoint: starts the binary on a free loopback port, points the
# suite at it through COMPSHARE_BASE_URL and the default keys, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mock-process.sh
start_mock
echo "contract-external: running the contract suite against $MOCK_URL"
COMPSHARE_BASE_URL=$MOCK_URL COMPSHARE_PUBLIC_KEY=my_public_key COMPSHARE_PRIVATE_KEY=my_private_key \
  cargo test --quiet -p contract-tests --locked
