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

    app.include_router(router)


def _guarded(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    return response
