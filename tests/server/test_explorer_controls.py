"""Every control of /ui clicked as a user clicks it, in a real headless Chromium against
a real server, and what each click leaves on screen checked from screenshots of the
panes: how much of a pane is drawn, and how far two pictures of it differ (a mean
per-pixel difference with a tolerance, never exact bytes: fonts and anti-aliasing
vary). The server, store and browser are those of tests/server/test_explorer.py."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from numpy.typing import NDArray
from PIL import Image
from playwright.async_api import Browser, Page, Response, expect

from kgmem.server import explorer
from tests.server import test_explorer as base

pytestmark = pytest.mark.slow

# The explorer tests' module fixtures, shared by name.
chromium = base.chromium
built = base.built
served = base.served

Picture = NDArray[np.float64]
# Two pictures of the same state differ by a few anti-aliased pixels (a mean difference
# under SAME, 0 to 1 per channel); pictures of two states by more than CHANGED.
SAME, CHANGED = 0.001, 0.003
# The share of inked pixels on an empty canvas (its border line) and on a drawn one.
EMPTY, DRAWN = 0.002, 0.004


async def pane(page: Page, selector: str) -> Picture:
    """A screenshot of the element ``selector`` as an RGB array scaled to 0..1."""
    png = await page.locator(selector).screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64) / 255.0


def ink(picture: Picture) -> float:
    """The share of pixels that differ clearly from the pane's background colour (its
    most common one): what is drawn on the pane."""
    flat = picture.reshape(-1, 3)
    colours, counts = np.unique(np.round(flat, 2), axis=0, return_counts=True)
    background = colours[counts.argmax()]
    return float((np.abs(flat - background).max(axis=1) > 0.12).mean())


def difference(a: Picture, b: Picture) -> float:
    """Mean absolute per-channel difference of two pictures of one pane (cropped to the
    common size: a scroll bar may come or go)."""
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float(np.abs(a[:h, :w] - b[:h, :w]).mean())


def changed(a: Picture, b: Picture) -> float:
    """The share of pixels that differ clearly between two pictures of one pane: a
    small mark (a circle on a map) moves it where the mean difference barely moves."""
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float((np.abs(a[:h, :w] - b[:h, :w]).max(axis=2) > 0.12).mean())


class Failures:
    """Every failed response the page received (a missing icon included), but 401: the
    page asks for the key by reading the namespaces without one."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.on("response", self._record)

    def _record(self, response: Response) -> None:
        if response.status >= 400 and response.status != 401:
            self.seen.append(f"{response.status} {response.url}")


async def settled(page: Page) -> None:
    """Two animation frames: what the last click changed is painted."""
    await page.evaluate(
        "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
    )


async def visible_ids(page: Page) -> set[str]:
    """The id (or text) of every control on the page: buttons, inputs, selects."""
    found: list[str] = await page.evaluate(
        "() => [...document.querySelectorAll('button, input, select, textarea')]"
        ".map((c) => c.id || c.dataset.tab || c.dataset.view || c.className || c.textContent)"
    )
    return set(found)


