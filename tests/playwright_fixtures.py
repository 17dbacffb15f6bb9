"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against live_server.

One session-wide browser for the whole suite (registered in tests/conftest.py): a second
``sync_playwright()`` while the first is open fails with "Sync API inside the asyncio loop".
"""

import os
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots: the README's pictures are refreshed on purpose (CARECIRCLE_SCREENSHOTS=1 bash
# scripts/test tests/browser -n 0); an ordinary run writes them to a folder of its own, so the
# suite never changes tracked files and two workers never write the same picture.
SHOTS = (
    Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    if os.environ.get("CARECIRCLE_SCREENSHOTS") == "1"
    else Path(tempfile.mkdtemp(prefix="carecircle-shots-"))
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent")
    sync_api = pytest.importorskip("playwright.sync_api")
    # live_server runs Django in a thread while Playwright's sync API runs an event loop here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1200, "height": 800}, timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    foreign = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else foreign.append(r.url),
    )
    yield page
    context.close()
    assert foreign == [], f"pages must fetch nothing from outside: {foreign}"
