"""Fixtures of the official-SDK compatibility suite."""

import logging

import pytest

import sdk_support

# The SDK logs every request and answer at INFO; keep failure reports readable.
logging.getLogger("ucloud").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def base_url():
    """The mock's base URL (COMPSHARE_MOCK_URL)."""
    try:
        return sdk_support.mock_url()
    except RuntimeError as e:
        pytest.exit(str(e), returncode=2)


@pytest.fixture(autouse=True)
def fresh_mock(base_url):
    """Every test starts from the fixtures: POST /_mock/reset before it, so
    what one test creates, stops or deletes does not reach the next."""
    sdk_support.reset_mock()


@pytest.fixture
def client(base_url):
    """The official SDK's UCompShare client for the default account."""
    return sdk_support.make_client()


@pytest.fixture
def recorder(client):
    """What `client` sends and receives."""
    return sdk_support.Recorder(client)
