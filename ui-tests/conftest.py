"""Fixtures of the dashboard's browser suite: one headless Chromium for the
session, driven through the distribution's chromedriver, pointed at the mock
that run.sh started (COMPSHARE_MOCK_URL, COMPSHARE_MOCK_ADMIN_TOKEN)."""

import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

# No network beyond the mock: nothing in the background, no updates, no sync.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def mock_url():
    return os.environ["COMPSHARE_MOCK_URL"].rstrip("/")


@pytest.fixture(scope="session")
def admin_token():
    return os.environ["COMPSHARE_MOCK_ADMIN_TOKEN"]


@pytest.fixture(scope="session")
def browser():
    profile = tempfile.mkdtemp(prefix="ui-tests-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + profile)
    options.add_argument("--window-size=1280,900")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
