"""``python -m bench explorer``: time to first draw of a neighbourhood in the explorer.

A store holds, per ``--sizes`` entry N, a hub entity with N neighbours (labels, places,
a share of closed facts, times spread over ten years). The explorer at /ui runs in
Debian's headless Chromium (Playwright, software WebGL: no GPU here); each round
searches the hub, opens it on a fresh canvas and measures from the click to sigma's
first render of the whole neighbourhood (``kgmem:open`` to ``kgmem:drawn``
performance marks: the entity read, the names query, building the graph and drawing).
Then, on the drawn graph, frames per second while the camera zooms and pans for two
seconds, against the same on an empty canvas (what the software renderer allows at
all): whether the canvas stays interactive at that size.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import uvicorn
from playwright.async_api import Page, async_playwright

from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, FactWrite, GeoPoint, Memory, Settings
from kgmem.server import explorer
from kgmem.server.app import create_app

ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--no-first-run"]
LABELS = ("Person", "Organization", "Place", "Concept", "Event")
FPS_SCRIPT = """async () => {
  const camera = window.kgmem.graph.sigma.getCamera();
  let frames = 0, run = true;
  const count = () => { frames += 1; if (run) requestAnimationFrame(count); };
  requestAnimationFrame(count);
  const start = performance.now();
  await camera.animate({ x: 0.6, y: 0.4, ratio: 0.35 }, { duration: 1000 });
  await camera.animate({ x: 0.5, y: 0.5, ratio: 1 }, { duration: 1000 });
  run = false;
  return frames / ((performance.now() - start) / 1000);
}"""


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench explorer")
    p.add_argument("--sizes", default="1000,5000", help="neighbourhood sizes, comma-separated")
    p.add_argument("--rounds", type=int, default=5, help="draws measured per size")
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


def neighbourhood(hub: str, size: int) -> BatchWrite:
    """``hub`` and ``size`` neighbours, one fact each, every seventh one closed."""
    start = datetime(2015, 1, 1, tzinfo=UTC)
    entities = [EntityWrite(hub, "Concept", {"name": f"Hub {size}"})]
    facts = []
    for i in range(size):
        uid = f"{hub}-n{i}"
        label = LABELS[i % len(LABELS)]
        where = GeoPoint((i * 37) % 140 - 60, (i * 53) % 340 - 170) if label == "Place" else None
        entities.append(EntityWrite(uid, label, {"name": f"{label} {i}"}, location=where))
        begin = start + timedelta(days=(i * 11) % 3650)
        end = begin + timedelta(days=400) if i % 7 == 0 else None
        facts.append(FactWrite(hub, "RELATED_TO", uid, valid_from=begin, valid_to=end))
    return BatchWrite(entities, facts)


@asynccontextmanager
async def serving(memory: Memory) -> AsyncIterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(memory=memory), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers a flag, not an event)
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def first_draw(page: Page, size: int) -> tuple[float, float, float]:
    """Milliseconds from opening the hub to the first render of its neighbourhood, and
    of them: reading the entity and its facts, then the names query."""
    await page.fill("#per-hop", str(size))
    await page.click("#side-tabs button[data-tab=search]")
    await page.evaluate("() => { document.querySelector('#status').textContent = ''; }")
    await page.fill("#search-text", f"Hub {size}")
    await page.click("#search-form button")
    await page.wait_for_function(
        "() => document.querySelector('#status').textContent.endsWith('hits')"
    )
    await page.locator("#hits li", has_text=f"Hub {size}").first.click()
    await page.wait_for_function(
        "(n) => document.querySelector('#graph-stats').textContent.startsWith(n + ' nodes')"
        " && performance.getEntriesByName('kgmem:drawn').length > 0",
        arg=size + 1,
        timeout=60_000,
    )
    marks = await page.evaluate(
        "() => ['open', 'read', 'fetched', 'drawn'].map("
        "(m) => performance.getEntriesByName('kgmem:' + m)[0].startTime)"
    )
    return marks[3] - marks[0], marks[1] - marks[0], marks[2] - marks[1]


async def measure(url: str, sizes: list[int], rounds: int, report: Report) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        await page.goto(f"{url}/ui")
        await page.wait_for_function("() => document.querySelector('#namespace').value !== ''")
        empty = float(await page.evaluate(FPS_SCRIPT))
        report.add(Figure("zoom and pan, empty canvas", empty, "frames/s", 1))
        for size in sizes:
            runs = [await first_draw(page, size) for _ in range(rounds)]
            times = [run[0] for run in runs]
            for i, part in ((1, "entity read"), (2, "names query")):
                spent = statistics.median(run[i] for run in runs)
                report.add(Figure(f"  of which {part}, {size}, median", spent, "ms", rounds))
            report.add(
                Figure(
                    f"first draw, {size} neighbours, median", statistics.median(times), "ms", rounds
                )
            )
            report.add(Figure(f"first draw, {size} neighbours, slowest", max(times), "ms", rounds))
            fps = float(await page.evaluate(FPS_SCRIPT))
            report.add(
                Figure(f"zoom and pan, {size} neighbours", fps, "frames/s", 1, empty, "empty")
            )
        await browser.close()


async def main(argv: list[str]) -> int:
    args = parse(argv)
    if not (explorer.asset_dir() / "explorer.js").is_file():
        print("the explorer is not built: run `./run ui` first")
        return 1
    sizes = [int(s) for s in args.sizes.split(",")]
    report = Report("explorer", describe(), {"sizes": sizes, "rounds": args.rounds})
    with scratch(args.database_url, "kgmem-bench-explorer-") as space:
        settings = Settings(
            home=space.home,
            database={"url": space.url},
            embedding={"provider": "none", "dimension": 384},
        )
        memory = await Memory.open(settings)
        try:
            await memory.create_namespace("bench_explorer")
            for size in sizes:
                batch = neighbourhood(f"hub{size}", size)
                await memory.write_batch("bench_explorer", BatchWrite(batch.entities))
                await memory.write_batch("bench_explorer", BatchWrite((), batch.facts))
            async with serving(memory) as url:
                await measure(url, sizes, args.rounds, report)
        finally:
            await memory.close()
    report.print_summary()
    print(f"saved {report.save()}")
    return 0
