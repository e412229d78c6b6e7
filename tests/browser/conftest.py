"""Playwright in Debian's Chromium against pytest-django's live server, over plain HTTP."""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# A 1366x768 laptop screen less the browser's own toolbars.
VIEWPORT = {"width": 1366, "height": 680}


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    # pytest-django's live server speaks plain HTTP (tests/settings.py already turns the HTTPS redirect off).
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def publish_outside_playwrights_loop(monkeypatch):
    """Playwright's event loop runs in the test's thread, where asgiref's async_to_sync refuses to work. job_publish
    sends job states through the channel layer on commit (ingest in fixtures, jobs run here): from a helper thread.
    Only the send moves; the on-commit hook stays in the thread whose transaction it waits for."""
    from annotator.services import clip_presence, jobs

    def from_a_thread(send):
        def send_from_a_thread(*args):
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(send, *args).result()
        return send_from_a_thread

    monkeypatch.setattr(jobs, "_send_job_update", from_a_thread(jobs._send_job_update))
    # Event changes ping the clip's open workspaces the same way (annotator.services.clip_presence).
    monkeypatch.setattr(clip_presence, "_send_clip_changed", from_a_thread(clip_presence._send_clip_changed))


# Module scope: while Playwright runs, its event loop occupies this thread, so tests elsewhere that call
# async_to_sync (channels) would fail if it outlived the module.
@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # That running loop makes Django refuse ORM calls from the tests, which are in fact synchronous.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        playwright.stop()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    yield context
    # Stop the pages' polling (job states, analysis) before the test's database goes: a request the live server
    # answered after that would meet a closed database in the middle of the next test's set-up.
    for open_page in context.pages:
        open_page.goto("about:blank")
    context.close()


@pytest.fixture
def page(context):
    """A tab that fails the test if the Content-Security-Policy blocked anything on it (inline code left behind)."""
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    assert violations == []


@pytest.fixture
def login():
    """Log in through the real form; test users' passwords follow tests/conftest.py's make_user."""

    def _login(page, username: str) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(f"{username}-pass-123")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)

    return _login
