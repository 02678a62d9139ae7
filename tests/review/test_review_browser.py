"""``reasondraft serve`` in a real headless Chromium: the example task's page, a reference
clicked and its code panel shown, the keyboard, and an approval from the page.

Screenshots (1280x800) are kept as test artifacts in $REASONDRAFT_ARTIFACTS (default: the
test's tmp folder), not committed. Skipped, saying why, only where Chromium or its driver
is not installed (``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reasondraft.document import read_draft

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
MISSING = [p for p in (CHROMIUM, DRIVER) if not os.access(p, os.X_OK)]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"BROWSER TESTS SKIPPED: {' and '.join(MISSING)} not installed "
                          "(apt-get install chromium chromium-driver; .ci/run does)")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--window-size=1280,800")
NAME = "tinyconf__tinyconf-42"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The example task as ``reasondraft demo`` drafts it (once for the module)."""
    from reasondraft.draft.demo import run_demo

    _, result = run_demo(tmp_path_factory.mktemp("demo") / "work")
    return result.folder


@pytest.fixture
def served(example, tmp_path) -> Iterator[tuple[str, Path]]:
    """A copy of the example's drafts folder served by ``reasondraft serve --port 0``."""
    root = tmp_path / "drafts"
    shutil.copytree(example, root / NAME)
    proc = subprocess.Popen([sys.executable, "-m", "reasondraft", "serve", str(root), "--port",
                             "0", "--no-open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), proc.stderr
        yield url, root / NAME / "draft.md"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def browser(tmp_path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def artifacts(tmp_path) -> Path:
    folder = Path(os.environ.get("REASONDRAFT_ARTIFACTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_for(driver, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_clicking_a_reference_shows_its_code(served, browser, artifacts) -> None:
    from selenium.webdriver.common.by import By

    url, _ = served
    browser.get(url + f"task/{NAME}")
    refs = browser.find_elements(By.CSS_SELECTOR, "article a.ref")
    assert len(refs) > 20
    panel = browser.find_element(By.ID, "ref-0")
    assert not panel.is_displayed()
    target = next(r for r in refs if "merge.py#L" in r.text)
    index = target.get_attribute("href").rsplit("#ref-", 1)[1]
    target.click()
    panel = browser.find_element(By.ID, f"ref-{index}")
    wait_for(browser, lambda _: panel.is_displayed())
    code = panel.find_element(By.CSS_SELECTOR, ".hl")
    assert code.is_displayed()
    assert panel.find_elements(By.CSS_SELECTOR, ".hll")  # the cited lines are marked
    assert "tinyconf/merge.py @" in panel.text
    browser.save_screenshot(str(artifacts / "task-page.png"))


def test_the_keyboard_walks_the_references(served, browser) -> None:
    from selenium.webdriver.common.by import By

    url, draft = served
    shutil.copytree(draft.parent, draft.parent.with_name("tinyconf__tinyconf-43"))
    browser.get(url + f"task/{NAME}")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("j")
    wait_for(browser, lambda d: d.find_element(By.ID, "ref-0").is_displayed())
    body.send_keys("j")
    wait_for(browser, lambda d: d.find_element(By.ID, "ref-1").is_displayed())
    assert not browser.find_element(By.ID, "ref-0").is_displayed()
    body.send_keys("k")
    wait_for(browser, lambda d: d.find_element(By.ID, "ref-0").is_displayed())
    body.send_keys("n")
    wait_for(browser, lambda d: d.current_url.endswith("/task/tinyconf__tinyconf-43"))


def test_approving_from_the_page(served, browser, artifacts) -> None:
    from selenium.webdriver.common.by import By

    url, draft = served
    browser.get(url + f"task/{NAME}")
    shown = read_draft(draft).content_hash
    browser.find_element(By.CSS_SELECTOR, 'a[href="#tab-decide"]').click()
    form = browser.find_element(By.ID, "approve-form")
    wait_for(browser, lambda _: form.is_displayed())
    form.find_element(By.NAME, "reviewer").send_keys("alice")
    form.find_element(By.NAME, "note").send_keys("read in the browser")
    browser.find_element(By.ID, "approve").click()
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".top .status").text
             == "approved")
    record = read_draft(draft).front["review"]
    assert (record["decision"], record["reviewer"], record["note"]) == \
        ("approved", "alice", "read in the browser")
    assert record["content_hash"] == shown
    assert "approved by alice" in browser.find_element(By.CSS_SELECTOR, ".top").text
    browser.save_screenshot(str(artifacts / "approved.png"))
    browser.get(url + f"task/{NAME}#tab-decide")  # the browser remembers the reviewer
    reviewer = browser.find_element(By.CSS_SELECTOR, "#reject-form input[name=reviewer]")
    assert reviewer.get_attribute("value") == "alice"
