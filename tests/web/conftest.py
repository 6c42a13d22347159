"""The public H5 pages in a real browser: the test app served over HTTP on loopback, and Debian's chromium
driven by Playwright (never a downloaded browser). Screenshots go to tests/screenshots/ (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import served

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PHONE = {"width": 390, "height": 844}
#: A phone browser outside WeChat, and WeChat's in-app browser.
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def live_server(app):
    """The test app on a real loopback port, for the length of one test."""
    with served(app, "live-app") as url:
        yield url


@pytest.fixture
def phone(chromium, request):
    """A 390x844 phone page; every request it makes that leaves loopback is recorded in `page.external`."""
    context = chromium.new_context(viewport=PHONE, device_scale_factor=1, user_agent=PHONE_UA, locale="zh-CN")
    page = context.new_page()
    page.external = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(("http://127.0.0.1", "data:")) else page.external.append(r.url),
    )
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