async def test_layout_and_clear_act_on_the_canvas_and_leave_it_shown(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    page, _ = await base.signed_in(chromium, served)
    await base.open_alice(page)
    await settled(page)
    opened = await pane(page, "#graph")
    assert ink(opened) > DRAWN, ink(opened)
    await page.click("#layout")
    await page.evaluate("async () => { await window.kgmem.graph.laying; }")
    await settled(page)
    assert await page.locator("#graph").is_visible()
    laid = await pane(page, "#graph")
    # Still the six nodes and five facts, moved: as much ink, in other places.
    assert 0.3 < ink(laid) / ink(opened) < 3.0, (ink(laid), ink(opened))
    assert await base.drawn(page) == (6, 5, 5)
    # The view tabs: Map shows the world map, Graph the same canvas as before.
    await page.click("#view-tabs button[data-view=map]")
    await expect(page.locator("#map-stats")).to_have_text("3 located entities", timeout=10_000)
    assert not await page.locator("#graph").is_visible()
    world = await pane(page, "#map")
    assert ink(world) > 0.05
    await page.click("#view-tabs button[data-view=graph]")
    await settled(page)
    again = await pane(page, "#graph")
    assert difference(again, laid) < SAME, difference(again, laid)
    await page.click("#clear")
    await settled(page)
    assert await page.locator("#graph").is_visible()
    cleared = await pane(page, "#graph")
    assert ink(cleared) < EMPTY and difference(cleared, laid) > difference(again, laid)
    assert await base.drawn(page) == (0, 0, 0)
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


WORDS = """() => {
  // For each cell of the fact table: its width, and the width of its longest word in
  // the cell's own font (a column narrower than that wraps inside words).
  const ctx = document.createElement('canvas').getContext('2d'), out = [];
  for (const td of document.querySelectorAll('#entity table.facts tbody td')) {
    const style = getComputedStyle(td);
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const words = [...td.childNodes].flatMap((n) => n.textContent.split(/\\s+/)).filter(Boolean);
    const widest = Math.max(0, ...words.map((w) => ctx.measureText(w).width));
    const inner = td.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    out.push([td.textContent, widest, inner]);
  }
  return out;
}"""


async def test_the_fact_table_wraps_between_words_and_names_episodes(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    page, _ = await base.signed_in(chromium, served)
    await base.open_alice(page)
    for text, widest, inner in await page.evaluate(WORDS):
        assert inner + 1 >= widest, f"{text!r} wraps inside a word ({inner} < {widest})"
    # Dana was said in an episode: its MENTIONS row names the episode by speaker and
    # text, never by its uid.
    await page.click("#side-tabs button[data-tab=search]")
    await page.fill("#search-text", "Dana")
    await page.click("#search-form button")
    await page.locator("#hits li", has_text="Dana").first.click()
    await expect(page.locator("#entity h2")).to_have_text("Dana", timeout=10_000)
    mentions = page.locator("#entity tr", has_text="MENTIONS")
    await expect(mentions).to_have_count(1)
    other = (await mentions.locator("td").all_text_contents())[1]
    assert other == "Sam: \u201cShe moved to Lisbon last spring.\u201d"
    assert "ep-dana" not in other
    for text, widest, inner in await page.evaluate(WORDS):
        assert inner + 1 >= widest, f"{text!r} wraps inside a word ({inner} < {widest})"
    await base.shot(page, "11-mentions")
    await page.close()


async def test_every_control_is_clicked_and_changes_its_pane(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    """Each control of the page, one after the other, with a picture of the pane it
    acts on before and after: the pane changes as the control says, and nothing on the
    page answers an error (the tab's icon included)."""
    url, secret, _ = served
    page = await chromium.new_page(viewport={"width": 1400, "height": 900})
    failures = Failures(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{url}/ui")
    clicked: set[str] = set()

    async def click(selector: str, name: str) -> None:
        await page.click(selector)
        clicked.add(name)
        await settled(page)

    header = await pane(page, "header")
    await page.fill("#key", secret)
    await click("#key-form button", "Use key")
    await expect(page.locator("#namespace")).to_have_value("atlas", timeout=10_000)
    clicked.update({"key", "namespace"})
    await page.select_option("#namespace", "atlas")
    await expect(page.locator("#forget-key")).to_be_visible()
    assert difference(await pane(page, "header"), header) > 0.005  # status and Forget key
    # The side tabs: each shows its own panel, and coming back shows the same picture.
    panels: dict[str, Picture] = {}
    for tab in ("search", "entity", "causes", "cypher"):
        await click(f"#side-tabs button[data-tab={tab}]", tab)
        await expect(page.locator(f"#tab-{tab}")).to_be_visible()
        panels[tab] = await pane(page, "aside")
    names = list(panels)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert difference(panels[a], panels[b]) > CHANGED, (a, b)
    await click("#side-tabs button[data-tab=search]", "search")
    assert difference(await pane(page, "aside"), panels["search"]) < SAME
    # Search, and a hit opens the entity panel and draws the canvas.
    blank = await pane(page, "#graph")
    await page.fill("#search-text", "Alice")
    clicked.add("search-text")
    await click("#search-form button", "Search")
    await page.locator("#hits li", has_text="Alice").first.click()
    await expect(page.locator("#entity h2")).to_have_text("Alice", timeout=10_000)
    await settled(page)
    entity = await pane(page, "aside")
    assert difference(entity, panels["entity"]) > CHANGED
    drawn = await pane(page, "#graph")
    assert ink(blank) < EMPTY < DRAWN < ink(drawn)
    # "why" and "1 episode" open rows under their fact.
    before = await pane(page, "#tab-entity")
    await click("#entity tr:has-text('WORKS_AT') button.why", "why")
    await expect(page.locator("#entity tr.episodes li").first).not_to_have_text("loading …")
    assert difference(await pane(page, "#tab-entity"), before) > 0.002
    # Per hop: a click on Alice's node reads two facts a hop, then all five again.
    await page.fill("#per-hop", "2")
    clicked.add("per-hop")
    await base.click_node(page, "alice")
    await expect(page.locator("#entity table.facts tbody tr")).to_have_count(2)
    await page.fill("#per-hop", "200")
    await asyncio.sleep(0.6)  # apart by more than a double click
    await base.click_node(page, "alice")
    await expect(page.locator("#entity table.facts tbody tr")).to_have_count(5)
    # Layout moves the nodes and keeps the canvas shown.
    await click("#layout", "layout")
    await page.evaluate("async () => { await window.kgmem.graph.laying; }")
    await settled(page)
    laid = await pane(page, "#graph")
    assert await page.locator("#graph").is_visible() and ink(laid) > DRAWN
    # The time sliders hide what did not hold then, and "any" brings it back.
    await page.locator("#valid-time").fill("0")
    await page.locator("#known-time").fill("0")
    clicked.update({"valid-time", "known-time"})
    await settled(page)
    early = await pane(page, "#graph")
    assert difference(early, laid) > 0.0005 and (await base.drawn(page))[1] < 5
    await page.locator("#valid-time").fill("1000")
    await page.locator("#known-time").fill("1000")
    await settled(page)
    assert difference(await pane(page, "#graph"), laid) < SAME
    # Causes: trace from Storm, the path highlighted on the canvas.
    await click("#side-tabs button[data-tab=search]", "search")
    await page.fill("#search-text", "Storm")
    await click("#search-form button", "Search")
    await page.locator("#hits li", has_text="Storm").first.click()
    await expect(page.locator("#entity h2")).to_have_text("Storm", timeout=10_000)
    await click("#side-tabs button[data-tab=causes]", "causes")
    await page.select_option("#trace-direction", "forward")
    clicked.add("trace-direction")
    await click("#trace-run", "trace-run")
    await expect(page.locator("#paths li").first).to_contain_text("Storm → Flood")
    # Cypher: run, then draw the result onto a cleared canvas.
    await click("#side-tabs button[data-tab=cypher]", "cypher")
    await page.fill("#cypher-text", "MATCH (a:Person)-[r]->(b) RETURN a, r, b")
    clicked.add("cypher-text")
    await click("#cypher-form button:text('Run')", "Run (read only)")
    await expect(page.locator("#cypher-table tbody tr")).to_have_count(5, timeout=10_000)
    await click("#clear", "clear")
    assert ink(await pane(page, "#graph")) < EMPTY
    await click("#cypher-draw", "cypher-draw")
    await settled(page)
    assert ink(await pane(page, "#graph")) > DRAWN
    # The map: a click searches a radius around it.
    await click("#view-tabs button[data-view=map]", "map")
    await expect(page.locator("#map-stats")).to_have_text("3 located entities", timeout=10_000)
    world = await pane(page, "#map")
    await page.fill("#radius", "500")
    clicked.add("radius")
    box = await page.locator("#map").bounding_box()
    assert box is not None
    # Between Paris and Berlin (lat 50.5, lon 8 on the map's plate carrée).
    x, y = box["width"] * (188 / 360), box["height"] * (39.5 / 180)
    await page.mouse.click(box["x"] + x, box["y"] + y)
    await expect(page.locator("#map-stats")).to_contain_text("in the area")
    assert changed(await pane(page, "#map"), world) > 0.0003  # the tinted circle
    await click("#view-tabs button[data-view=graph]", "graph")
    assert await page.locator("#graph").is_visible()
    # Forget key: back to the first screen.
    await click("#forget-key", "forget-key")
    await expect(page.locator("#forget-key")).to_be_hidden()
    assert await visible_ids(page) - clicked == set()
    assert failures.seen == [] and errors == [], (failures.seen, errors)
    await page.close()


async def test_the_tab_icon_is_served(built: Any) -> None:
    app = FastAPI()
    explorer.install(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        icon = await c.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    picture = await asyncio.to_thread(lambda: icon.text)
    assert picture.startswith("<svg") and "</svg>" in picture
