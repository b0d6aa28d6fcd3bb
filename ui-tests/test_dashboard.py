"""The dashboard (/_mock/ui) driven in a real headless Chromium, against the
binary started with an admin token: the page asks for the token, explains a
refused signature, steers the clock and the fault rules, and resets.

The tests run in file order and share one page, as a user would."""

import hashlib
import json
import urllib.parse
import urllib.request

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

PLATFORM_IMAGE = "compshareImage-165jmhx19ik7"
DEFAULT_KEYS = ("my_public_key", "my_private_key")
INSTANCE = {
    "Action": "CreateCompShareInstance",
    "Region": "cn-wlcb",
    "Zone": "cn-wlcb-01",
    "CompShareImageId": PLATFORM_IMAGE,
    "GpuType": "4090",
    "MachineType": "G",
    "CPU": "16",
    "Memory": "65536",
    "GPU": "1",
    "ChargeType": "Dynamic",
    "Name": "dashboard-boot",
    "Disks.0.IsBoot": "true",
    "Disks.0.Size": "100",
    "Disks.0.Type": "CLOUD_SSD",
}


def canonical(params):
    return "".join(k + params[k] for k in sorted(params, key=lambda s: s.encode("utf-8")))


def call(mock_url, params, private_key=DEFAULT_KEYS[1]):
    """A signed form POST to the API; the decoded answer."""
    params = dict(params, PublicKey=DEFAULT_KEYS[0])
    sig = hashlib.sha1((canonical(params) + private_key).encode("utf-8")).hexdigest()
    body = urllib.parse.urlencode(dict(params, Signature=sig)).encode()
    req = urllib.request.Request(
        mock_url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def wait(browser, what, timeout=10):
    """Waits until `what(browser)` is truthy and returns it."""
    # The page redraws what changed as it polls: an element may go stale.
    ignored = (StaleElementReferenceException, NoSuchElementException)
    return WebDriverWait(
        browser, timeout, poll_frequency=0.1, ignored_exceptions=ignored
    ).until(what)


def text_of(browser, css):
    """The text of the first element `css` finds, or None. The page redraws
    what changed as it polls, so an element found may go stale before it is
    read: it is then found again."""
    for _ in range(20):
        found = browser.find_elements(By.CSS_SELECTOR, css)
        try:
            return found[0].text if found else None
        except StaleElementReferenceException:
            continue
    raise StaleElementReferenceException(f"{css} kept being redrawn")


def journal_row(browser, action, ret_code):
    """The newest journal row with this action and RetCode, if shown."""
    for row in browser.find_elements(By.CSS_SELECTOR, "#journal tbody tr"):
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        if len(cells) > 4 and cells[2] == action and cells[4] == str(ret_code):
            return row
    return None


def click(browser, css):
    browser.find_element(By.CSS_SELECTOR, css).click()


def status(browser):
    return text_of(browser, "#status") or ""


@pytest.fixture(scope="module")
def page(browser, mock_url, admin_token):
    browser.get(mock_url + "/_mock/ui")
    # Without the token every call is refused, and the page asks for it.
    wait(browser, lambda b: b.find_element(By.ID, "auth").is_displayed())
    assert "admin token" in wait(browser, lambda b: status(b))
    browser.find_element(By.ID, "token").send_keys(admin_token)
    click(browser, "#token-save")
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#account option")) >= 3)
    return browser


def test_the_page_shows_the_world_once_given_the_token(page):
    assert page.title == "compshare-mock dashboard"
    assert page.execute_script("return sessionStorage.length") == 1
    # The default account's fixture instances and images are listed.
    wait(page, lambda b: b.find_elements(By.CSS_SELECTOR, '#instances tr[data-id="uhost-demo0run"]'))
    assert text_of(page, '#instances tr[data-id="uhost-demo0run"] .state') == "Running"
    assert page.find_elements(By.CSS_SELECTOR, '#images tr[data-id="compshareImage-xxxx"]')
    assert "Instances" in text_of(page, "#families")
    assert text_of(page, "#clock-mode") == "running"


def test_a_wrong_key_opens_to_the_signature_diagnosis(page, mock_url):
    params = {"Action": "DescribeCompShareInstance", "Region": "cn-wlcb", "Limit": "5"}
    answer = call(mock_url, params, private_key="not_my_private_key")
    assert answer["RetCode"] == 171

    def open_row(b):
        row = journal_row(b, "DescribeCompShareInstance", 171)
        if row is None:
            return False
        row.click()
        return True

    wait(page, open_row)
    diagnosis = wait(page, lambda b: b.find_element(By.ID, "diagnosis"))
    assert text_of(page, "#canonical") == canonical(dict(params, PublicKey=DEFAULT_KEYS[0]))
    assert "check the private key" in text_of(page, "#hints")
    assert diagnosis.is_displayed()
    detail = text_of(page, "#detail")
    assert "<redacted>" in detail  # the Signature parameter
    assert '"RetCode": 171' in text_of(page, "#answer")
    click(page, "#detail-close")


def test_advancing_the_clock_boots_an_instance(page, mock_url):
    click(page, "#freeze")
    wait(page, lambda b: text_of(b, "#clock-mode") == "frozen")
    answer = call(mock_url, INSTANCE)
    assert answer["RetCode"] == 0, answer
    [uhost] = answer["UHostIds"]
    row = f'#instances tr[data-id="{uhost}"]'
    wait(page, lambda b: text_of(b, row + " .state") == "Initializing")
    assert "→ Running" in text_of(page, row + " .left")
    seconds = page.find_element(By.ID, "advance-seconds")
    seconds.clear()
    seconds.send_keys("10")
    click(page, "#advance")
    wait(page, lambda b: text_of(b, row + " .state") == "Running")
    assert text_of(page, row + " .left") == ""
    assert "clock advanced 10 s" in status(page)


def test_a_fault_rule_added_on_the_page_fails_the_next_request(page, mock_url):
    form = page.find_element(By.ID, "fault-form")
    form.find_element(By.NAME, "action").send_keys("DescribeCompShareInstance")
    form.find_element(By.NAME, "params").send_keys("Limit=7")
    form.find_element(By.NAME, "ret_code").send_keys("8031")
    form.find_element(By.NAME, "message").send_keys("Injected from the page")
    form.find_element(By.NAME, "times").send_keys("1")
    click(page, "#fault-add")
    wait(page, lambda b: "RetCode 8031" in (text_of(b, "#faults tbody") or ""))
    params = {"Action": "DescribeCompShareInstance", "Region": "cn-wlcb", "Limit": "7"}
    answer = call(mock_url, params)
    assert (answer["RetCode"], answer["Message"]) == (8031, "Injected from the page")
    # The page shows the refused request, and the rule used up after one use
    # (listed as such until it is removed).
    wait(page, lambda b: journal_row(b, "DescribeCompShareInstance", 8031))
    wait(page, lambda b: "1 (used up)" in (text_of(b, "#faults tbody") or ""))
    assert call(mock_url, params)["RetCode"] == 0
    click(page, "#faults tbody button.remove")
    wait(page, lambda b: text_of(b, "#faults tbody") == "none")


def test_a_bad_rule_is_refused_with_the_reason(page):
    form = page.find_element(By.ID, "fault-form")
    form.find_element(By.NAME, "action").send_keys("DescribeCompShareInstance")
    click(page, "#fault-add")
    wait(page, lambda b: "a rule needs one effect" in status(b))
    form.find_element(By.NAME, "action").clear()


def test_the_journal_filters_by_retcode_and_action(page):
    page.find_element(By.ID, "filter-retcode").send_keys("171")

    def only_171(b):
        codes = [c.text for c in b.find_elements(By.CSS_SELECTOR, "#journal tbody td.retcode")]
        return codes and set(codes) == {"171"}

    wait(page, only_171)
    page.find_element(By.ID, "filter-retcode").clear()
    page.find_element(By.ID, "filter-action").send_keys("CreateCompShareInstance")

    def only_create(b):
        rows = b.find_elements(By.CSS_SELECTOR, "#journal tbody tr")
        return rows and all("CreateCompShareInstance" in r.text for r in rows)

    wait(page, only_create)
    page.find_element(By.ID, "filter-action").clear()


def test_the_page_loads_nothing_from_elsewhere_and_fits_a_narrow_window(page, mock_url):
    origins = page.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
    )
    assert origins and set(origins) == {mock_url}
    page.set_window_size(400, 900)
    try:
        page.refresh()
        # The token stays for the tab: the world shows without asking again.
        wait(page, lambda b: b.find_elements(By.CSS_SELECTOR, "#instances tbody tr[data-id]"))
        overflow = page.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"the page is {overflow}px wider than a 400px window"
    finally:
        page.set_window_size(1280, 900)


def test_save_and_reset(page):
    click(page, "#save")
    wait(page, lambda b: "saved to" in status(b))
    # The default account's three fixture instances (a Running and a Stopped
    # uhost, a Stopped cpod) and the one created above.
    booted = page.find_elements(By.CSS_SELECTOR, "#instances tbody tr[data-id]")
    assert len(booted) == 4
    click(page, "#reset")
    wait(page, lambda b: "reset" in status(b))
    # Back to the fixtures: the instance made above is gone, the clock runs.
    wait(page, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#instances tbody tr[data-id]")) == 3)
    wait(page, lambda b: text_of(b, "#clock-mode") == "running")
