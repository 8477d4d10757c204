"""/ui, the graph explorer, end to end in a real headless Chromium (Debian's package,
driven by Playwright) against a real server over a seeded store with an API key
limited to one namespace. Screenshots go to tmp/artefacts/explorer (not committed)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright, expect

from kgmem import EntityWrite, FactWrite, GeoPoint, Memory
from kgmem.ingest import EpisodeWrite, FactMention
from kgmem.server import explorer
from kgmem.server.app import create_app
from kgmem.settings.config import VerificationSettings
from kgmem.verification.calibration import Calibration, Isotonic
from tests.fixtures.app import client_for, serving
from tests.fixtures.database import store_settings, with_database
from tests.server.test_docs_pages import ARGS, CHROMIUM, Traffic

pytestmark = pytest.mark.slow

# A shared 2-core machine runs the browser beside the server and PostgreSQL: a
# page's answer may take longer than Playwright's 5 s default there.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "tmp" / "artefacts" / "explorer"
EVIL = '<img src=x onerror="window.__pwned = 1">'


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    """Debian's chromium, as the /docs page tests launch it."""
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def day(year: int, month: int = 1) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def built() -> Path:
    """The explorer built from ui/ by the run script (a no-op when up to date)."""
    done = subprocess.run(
        ["bash", str(ROOT / "run"), "ui"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (explorer.asset_dir() / "explorer.js").is_file(), (
        "the explorer is not built: install Node.js 18+ and npm, then `./run ui`"
    )
    return explorer.asset_dir()


async def seed(memory: Memory, ns: str) -> None:
    places = {"paris": (48.86, 2.35), "berlin": (52.52, 13.40), "tokyo": (35.68, 139.69)}
    for uid, (lat, lon) in places.items():
        props = {"name": uid.title()}
        await memory.upsert_entity(
            ns, EntityWrite(uid, "Place", props, location=GeoPoint(lat, lon))
        )
    people = [
        ("alice", "Person", "Alice"),
        ("acme", "Organization", "Acme"),
        ("evil", "Concept", EVIL),
    ]
    for uid, label, name in people:
        await memory.upsert_entity(ns, EntityWrite(uid, label, {"name": name}))
    for uid in ("storm", "flood", "damage"):
        await memory.upsert_entity(ns, EntityWrite(uid, "Event", {"name": uid.title()}))
    facts = [
        FactWrite("alice", "LIVES_IN", "berlin", valid_from=day(2010), recorded_at=day(2010)),
        # LIVES_IN is functional: this closes the Berlin fact, which stays drawn dashed.
        FactWrite("alice", "LIVES_IN", "paris", valid_from=day(2019), recorded_at=day(2019)),
        FactWrite(
            "alice", "WORKS_AT", "acme", valid_from=day(2021), recorded_at=day(2021), source="hr-db"
        ),
        FactWrite("alice", "RELATED_TO", "evil", text=EVIL),
        FactWrite("alice", "RELATED_TO", "tokyo", valid_from=day(2023), recorded_at=day(2023)),
        FactWrite("tokyo", "RELATED_TO", "storm"),
        FactWrite("storm", "CAUSES", "flood", {"strength": 0.9}),
        FactWrite("flood", "CAUSES", "damage", {"strength": 0.7}),
    ]
    for fact in facts:
        await memory.add_fact(ns, fact)
    said = EpisodeWrite(
        "She moved to Lisbon last spring.",
        uid="ep-dana",
        reference_time=datetime(2024, 8, 1, 10, tzinfo=UTC),
        speaker="Sam",
        facts=[FactMention("Dana", "LIVES_IN", "Lisbon")],
    )
    [outcome] = await memory.add_episodes(ns, [said])
    assert outcome.status == "done", outcome.error


@pytest.fixture(scope="module")
async def served(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory, built: Path
) -> AsyncIterator[tuple[str, str, str]]:
    """(url, key secret, seeded namespace) of a server over a store of its own: its key
    (read scope, one namespace) must not switch on keys for the other tests."""
    database = f"kgmem_t_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(pg_url)
    await conn.execute(f'CREATE DATABASE "{database}"')
    await conn.close()
    home = tmp_path_factory.mktemp("ui")
    base = store_settings(with_database(pg_url, database), home)
    # A calibration is configured, but the seeded predicates have too few claims for it.
    cal = Calibration(Isotonic((0.0, 1.0), (0.0, 1.0)), Isotonic((0.0, 1.0), (0.0, 1.0)))
    (home / "cal.json").write_text(cal.dumps())
    verification = VerificationSettings(calibration_file=home / "cal.json")
    memory = await Memory.open(base.model_copy(update={"verification": verification}))
    try:
        await memory.create_namespace("atlas", "seeded for the explorer")
        await memory.create_namespace("hidden", "outside the key's namespaces")
        await seed(memory, "atlas")
        key = await memory.create_key("explorer", ["read"], ["atlas"])
        async with serving(create_app(memory=memory)) as url:
            yield url, key.secret, "atlas"
    finally:
        await memory.close()
        conn = await asyncpg.connect(pg_url)
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await conn.close()


async def shot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / f"{name}.png"))


