"""/docs and /redoc render in a real headless Chromium (Debian's package) from local
assets only: every request the pages make goes to the kgmem server itself."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

from kgmem.server.openapi import document

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OPERATIONS = sum(len(ops) for ops in document()["paths"].values())


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


class Traffic:
    """What a page asked for, and which requests the browser refused to send."""

    def __init__(self, page: Page) -> None:
        self.requested: list[str] = []
        self.refused: dict[str, str] = {}
        page.on("request", lambda r: self.requested.append(r.url))
        page.on("requestfailed", lambda r: self.refused.__setitem__(r.url, r.failure or ""))

    def only_local(self, base: str) -> None:
        """Nothing went out: each request is to ``base`` or was refused by the page's
        Content-Security-Policy before reaching the network."""
        outside = [u for u in self.requested if not u.startswith((base, "data:", "blob:"))]
        for url in outside:
            assert self.refused.get(url) == "csp", (url, self.refused)


async def open_page(browser: Browser, url: str) -> tuple[Page, Traffic]:
    page = await browser.new_page()
    traffic = Traffic(page)
    await page.goto(url)
    return page, traffic


async def test_swagger_ui_lists_every_operation(browser: Browser, live_url: str) -> None:
    page, traffic = await open_page(browser, f"{live_url}/docs")
    await page.wait_for_selector(".opblock", timeout=30_000)
    assert await page.locator(".opblock").count() == OPERATIONS
    assert await page.locator(".opblock-tag", has_text="namespaces").count() >= 1
    await page.locator(".opblock-summary-path", has_text="/v1/namespaces/{ns}/context").click()
    await page.wait_for_selector("text=Where does Alice work?", timeout=10_000)
    traffic.only_local(live_url)
    assert f"{live_url}/docs/assets/swagger-ui-bundle.js" in traffic.requested
    await page.close()


async def test_redoc_lists_every_operation(browser: Browser, live_url: str) -> None:
    page, traffic = await open_page(browser, f"{live_url}/redoc")
    await page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
    sections = page.locator("[data-section-id^='operation/']")
    assert await sections.count() == OPERATIONS
    assert await page.locator("[data-section-id='operation/build_memory_context']").count() == 1
    await page.wait_for_load_state("networkidle")
    traffic.only_local(live_url)
    assert f"{live_url}/docs/assets/redoc.standalone.js" in traffic.requested
    await page.close()
