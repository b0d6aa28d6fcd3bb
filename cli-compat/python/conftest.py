"""Fixtures of the official-CLI compatibility suite."""

import pytest

import cli_support


@pytest.fixture(scope="session")
def base_url():
    """The mock's base URL (COMPSHARE_MOCK_URL)."""
    try:
        return cli_support.mock_url()
    except RuntimeError as e:
        pytest.exit(str(e), returncode=2)


@pytest.fixture(scope="session")
def cli(base_url, tmp_path_factory):
    """The CLI with its own configuration directory, its profiles made with
    `compshare config set`: `default` (active) and `second`, the fixture
    accounts 56000001 and 56000002."""
    runner = cli_support.Cli(tmp_path_factory.mktemp("cli-home"))
    public, private = cli_support.DEFAULT_ACCOUNT["keys"]
    runner.ok("config", "set", "--name", "default", "--public-key", public, "--private-key", private)
    public, private = cli_support.SECOND_ACCOUNT["keys"]
    runner.ok(
        "config", "set", "--name", "second", "--public-key", public,
        "--private-key", private, "--no-activate",
    )
    return runner


@pytest.fixture(scope="module", autouse=True)
def fresh_mock(base_url):
    """Each file is one flow in order, on a mock back at its fixtures, with
    the virtual clock frozen: it moves only when the CLI sleeps."""
    cli_support.reset_and_freeze()


@pytest.fixture(scope="module")
def flow():
    """What one step of a flow leaves for the next (ids the CLI printed)."""
    return {}
