"""Browser end-to-end tests: Playwright drives Debian's Chromium against the live server.

Browsers are never downloaded (`playwright install` is not used): Playwright's own driver launches
`/usr/bin/chromium` (scripts/test.sh installs it when it is missing). Chromium's fake camera plays
a Y4M file chosen when the browser starts, so a test that points the camera at a label builds the
video first and then launches a browser of its own (`camera_browser`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.e2e.y4m import HEIGHT, WIDTH, write_y4m

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, for the e2e tests only.

    While it runs, the main thread counts as being inside an event loop, so Django would refuse
    ORM calls from the test code; DJANGO_ALLOW_ASYNC_UNSAFE lifts that for these tests and is
    restored (with the loop stopped) before the rest of the suite runs.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            expect.set_options(timeout=TIMEOUT_MS)
            yield driver


@pytest.fixture(scope="package")
def blank_camera(tmp_path_factory) -> Path:
    """A plain white picture for browsers whose camera no test looks at."""
    from PIL import Image

    path = tmp_path_factory.mktemp("camera") / "blank.y4m"
    return write_y4m(path, Image.new("RGB", (WIDTH, HEIGHT), "white"), frames=2)


@pytest.fixture(scope="package")
def launch_browser(playwright) -> Iterator[Callable[[Path], Browser]]:
    """Start a headless Chromium whose fake camera plays the Y4M video `camera`."""
    browsers: list[Browser] = []

    def launch(camera: Path) -> Browser:
        browser = playwright.chromium.launch(
            headless=True,
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={camera}"],
        )
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        if browser.is_connected():
            browser.close()


@pytest.fixture(scope="package")
def browser(launch_browser, blank_camera) -> Browser:
    """One browser shared by the tests that do not need a particular camera picture."""
    return launch_browser(blank_camera)


@pytest.fixture
def camera_browser(launch_browser) -> Iterator[Callable[[Path], Browser]]:
    """`camera_browser(video)`: a browser of this test's own, filming `video`."""
    launched: list[Browser] = []

    def launch(camera: Path) -> Browser:
        launched.append(launch_browser(camera))
        return launched[-1]

    yield launch
    for browser in launched:
        browser.close()


@pytest.fixture
def new_page(live_server) -> Iterator[Callable[[Browser], Page]]:
    """`new_page(browser)`: a page in a fresh context (no cookies) on the live server.

    Service workers are blocked so that no page comes out of a cache filled by an earlier
    visit; the camera is granted to the live server's origin. A test fails if a page throws an
    uncaught JavaScript error.
    """
    contexts: list[BrowserContext] = []
    errors: list[str] = []  # uncaught JavaScript errors

    def open_page(browser: Browser) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            service_workers="block",
            locale="en-GB",
            viewport={"width": 412, "height": 915},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.grant_permissions(["camera"], origin=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    if errors:
        pytest.fail("JavaScript errors in the page:\n" + "\n".join(errors))


@pytest.fixture
def page(browser, new_page) -> Page:
    return new_page(browser)


@pytest.fixture(autouse=True)
def _no_stale_scans():
    """Scan events are buffered under one Redis key for the whole process: start each browser
    test with an empty buffer, so a flush writes only this test's scans."""
    from catalog import services

    services._redis().delete(services.SCAN_BUFFER_KEY)
