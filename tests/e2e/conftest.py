"""Browser end-to-end tests: Playwright drives Debian's Chromium against the live server.

Browsers are never downloaded (`playwright install` is not used): Playwright's own driver launches
`/usr/bin/chromium` (scripts/test.sh installs it when it is missing). Chromium's fake camera plays
a Y4M file chosen when the browser starts, so a test that points the camera at a label builds the
video first and then launches a browser of its own (`camera_browser`).

Pages that need websockets (the live order page) run against `asgi_server`, a real uvicorn process
on the test database, instead of pytest-django's WSGI-only `live_server`; `asgi_page` opens them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

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


@contextmanager
def _page_opener(base_url: str) -> Iterator[Callable[[Browser], Page]]:
    contexts: list[BrowserContext] = []
    errors: list[str] = []  # uncaught JavaScript errors

    def open_page(browser: Browser) -> Page:
        context = browser.new_context(
            base_url=base_url,
            service_workers="block",
            locale="en-GB",
            viewport={"width": 412, "height": 915},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.grant_permissions(["camera"], origin=base_url)
        # Map tiles come from the internet, which the tests never need (nor may have).
        context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
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
def new_page(live_server) -> Iterator[Callable[[Browser], Page]]:
    """`new_page(browser)`: a page in a fresh context (no cookies) on the live server.

    Service workers are blocked so that no page comes out of a cache filled by an earlier
    visit; the camera is granted to the live server's origin. A test fails if a page throws an
    uncaught JavaScript error.
    """
    with _page_opener(live_server.url) as open_page:
        yield open_page


@pytest.fixture
def page(browser, new_page) -> Page:
    return new_page(browser)


@pytest.fixture(autouse=True)
def _no_stale_scans():
    """Scan events are buffered under one Redis key for the whole process: start each browser
    test with an empty buffer, so a flush writes only this test's scans."""
    from catalog import services
    from omostore.redis_client import redis_client

    redis_client().delete(services.SCAN_BUFFER_KEY)


# --- A real ASGI server (HTTP and websockets) -----------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 60


@dataclass(frozen=True)
class AsgiServer:
    url: str
    process: subprocess.Popen


def _test_database_url() -> str:
    """DATABASE_URL of the test database (the test run has created it by now)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"  # an absolute path: four slashes
    if connection.vendor != "postgresql":
        raise RuntimeError(
            f"the browser tests run on SQLite or PostgreSQL, not {connection.vendor}"
        )
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers_ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _start_uvicorn(env: dict[str, str]) -> AsgiServer | None:
    """uvicorn on a free port, once it answers /ping; None if the port was taken meanwhile."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "omostore.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            "--lifespan=off",
            "--log-level=warning",
            "--no-access-log",
            "--timeout-graceful-shutdown=5",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        if _answers_ping(url):
            return AsgiServer(url=url, process=process)
        time.sleep(0.1)
    _stop(process)
    raise TimeoutError(f"uvicorn did not answer {url}/ping within {SERVER_START_TIMEOUT}s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def asgi_server(django_db_setup) -> Iterator[AsgiServer]:
    """The whole ASGI application (HTTP and websockets) under uvicorn, in a process of its own on
    the test database and the suite's Redis. Tests that use it need committed data:
    `django_db(transaction=True)`. It stops at the end of the module, so that its database
    connections are gone before the test database is dropped."""
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DB_CONN_MAX_AGE": "0",  # no connection outlives its request
        "DEBUG": "true",  # WhiteNoise serves /static/ from the app folders, as live_server does
        "DJANGO_SETTINGS_MODULE": "omostore.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the server keeps Django's async-safety checks
    for _ in range(3):
        server = _start_uvicorn(env)
        if server is not None:
            break
    else:
        pytest.fail("uvicorn exited before answering /ping (see its output above)")
    try:
        yield server
    finally:
        _stop(server.process)


@pytest.fixture
def asgi_page(asgi_server) -> Iterator[Callable[[Browser], Page]]:
    """`asgi_page(browser)`: like `new_page`, on the ASGI server (websockets work there)."""
    with _page_opener(asgi_server.url) as open_page:
        yield open_page