async def signed_in(chromium: Browser, served: tuple[str, str, str]) -> tuple[Page, Traffic]:
    """The explorer after entering the key once."""
    url, secret, ns = served
    page = await chromium.new_page(viewport={"width": 1400, "height": 900})
    traffic = Traffic(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    await page.goto(f"{url}/ui")
    await page.fill("#key", secret)
    await page.click("#key-form button")
    await expect(page.locator("#namespace")).to_have_value(ns, timeout=10_000)
    return page, traffic


async def drawn(page: Page) -> tuple[int, int, int]:
    text = await page.locator("#graph-stats").text_content() or ""
    nodes, shown, total = map(int, re.findall(r"\d+", text))
    return nodes, shown, total


async def click_node(page: Page, uid: str) -> None:
    """A mouse click where the canvas draws ``uid``."""
    x, y = await page.evaluate(
        "(uid) => { const s = window.kgmem.graph.sigma;"
        " const p = s.framedGraphToViewport(s.getNodeDisplayData(uid)); return [p.x, p.y]; }",
        uid,
    )
    box = await page.locator("#graph").bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + x, box["y"] + y)


async def open_alice(page: Page) -> None:
    await page.fill("#search-text", "Alice")
    await page.click("#search-form button")
    await page.locator("#hits li", has_text="Alice").first.click()
    await expect(page.locator("#entity h2")).to_have_text("Alice", timeout=10_000)


