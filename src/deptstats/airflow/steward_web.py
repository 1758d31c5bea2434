"""The steward's pages and their JSON, as a FastAPI app. Who may see them is decided by the
caller: the Airflow plugin (plugins/deptstats_steward.py) passes Airflow's own authentication,
tests pass their own. Pages are plain HTML without scripts (Airflow shows them in a sandboxed
iframe); every value is HTML-escaped by the templates."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from deptstats.airflow import steward
from deptstats.core import include_dir, load_registry
from deptstats.indicators import query
from deptstats.signoff import rejections

DOCS_ROUTE = "docs"
SNAPSHOTS_ROUTE = "snapshots"  # the sign-off's snapshots (out/snapshots), linked from the approval


def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(include_dir() / "steward"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def site_files(docs_page: str | None) -> dict[str, Path]:
    """The files of one Data Docs site by their path in it. A requested path is looked up in
    this listing, never joined to a folder; links are followed only inside the docs folder
    (the shared static/ copy sits beside the sites)."""
    if not docs_page:
        return {}
    index = Path(unquote(urlparse(docs_page).path))
    site = index.parent
    allowed = site.parents[2].resolve() if len(site.parents) > 2 else site.resolve()
    files: dict[str, Path] = {}
    for folder, _dirs, names in os.walk(site, followlinks=True):
        for name in names:
            path = Path(folder) / name
            resolved = path.resolve()
            if resolved.is_file() and resolved.is_relative_to(allowed):
                files[path.relative_to(site).as_posix()] = resolved
    return files


def snapshot_file(snapshots: Path | None, asset: str) -> Path | None:
    """A file of a snapshot under `snapshots` (out/snapshots), or None: the request's path is
    resolved and must stay inside the folder, links included, and name a regular file."""
    if snapshots is None or not asset or "\x00" in asset:
        return None
    root = snapshots.resolve()
    path = (root / asset).resolve()
    if not path.is_relative_to(root) or path == root or not path.is_file():
        return None
    return path


def add_snapshot_route(
    router: APIRouter, snapshots: Callable[[], Path | None], may_read: Callable[..., Any]
) -> None:
    """GET /snapshots/<path>: a file of a sign-off snapshot (the approval links to its DOCX)."""

    @router.get(f"/{SNAPSHOTS_ROUTE}/{{asset:path}}", dependencies=[Depends(may_read)])
    def snapshot(asset: str) -> FileResponse:
        path = snapshot_file(snapshots(), asset)
        if path is None:
            raise HTTPException(status_code=404, detail="no such snapshot file")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media_type, filename=path.name)


def create_app(
    engine: Callable[[], Engine],
    authenticated: Callable[..., Any],
    may_read_run: Callable[..., Any],
    snapshots: Callable[[], Path | None] = lambda: None,
    may_read_signoff: Callable[..., Any] | None = None,
) -> FastAPI:
    """`engine` opens the warehouse (read-only); `authenticated` guards every route and
    `may_read_run` the pages of a DAG run (both FastAPI dependencies); `snapshots` gives the
    folder of the sign-off's snapshots (out/snapshots), whose files `may_read_signoff` guards."""
    templates = _templates()
    router = APIRouter(dependencies=[Depends(authenticated)])

    @router.get("/deliveries", response_class=HTMLResponse)
    def deliveries_page() -> str:
        return templates.get_template("deliveries.html.j2").render(
            title="Deliveries", deliveries=steward.deliveries(engine())
        )

    @router.get("/runs/{dag_id}/{run_id}", response_class=HTMLResponse, dependencies=[Depends(may_read_run)])
    def run_page(dag_id: str, run_id: str) -> str:
        return templates.get_template("run.html.j2").render(
            title=f"Refused files of {run_id}",
            dag_id=dag_id,
            run_id=run_id,
            files=steward.run_report(engine(), run_id, load_registry()),
            docs_base=f"../../{DOCS_ROUTE}",
            returned=rejections(engine()).get(run_id),
        )

    @router.get("/api/deliveries")
    def deliveries_json(run_id: str | None = None) -> list[dict[str, Any]]:
        if run_id is not None:
            return steward.run_report(engine(), run_id, load_registry())
        return steward.deliveries(engine())

    @router.get(f"/{DOCS_ROUTE}/{{validation_id}}/{{asset:path}}")
    def data_docs(validation_id: int, asset: str) -> FileResponse:
        rows = query(engine(), "docs_page", validation_id=validation_id)
        path = site_files(rows[0]["docs_page"] if rows else None).get(asset)
        if path is None:
            raise HTTPException(status_code=404, detail="no such page")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # delivered values appear in these pages: no inline script or handler may run
        return FileResponse(
            path,
            media_type=media_type,
            headers={
                "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
                "style-src 'self' 'unsafe-inline'; img-src 'self' data:"
            },
        )

    add_snapshot_route(router, snapshots, may_read_signoff or may_read_run)
    app = FastAPI(title="deptstats steward pages", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router)
    return app
