"""The steward's pages and their JSON, as a FastAPI app. Who may see them is decided by the
caller: the Airflow plugin (plugins/deptstats_steward.py) passes Airflow's own authentication,
tests pass their own. Every word comes from the gettext catalogs in the page's language (?lang=…,
else the deployment's); every value is HTML-escaped by the templates; a page loads nothing but
itself (its one inline script, which follows the language picked in the Airflow UI, is allowed
by its hash in the page's Content-Security-Policy)."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Engine

from deptstats.airflow import steward, steward_problems
from deptstats.airflow.display_names import extract_name
from deptstats.airflow.local import DAG_ID as NIGHTLY_DAG_ID
from deptstats.airflow.steward_board import add_board_route
from deptstats.airflow.steward_text import local_time, page_language, severity_word, status_word
from deptstats.airflow.steward_upload import UploadWiring, add_upload_routes
from deptstats.audit import STATE_WORDS
from deptstats.core import Speaker, include_dir, load_registry
from deptstats.signoff import rejections

SNAPSHOTS_ROUTE = "snapshots"  # the sign-off's snapshots (out/snapshots), linked from the approval
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@cache
def language_script() -> str:
    return (include_dir() / "steward" / "language.js").read_text(encoding="utf-8")


def page_policy() -> str:
    """Nothing from elsewhere; the one inline script by its hash, the inline styles."""
    digest = base64.b64encode(hashlib.sha256(language_script().encode("utf-8")).digest()).decode()
    return (
        f"default-src 'self'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'"
    )


def link(path: str, language: str, **params: Any) -> str:
    """A link to another of the pages (relative to this one), carrying the page's language."""
    query = {k: v for k, v in params.items() if v is not None} | {"lang": language}
    return f"{path}?{urlencode(query)}"


@cache
def templates(language: str) -> Environment:
    """The pages' templates with gettext of `language` installed (`_("… {name}", name=x)`)."""
    env = Environment(
        loader=FileSystemLoader(include_dir() / "steward"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
    )
    speaker = Speaker(language)
    env.install_gettext_callables(gettext=speaker, ngettext=speaker.ngettext, newstyle=False)
    env.globals.update(
        language=language,
        html_lang=language.replace("_", "-"),
        language_script=Markup(language_script()),
        status_word=status_word,
        severity_word=severity_word,
        state_word=lambda state: STATE_WORDS.get(state, state),
        link=lambda path, **params: link(path, language, **params),
        quoted=lambda value: quote(str(value), safe=""),
        nightly=NIGHTLY_DAG_ID,
    )
    env.filters["local_time"] = local_time
    return env


def html_page(language: str, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = templates(language).get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": page_policy()})


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


def add_problem_routes(router: APIRouter, engine: Callable[[], Engine], may_read: Callable[..., Any]) -> None:
    """GET /problems/<batch_id> (?page=N, 200 a page; ?lang=…) and its downloads
    /problems/<batch_id>.csv and .xlsx (every problem)."""

    def heading(batch_id: int) -> dict[str, Any]:
        found = steward_problems.batch(engine(), batch_id)
        if found is None:
            raise HTTPException(status_code=404, detail="no such load batch")
        return found

    @router.get("/problems/{batch_id}.csv", dependencies=[Depends(may_read)])
    def problems_csv(batch_id: int, lang: str | None = None) -> StreamingResponse:
        language, found = page_language(lang), heading(batch_id)
        lines = steward_problems.csv_lines(engine(), found, load_registry(), language)
        disposition = f'attachment; filename="problems_{batch_id}.csv"'
        return StreamingResponse(
            lines, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
        )

    @router.get("/problems/{batch_id}.xlsx", dependencies=[Depends(may_read)])
    def problems_xlsx(batch_id: int, lang: str | None = None) -> Response:
        language, found = page_language(lang), heading(batch_id)
        body = steward_problems.xlsx_bytes(engine(), found, load_registry(), language)
        disposition = f'attachment; filename="problems_{batch_id}.xlsx"'
        return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})

    @router.get("/problems/{batch_id}", response_class=HTMLResponse, dependencies=[Depends(may_read)])
    def problems(batch_id: int, page: int = 1, lang: str | None = None) -> HTMLResponse:
        language, found = page_language(lang), heading(batch_id)
        last = steward_problems.pages(found["problems"])
        number = min(max(page, 1), last)
        registry = load_registry()
        rows = steward_problems.page_of(engine(), found, number, registry, language)
        known = found["extract"] in {e.code for e in registry.extracts}
        return html_page(
            language,
            "problems.html.j2",
            batch=found,
            # the extract as the steward knows it: its name in the page's language, and its code
            extract_name=extract_name(registry.extract(found["extract"]), language) if known else None,
            problems=rows,
            page=number,
            pages=last,
            first_shown=(number - 1) * steward_problems.PAGE_SIZE + 1,
        )


def create_app(
    engine: Callable[[], Engine],
    authenticated: Callable[..., Any],
    may_read_run: Callable[..., Any],
    snapshots: Callable[[], Path | None] = lambda: None,
    may_read_signoff: Callable[..., Any] | None = None,
    may_read_loads: Callable[..., Any] | None = None,
    uploads: UploadWiring | None = None,
) -> FastAPI:
    """`engine` opens the warehouse (read-only); `authenticated` guards every route and
    `may_read_run` the pages of a DAG run (both FastAPI dependencies); `may_read_loads` the
    problems of a load batch and the submission board (reading the nightly DAG's runs;
    may_read_run if not given); `snapshots` gives the folder of the sign-off's snapshots
    (out/snapshots), whose files `may_read_signoff` guards; `uploads`, the upload page's
    (steward_upload), without which there is none."""
    router = APIRouter(dependencies=[Depends(authenticated)])

    @router.get("/deliveries", response_class=HTMLResponse)
    def deliveries_page(lang: str | None = None) -> HTMLResponse:
        language = page_language(lang)
        return html_page(language, "deliveries.html.j2", deliveries=steward.deliveries(engine()))

    @router.get("/runs/{dag_id}/{run_id}", response_class=HTMLResponse, dependencies=[Depends(may_read_run)])
    def run_page(dag_id: str, run_id: str, lang: str | None = None) -> HTMLResponse:
        language = page_language(lang)
        return html_page(
            language,
            "run.html.j2",
            dag_id=dag_id,
            run_id=run_id,
            files=steward.run_report(engine(), run_id, load_registry(), language),
            returned=rejections(engine()).get(run_id),
        )

    @router.get("/api/deliveries")
    def deliveries_json(run_id: str | None = None, lang: str | None = None) -> list[dict[str, Any]]:
        if run_id is not None:
            return steward.run_report(engine(), run_id, load_registry(), page_language(lang))
        return steward.deliveries(engine())

    add_problem_routes(router, engine, may_read_loads or may_read_run)
    add_board_route(router, engine, may_read_loads or may_read_run, html_page)
    add_snapshot_route(router, snapshots, may_read_signoff or may_read_run)
    if uploads is not None:
        add_upload_routes(router, uploads, html_page)
    app = FastAPI(title="deptstats steward pages", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router)
    return app