async def test_key_once_namespaces_of_the_key_only_and_nothing_from_outside(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    url, _, _ = served
    page, traffic = await signed_in(chromium, served)
    options = await page.locator("#namespace option").all_text_contents()
    assert options == ["atlas"]  # "hidden" exists but the key may not see it
    await page.reload()  # the key is kept for the tab: no second prompt
    await expect(page.locator("#namespace")).to_have_value("atlas", timeout=10_000)
    assert await page.evaluate("sessionStorage.getItem('kgmem.key')") == served[1]
    traffic.only_local(url)
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


async def test_search_open_and_expand_on_the_canvas(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    page, _ = await signed_in(chromium, served)
    await page.fill("#search-text", "Alice")
    await page.click("#search-form button")
    hit = page.locator("#hits li", has_text="Alice").first
    await expect(hit.locator(".reasons")).to_contain_text("keyword")
    await hit.click()
    await expect(page.locator("#entity h2")).to_have_text("Alice", timeout=10_000)
    facts = page.locator("#entity table.facts tbody tr")
    await expect(facts).to_have_count(5)
    await expect(page.locator("#entity tr.closed")).to_have_count(1)  # Berlin, superseded
    await expect(page.locator("#timeline li").first).not_to_have_text("loading …")
    # Each fact's row: status, trust (as the API reports it) and sources.
    works = next(f for f in await alice_facts(served) if f["predicate"] == "WORKS_AT")
    cells = await page.locator("#entity tr", has_text="WORKS_AT").locator("td").all_text_contents()
    trust = "\N{EN DASH}" if works["trust"] is None else f"{works['trust']:.2f}"
    assert cells[3] == "current" and cells[4].startswith(trust) and cells[5] == "hr-db", cells
    assert works["sources"] == ["hr-db"]
    # "why" reads the fact's verification: how its values compare, and the sources.
    await page.locator("#entity tr", has_text="WORKS_AT").locator("button.why").click()
    why = page.locator("#entity tr.episodes li")
    verification = await fact_verification(served, works["uid"])
    kind, cal = verification["value_kind"], verification["calibration"]
    await expect(why.first).to_contain_text(f"WORKS_AT compared as {kind['kind']}")
    await expect(why.first).to_contain_text(f"read from its values: {kind['evidence']}")
    # The calibration status: configured, but WORKS_AT has too few claims for it.
    assert not cal["calibrated"] and "too few claims to calibrate" in cal["reason"], cal
    await expect(why.nth(1)).to_have_text(f"trust not calibrated ({cal['reason']})")
    await expect(why.nth(1)).to_have_class("uncalibrated")
    await expect(why.nth(2)).to_contain_text("for: hr-db")
    nodes, _, total = await drawn(page)
    assert (nodes, total) == (6, 5)
    await shot(page, "1-alice")
    # A click on Tokyo's node draws its neighbourhood (the storm) next to it.
    await click_node(page, "tokyo")
    await expect(page.locator("#entity h2")).to_have_text("Tokyo", timeout=10_000)
    nodes, _, total = await drawn(page)
    assert (nodes, total) == (7, 6)
    await shot(page, "2-expanded")
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


async def test_a_facts_episodes_show_their_time_speaker_and_text(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    page, _ = await signed_in(chromium, served)
    await page.fill("#search-text", "Dana")
    await page.click("#search-form button")
    await page.locator("#hits li", has_text="Dana").first.click()
    await expect(page.locator("#entity h2")).to_have_text("Dana", timeout=10_000)
    row = page.locator("#entity tr", has_text="LIVES_IN")
    cells = await row.locator("td").all_text_contents()
    assert cells[5] == "speaker:Sam" and cells[6] == "1 episode", cells
    await row.locator("button.episodes").click()
    said = page.locator("#entity tr.episodes li")
    await expect(said).to_have_text("2024-08-01 10:00:00 Sam: She moved to Lisbon last spring.")
    await shot(page, "1b-episodes")
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


async def test_expanding_stops_at_the_per_hop_limit(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    page, _ = await signed_in(chromium, served)
    await page.fill("#per-hop", "2")
    await open_alice(page)
    await expect(page.locator("#entity table.facts tbody tr")).to_have_count(2)
    nodes, _, total = await drawn(page)
    assert (nodes, total) == (3, 2)  # Alice and two of her five facts' other ends
    await page.fill("#per-hop", "200")
    await click_node(page, "alice")  # a click expands in place, up to the new limit
    await expect(page.locator("#entity table.facts tbody tr")).to_have_count(5)
    assert (await drawn(page))[0::2] == (6, 5)
    # Layout runs ForceAtlas2 in frame-sized slices and moves the nodes.
    iterations, moved = await page.evaluate(
        "async () => { const g = window.kgmem.graph, at = g.graph.getNodeAttribute('tokyo', 'x');"
        " const n = await g.layout(); return [n, g.graph.getNodeAttribute('tokyo', 'x') !== at]; }"
    )
    assert iterations == 100 and moved
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


CROWD = """(size) => {
  const g = window.kgmem.graph, t = "2020-01-01T00:00:00+00:00", facts = [], names = new Map();
  for (let i = 0; i < size; i++) {
    facts.push({ uid: `f${i}`, subject: "hub", predicate: "RELATED_TO", object: `n${i}`,
      status: i % 7 ? "current" : "closed", valid_from: t, valid_to: null, recorded_at: t,
      expired_at: i % 7 ? null : t, trust: (i % 5) / 4, sources: [] });
    names.set(`n${i}`, { label: ["Person", "Place", "Event"][i % 3], name: `N ${i}` });
  }
  g.clear();
  g.addNode("hub", { label: "Concept", name: "Hub" });
  g.expand("hub", facts, names);
  g.fitSettings();
  const s = g.sigma;
  s.refresh();
  return [g.graph.order, g.graph.size, s.getSetting("hideEdgesOnMove"),
          s.getSetting("hideLabelsOnMove")];
}"""


async def test_a_canvas_of_5000_nodes_draws_them_all_and_picks_the_one_clicked(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    """The canvas side of a large neighbourhood (its speed is measured by
    `python -m bench explorer`): every node drawn, edges and labels resting while the
    camera moves, and a click in the crowd naming the node under the mouse."""
    page, _ = await signed_in(chromium, served)
    assert await page.evaluate(CROWD, 5000) == [5001, 5000, True, True]
    look = await page.evaluate(LOOK)
    assert len(look["nodes"]) == 5001 and len(look["edges"]) == 5000
    assert sum(e[0] == "dashed" for e in look["edges"].values()) == len(range(0, 5000, 7))
    for uid in ("n2500", "n4999"):
        await page.evaluate(
            "() => window.kgmem.graph.sigma.once('clickNode', (e) => { window.picked = e.node; })"
        )
        await asyncio.sleep(0.5)  # apart by more than a double click
        await click_node(page, uid)
        await _until(page, "(uid) => window.picked === uid", uid)
    await shot(page, "10-crowd")
    assert page.errors == []  # type: ignore[attr-defined]
    assert await page.evaluate(CROWD, 100) == [101, 100, False, False]  # small again
    await page.close()


LOOK = """() => {
  const s = window.kgmem.graph.sigma, g = s.getGraph();
  return {
    nodes: g.mapNodes((n, a) => [a.kind, s.getNodeDisplayData(n).color]),
    edges: Object.fromEntries(g.mapEdges((e) => {
      const d = s.getEdgeDisplayData(e);
      return [e, [d.type, d.size, d.color, d.hidden]];
    })),
  };
}"""


def closed(fact: dict[str, Any]) -> bool:
    return fact["status"] == "closed" or bool(fact["expired_at"])


async def test_canvas_colours_by_label_widths_by_trust_and_dashes_when_closed(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    facts = await alice_facts(served)
    page, _ = await signed_in(chromium, served)
    await open_alice(page)
    look = await page.evaluate(LOOK)
    colours: dict[str, set[str]] = {}
    for kind, colour in look["nodes"]:
        colours.setdefault(kind, set()).add(colour)
    assert sorted(colours) == ["Concept", "Organization", "Person", "Place"]
    assert all(len(c) == 1 for c in colours.values())  # one colour per label ...
    assert len(set.union(*colours.values())) == 4  # ... and a different one for each
    legend = await page.locator("#legend").text_content() or ""
    assert all(kind in legend for kind in colours)
    assert sum(closed(f) for f in facts) == 1
    for fact in facts:
        kind, size, _, hidden = look["edges"][fact["uid"]]
        assert kind == ("dashed" if closed(fact) else "solid"), fact
        trust = 0.25 if fact["trust"] is None else fact["trust"]
        assert size == pytest.approx(1 + 4 * trust) and not hidden
    await shot(page, "9-look")
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


def holds(fact: dict[str, Any], valid_at: datetime | None, known_at: datetime | None) -> bool:
    """The rule the canvas draws by, restated: true then, and believed then."""

    def t(key: str) -> datetime | None:
        value = fact[key]
        return datetime.fromisoformat(value) if value else None

    start, end, recorded, expired = (
        t(k) for k in ("valid_from", "valid_to", "recorded_at", "expired_at")
    )
    if valid_at and ((start and start > valid_at) or (end and end <= valid_at)):
        return False
    return not (
        known_at and ((recorded and recorded > known_at) or (expired and expired <= known_at))
    )


async def alice_facts(served: tuple[str, str, str]) -> list[dict[str, Any]]:
    url, secret, ns = served
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {secret}"}) as c:
        detail = (await c.get(f"/v1/namespaces/{ns}/entities/alice?include_closed=true")).json()
    return detail["outgoing"] + detail["incoming"]


async def fact_verification(served: tuple[str, str, str], uid: str) -> dict[str, Any]:
    url, secret, ns = served
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {secret}"}) as c:
        answer = await c.get(f"/v1/namespaces/{ns}/facts/{uid}/verification")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_time_sliders_change_the_drawn_edges(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    facts = await alice_facts(served)
    page, _ = await signed_in(chromium, served)
    await open_alice(page)
    assert await drawn(page) == (6, 5, 5)
    # Valid time at the start of the slider: the earliest time among the drawn facts.
    await page.locator("#valid-time").fill("0")
    await expect(page.locator("#valid-out")).to_contain_text("2010-01-01")
    then = sum(holds(f, day(2010), None) for f in facts)
    assert 0 < then < 5 and await drawn(page) == (6, then, 5)
    edges = (await page.evaluate(LOOK))["edges"]
    assert sorted(uid for uid, e in edges.items() if not e[3]) == sorted(
        f["uid"] for f in facts if holds(f, day(2010), None)
    )  # what sigma draws, not only the count
    await shot(page, "3-valid-2010")
    # Back to any valid time, known time today: the closed Berlin fact is no longer believed.
    await page.locator("#valid-time").fill("1000")
    await page.locator("#known-time").fill("999")
    assert await drawn(page) == (6, 4, 5)
    edges = (await page.evaluate(LOOK))["edges"]
    assert [uid for uid, e in edges.items() if e[3]] == [f["uid"] for f in facts if closed(f)]
    await shot(page, "4-known-now")
    await page.close()


LAND, SEA = [217, 212, 199], [234, 242, 251]  # the map's fill colours
PIXEL = """([x, y]) => { const c = document.querySelector('#map');
  const r = c.getBoundingClientRect(), k = c.width / r.width;
  return Array.from(c.getContext('2d')
    .getImageData(Math.round((x - r.left) * k), Math.round((y - r.top) * k), 1, 1).data); }"""


async def test_map_draws_the_world_located_entities_and_the_searched_areas(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    page, _ = await signed_in(chromium, served)
    await page.click("#view-tabs button[data-view=map]")
    await expect(page.locator("#map-stats")).to_have_text("3 located entities", timeout=10_000)
    canvas = await page.locator("#map").bounding_box()
    assert canvas is not None

    def at(lat: float, lon: float) -> tuple[float, float]:
        return (
            canvas["x"] + (lon + 180) / 360 * canvas["width"],
            canvas["y"] + (90 - lat) / 180 * canvas["height"],
        )

    async def pixel(lat: float, lon: float) -> list[int]:
        return list(await page.evaluate(PIXEL, list(at(lat, lon))))[:3]

    # The world outline shipped with the assets: the Sahara is land, mid-Atlantic is sea.
    assert await pixel(23.0, 10.0) == LAND and await pixel(0.0, -30.0) == SEA
    assert await pixel(-25.0, 134.0) == LAND  # Australia
    await page.mouse.click(*at(50.5, 8.0))  # between Paris and Berlin, 500 km radius
    await expect(page.locator("#map-stats")).to_have_text("2 of 3 located entities in the area")
    assert sorted(await page.locator("#places li").all_text_contents())[0].startswith("PlaceBerlin")
    assert await pixel(48.86, 2.35) == [214, 39, 40]  # Paris: a point inside the area
    centre = await pixel(50.5, 8.0)  # the radius is drawn: land tinted red
    assert centre != LAND and centre[0] > centre[1] + 15, centre
    assert await pixel(23.0, 10.0) == LAND  # outside the circle
    await shot(page, "5-map")
    # A drag searches a box: around Paris only, the box drawn.
    await page.mouse.move(*at(56.0, -4.0))
    await page.mouse.down()
    await page.mouse.move(*at(45.0, 6.0), steps=5)
    await page.mouse.up()
    await expect(page.locator("#map-stats")).to_have_text("1 of 3 located entities in the area")
    listed = await page.locator("#places li").all_text_contents()
    assert len(listed) == 1 and listed[0].startswith("PlaceParis")
    inside = await pixel(46.5, 4.0)
    assert inside != LAND and inside[0] > inside[1] + 15, inside
    assert await pixel(50.5, 13.0) == LAND  # where the radius was, outside the box
    await shot(page, "5b-map-box")
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


async def test_causal_trace_and_cypher_panel(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    page, _ = await signed_in(chromium, served)
    await page.fill("#search-text", "Storm")
    await page.click("#search-form button")
    await page.locator("#hits li", has_text="Storm").first.click()
    await expect(page.locator("#entity h2")).to_have_text("Storm", timeout=10_000)
    await page.click("#side-tabs button[data-tab=causes]")
    await page.click("#trace-run")
    # Ranked by strength: the one-step path first (0.9), then the two-step one (0.63).
    await expect(page.locator("#paths li").first).to_contain_text("Storm → Flood")
    assert await page.evaluate("window.kgmem.graph.focus.edges.size") == 1
    await page.locator("#paths li", has_text="Storm → Flood → Damage").click()
    assert await page.evaluate("[...window.kgmem.graph.focus.nodes]") == [
        "storm",
        "flood",
        "damage",
    ]
    assert await page.evaluate("window.kgmem.graph.focus.edges.size") == 2
    # What sigma draws: the path's facts in red, the rest of the canvas dimmed.
    look = await page.evaluate(LOOK)
    red = {uid for uid, e in look["edges"].items() if e[2] == "#d62728"}
    focus = await page.evaluate("[...window.kgmem.graph.focus.edges]")
    assert red == set(focus) and len(look["edges"]) > len(red)
    await shot(page, "6-causes")
    await page.click("#side-tabs button[data-tab=cypher]")
    await page.fill("#cypher-text", "MATCH (p:Place) RETURN p.name AS name ORDER BY name")
    await page.click("#cypher-form button:text('Run')")
    # Lisbon is the object of the seeded episode's LIVES_IN: a Place by the schema.
    await expect(page.locator("#cypher-table tbody tr")).to_have_count(4, timeout=10_000)
    assert await page.locator("#cypher-table tbody td").all_text_contents() == [
        "Berlin",
        "Lisbon",
        "Paris",
        "Tokyo",
    ]
    await page.fill("#cypher-text", "MATCH (a:Person)-[r]->(b) RETURN a, r, b")
    await page.click("#cypher-form button:text('Run')")
    await expect(page.locator("#cypher-table tbody tr")).to_have_count(5, timeout=10_000)
    await page.click("#clear")
    await page.click("#cypher-draw")
    assert (await drawn(page))[0::2] == (6, 5)
    # The canvas draws at the size of its container (not into a collapsed one); sigma
    # takes a new size on its next frame, which a loaded host may not have drawn yet.
    dimensions = (
        "() => { const d = window.kgmem.graph.sigma.getDimensions();"
        " const c = document.querySelector('#graph'); return [d.width, d.height,"
        " c.offsetWidth, c.offsetHeight]; }"
    )
    square = f"() => {{ const s = ({dimensions})(); return s[0] === s[2] && s[1] === s[3]; }}"
    await _until(page, square)
    size = await page.evaluate(dimensions)
    assert size[:2] == size[2:] and size[0] > 500, size
    await shot(page, "7-cypher")
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


async def test_stored_markup_is_shown_as_text(
    chromium: Browser, served: tuple[str, str, str]
) -> None:
    page, _ = await signed_in(chromium, served)
    await open_alice(page)
    await expect(page.locator("#entity td", has_text="onerror").first).to_have_text(EVIL)
    await click_node(page, "evil")
    await expect(page.locator("#entity h2")).to_have_text(EVIL, timeout=10_000)
    await expect(page.locator("#timeline li").first).to_contain_text("RELATED_TO")
    await expect(page.locator("#timeline .reasons").first).to_have_text(EVIL)
    assert await page.locator("img").count() == 0
    assert await page.evaluate("window.__pwned") is None
    await shot(page, "8-markup-as-text")
    assert page.errors == []  # type: ignore[attr-defined]
    await page.close()


async def test_ui_page_is_guarded_and_explains_when_not_built(built: Path, tmp_path: Path) -> None:
    served_app = FastAPI()
    explorer.install(served_app)
    async with client_for(served_app) as client:
        page = await client.get("/ui")
    assert page.status_code == 200 and "explorer.js" in page.text
    assert "script-src 'self';" in page.headers["content-security-policy"]
    bare = FastAPI()
    explorer.install(bare, tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="http://t") as c:
        missing = await c.get("/ui")
        assert (await c.get("/ui/assets/explorer.js")).status_code == 404
    assert missing.status_code == 503
    assert "npm ci" in missing.text and "./run install" in missing.text


async def _until(page: Page, function: str, arg: Any = None, seconds: float = 10.0) -> None:
    """Wait until ``function(arg)`` is true in the page, polled from the test:
    ``wait_for_function`` polls by evaluating a string in the page, which the explorer's
    Content-Security-Policy (no 'unsafe-eval') refuses once the first check fails."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await page.evaluate(function, arg):
        assert asyncio.get_running_loop().time() < deadline, f"not true in time: {function}"
        await asyncio.sleep(0.1)
