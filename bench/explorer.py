"""``python -m bench explorer``: time to first draw of a neighbourhood in the explorer.

A store holds, per ``--sizes`` entry N, a hub entity with N neighbours (labels, places,
a share of closed facts, times spread over ten years). The explorer at /ui runs in
Debian's headless Chromium (Playwright, software WebGL: no GPU here); each round
searches the hub, opens it on a fresh canvas and measures from the click to sigma's
first render of the whole neighbourhood (``kgmem:open`` to ``kgmem:drawn``
performance marks: the entity read, the names query, building the graph and drawing).
Then, on the drawn graph, the camera zooms in and out, then pans, for two seconds each:
frames per second, sigma's JavaScript time per render (performance.now around its
beforeRender and afterRender events) and the CPU time of all Chromium processes per
frame (from /proc: the GPU process is where software WebGL draws), against the same on
an empty canvas (what the software renderer allows at all). Last, clicks on drawn
nodes: the time from the mouse press to sigma naming the node, and to the entity
opened and the canvas drawn again. The load average is noted after each size, since
the frame rates and wall-clock times depend on it (the CPU times far less).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psutil
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
# Two seconds of camera motion (zoom in and out, or pan there and back), counting the
# page's animation frames and timing each of sigma's renders (its JavaScript work per
# frame) between its beforeRender and afterRender events.
MOTION_SCRIPT = """async (kind) => {
  const sigma = window.kgmem.graph.sigma, camera = sigma.getCamera();
  const spent = []; let began = 0;
  const before = () => { began = performance.now(); };
  const after = () => { spent.push(performance.now() - began); };
  sigma.on("beforeRender", before); sigma.on("afterRender", after);
  let frames = 0, run = true;
  const count = () => { frames += 1; if (run) requestAnimationFrame(count); };
  requestAnimationFrame(count);
  const start = performance.now();
  const there = kind === "zoom" ? { x: 0.6, y: 0.4, ratio: 0.35 } : { x: 0.7, y: 0.35 };
  await camera.animate(there, { duration: 1000 });
  await camera.animate({ x: 0.5, y: 0.5, ratio: 1 }, { duration: 1000 });
  run = false;
  sigma.off("beforeRender", before); sigma.off("afterRender", after);
  spent.sort((a, b) => a - b);
  return { frames, seconds: (performance.now() - start) / 1000,
           render: spent.length ? spent[spent.length >> 1] : 0 };
}"""
# The Layout button's work: the time until the layout is done, and the longest gap
# between animation frames meanwhile (how long the page stops answering at worst).
LAYOUT_SCRIPT = """async () => {
  let last = performance.now(), longest = 0, run = true;
  const tick = (t) => { longest = Math.max(longest, t - last); last = t;
                        if (run) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const start = performance.now();
  await window.kgmem.graph.layout();
  const took = performance.now() - start;
  run = false;
  return [took, Math.max(longest, performance.now() - last)];
}"""
# A click on a drawn node: the times from the mouse press to sigma naming the node
# under it, and to the entity opened and the canvas drawn again.
CLICK_SETUP = """(uid) => {
  const sigma = window.kgmem.graph.sigma, box = document.querySelector("#graph");
  const t = window.kgmemClick = { down: 0, picked: 0 };
  box.addEventListener("mousedown", () => { t.down = performance.now(); },
                       { capture: true, once: true });
  sigma.once("clickNode", () => { t.picked = performance.now(); });
  const p = sigma.framedGraphToViewport(sigma.getNodeDisplayData(uid));
  const r = box.getBoundingClientRect();
  return [r.left + p.x, r.top + p.y];
}"""


@dataclass
class Motion:
    """Frames per second while the camera moves, the JavaScript time of one render
    (median) and the CPU time of all of Chromium's processes per frame."""

    fps: float
    render_ms: float
    cpu_ms: float


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench explorer")
    p.add_argument("--sizes", default="1000,5000", help="neighbourhood sizes, comma-separated")
    p.add_argument("--rounds", type=int, default=5, help="draws measured per size")
    p.add_argument("--device-scale", type=float, default=1.0, help="the page's device pixel ratio")
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


def browser_cpu() -> float:
    """CPU seconds used so far by the Chromium processes this process started (the
    browser, its renderer and its GPU process, where software WebGL draws): unlike
    frames per second, hardly changed by other work on the machine."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name():
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


async def motion(page: Page, kind: str) -> Motion:
    cpu = browser_cpu()
    seen = await page.evaluate(MOTION_SCRIPT, kind)
    frames = max(int(seen["frames"]), 1)
    used = browser_cpu() - cpu
    return Motion(frames / seen["seconds"], float(seen["render"]), used * 1000 / frames)


async def click(page: Page, uid: str) -> tuple[float, float]:
    """Milliseconds from pressing the mouse on ``uid``'s node to sigma naming it, and to
    the entity opened (its read) and the canvas drawn again."""
    # Apart from the previous click by more than sigma's double-click time (a double
    # click zooms in instead).
    await asyncio.sleep(0.5)
    await page.evaluate("() => performance.clearMarks()")
    x, y = await page.evaluate(CLICK_SETUP, uid)
    await page.mouse.click(x, y)
    await page.wait_for_function(
        "() => performance.getEntriesByName('kgmem:drawn').length > 0"
        " && window.kgmemClick.picked > 0",
        timeout=60_000,
    )
    down, picked, drawn = await page.evaluate(
        "() => [window.kgmemClick.down, window.kgmemClick.picked,"
        " performance.getEntriesByName('kgmem:drawn')[0].startTime]"
    )
    return picked - down, drawn - down


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def add_motion(report: Report, label: str, seen: Motion, empty: Motion | None) -> None:
    """``seen``'s figures, each against the same motion on an empty canvas when given."""
    fps_base = empty.fps if empty else None
    cpu_base = empty.cpu_ms if empty else None
    name = "empty" if empty else ""
    report.add(Figure(f"{label}: frames/s", seen.fps, "frames/s", 1, fps_base, name))
    report.add(Figure(f"{label}: JS per render, median", seen.render_ms * 1000, "µs", 1))
    report.add(Figure(f"{label}: browser CPU per frame", seen.cpu_ms, "ms", 1, cpu_base, name))


async def measure(url: str, sizes: list[int], rounds: int, scale: float, report: Report) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        page = await browser.new_page(
            viewport={"width": 1400, "height": 900}, device_scale_factor=scale
        )
        await page.goto(f"{url}/ui")
        await page.wait_for_function("() => document.querySelector('#namespace').value !== ''")
        empty = {kind: await motion(page, kind) for kind in ("zoom", "pan")}
        for kind, seen in empty.items():
            add_motion(report, f"{kind}, empty canvas", seen, None)
        report.notes.append(f"load average (1 min) after the empty canvas: {load()}")
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
            for kind in ("zoom", "pan"):
                add_motion(
                    report, f"{kind}, {size} neighbours", await motion(page, kind), empty[kind]
                )
            took, block = await page.evaluate(LAYOUT_SCRIPT)
            report.add(Figure(f"Layout (ForceAtlas2), {size}: until done", took, "ms", 1))
            report.add(Figure(f"Layout, {size}: longest frame meanwhile", block, "ms", 1))
            clicks = [await click(page, f"hub{size}-n{i}") for i in range(1, rounds + 1)]
            for i, what in ((0, "node picked"), (1, "opened and drawn")):
                spent = statistics.median(c[i] for c in clicks)
                report.add(Figure(f"click to {what}, {size}, median", spent, "ms", rounds))
            report.notes.append(f"load average (1 min) after {size} neighbours: {load()}")
        await browser.close()


async def main(argv: list[str]) -> int:
    args = parse(argv)
    if not (explorer.asset_dir() / "explorer.js").is_file():
        print("the explorer is not built: run `./run ui` first")
        return 1
    sizes = [int(s) for s in args.sizes.split(",")]
    data = {"sizes": sizes, "rounds": args.rounds, "device_scale": args.device_scale}
    report = Report("explorer", describe(), data)
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
                await measure(url, sizes, args.rounds, args.device_scale, report)
        finally:
            await memory.close()
    report.print_summary()
    print(f"saved {report.save()}")
    return 0
