"""/ui: the graph explorer, a static page that talks to the REST API with the user's key.

The page and its script are built from ``ui/`` (pinned npm packages, bundled by
esbuild) into ``kgmem/server/explorer_assets``, which a wheel carries as package data.
They are generated files, never committed: ``./run`` builds them when their sources
change. Without them /ui answers a page saying how to build, and the rest of kgmem
works as before.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

PATH = "/ui"
ASSETS = f"{PATH}/assets"
# Scripts and styles only from this server, no inline code: stored text shown by the
# page can never run, even if it reached the DOM as markup.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'none'"
)
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgmem explorer: not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The graph explorer is not built</h1>
<p>The explorer's page and script are built from the <code>ui/</code> folder of the kgmem
repository with Node.js 18 or newer. Install Node.js and npm, then run</p>
<pre>./run install</pre>
<p>from the repository (it builds the explorer whenever its sources change), or build it
by hand:</p>
<pre>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>and restart the server. Everything else (the REST API, <a href="/docs">/docs</a>, MCP)
works without it.</p>
</body></html>
"""


# The tab's icon: a small graph, answered at /favicon.ico (where browsers look first)
# whether or not the explorer is built.
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#24324a"/>'
    '<path d="M9 22 L16 9 L23 21 Z" stroke="#c8d3e6" stroke-width="2" fill="none"/>'
    '<circle cx="9" cy="22" r="4" fill="#1f77b4"/><circle cx="16" cy="9" r="4" fill="#ff7f0e"/>'
    '<circle cx="23" cy="21" r="4" fill="#2ca02c"/></svg>'
)


def asset_dir() -> Path:
    """Where the built explorer lives (it may be absent: see the module docstring)."""
    return Path(__file__).resolve().parent / "explorer_assets"


def install(app: FastAPI, assets: Path | None = None) -> None:
    """Serve the explorer from ``assets`` (default: :func:`asset_dir`) at /ui."""
    folder = assets or asset_dir()
    page = folder / "index.html"
    router = APIRouter(include_in_schema=False)
    if page.is_file():
        app.mount(ASSETS, StaticFiles(directory=folder), name="explorer-assets")

    @router.get(PATH)
    @router.get(f"{PATH}/")
    async def explorer() -> Response:
        if not page.is_file():
            return _guarded(HTMLResponse(NOT_BUILT, status_code=503))
        return _guarded(FileResponse(page, media_type="text/html"))

    @router.get("/favicon.ico")
    async def icon() -> Response:
        cached = {"Cache-Control": "max-age=86400"}
        return Response(ICON, media_type="image/svg+xml", headers=cached)

    app.include_router(router)


def _guarded(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    return response
