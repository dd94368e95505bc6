"""Fixtures for browser tests: Debian's Chromium driven by Playwright's sync API against
pytest-django's live server, people of the portal, a tiny generated clip.

Playwright downloads no browser here: /usr/bin/chromium (the Debian package) is used, and
the tests are skipped where it, Playwright or ffmpeg is missing.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from edu_portal.accounts.models import User

# Playwright's sync API runs an asyncio loop in the test thread; Django's ORM refuses to
# run inside one unless told it is safe (it is: the loop only drives the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
PHONE = {"width": 390, "height": 844}
DEFAULT_WAIT_MS = 20_000


def page_width(page) -> int:
    """The document's scroll width once the page has loaded: a click that navigates
    returns before the new document exists, and evaluating then reads a null element."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def assert_fits(page, width: int = PHONE["width"]) -> None:
    actual = page_width(page)
    assert actual <= width, f"{page.url} is {actual}px wide at {width}"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _wait_for_function(page, expression: str, *, arg=None, timeout=None, polling=None):
    """``Page.wait_for_function`` that works under the portal's Content-Security-Policy.

    Playwright's own compiles the predicate with ``eval()`` inside the page, which the
    policy refuses (no 'unsafe-eval'); ``page.evaluate`` is compiled by DevTools instead.
    """
    deadline = time.monotonic() + (timeout or DEFAULT_WAIT_MS) / 1000
    interval = polling if isinstance(polling, int | float) else 50
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"wait_for_function timed out: {expression}")
        page.wait_for_timeout(interval)


@pytest.fixture(autouse=True)
def _wait_under_csp(monkeypatch):
    try:
        from playwright.sync_api import Page
    except ImportError:  # the browser fixture skips the tests that need it
        return
    monkeypatch.setattr(Page, "wait_for_function", _wait_for_function)


@pytest.fixture(autouse=True)
def _browser_settings(settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.PIPELINE_PRESET = "ultrafast"
    # Refusals are part of the tests; Django logs each as a warning.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    yield settings
    logging.getLogger("django.request").setLevel(logging.NOTSET)
    translation.deactivate()


# --- people ---------------------------------------------------------------------------------


def signed_in(browser, live_server, user: User, *, locale: str = "en-US"):
    """A phone-sized browser context carrying ``user``'s session cookie."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport=PHONE, locale=locale, device_scale_factor=1)
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
    )
    return context


@pytest.fixture
def open_page(browser, live_server) -> Iterator:
    """``open_page(user, locale=...)`` → a Playwright page signed in as ``user``."""
    contexts = []

    def open_(user: User, *, locale: str = "en-US"):
        context = signed_in(browser, live_server, user, locale=locale)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


# --- media ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    """One second of 160x120 picture and tone: the smallest real lesson video."""
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg/ffprobe are not installed")
    target = tmp_path_factory.mktemp("browser-clips") / "lesson.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x120:r=25:d=1",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:r=44100:d=1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(target),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target
