"""The upload page: a department's file screened at once, as the loader would read and check
it, and delivered into the landing folder if it would load (with an explanation of its
warnings, if it has any: 填写说明后上报).

GET /upload shows the form (the extracts of the departments the user may upload for), POST
/upload takes the file (the form's file name gives its format alone, never a path; the body is
cut off at 413 past DEPTSTATS_UPLOAD_MAX_BYTES while it streams in), screens it in a child of
a warm process (warm_screening) with a timeout, one screening at a time per user (429
otherwise), and shows the report; POST /upload/<id>/deliver delivers it. Every POST must come
from Airflow's own origin ([api] base_url): the session cookie is SameSite=Lax, which lets a
form of another port of the same host post with it.

Who may upload for a department is `may_upload(user, department)` (default: whoever may read the
nightly's runs, which every route requires); after a delivery `announce(department, extract,
period)` is called (default: logged), and `audit(user, details)` records the upload (Airflow's
audit log in the plugin)."""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deptstats.airflow import steward_screening as screening
from deptstats.airflow.display_names import department_name, extract_name
from deptstats.airflow.steward import problem_of
from deptstats.airflow.steward_text import page_language
from deptstats.airflow.warm_screening import SCREENER, Screener, ScreenFailed, ScreenTimeout
from deptstats.core import N_, Extract, Period, Registry, load_registry, parse_period
from deptstats.publish import EXTENSIONS, NotDeliverable, Upload, canonical_name, deliver, record_refusal
from deptstats.warehouse import utcnow

log = logging.getLogger(__name__)
AUDIT_EVENT = "deptstats.upload"  # the event of Airflow's audit log (a name, not a module)


def user_name(user: Any) -> str:
    """An Airflow user's name (BaseUser.get_name()), else the user as text."""
    get_name = getattr(user, "get_name", None)
    return str(get_name() if callable(get_name) else user)


def log_announcement(department: str, extract: str, period: str, uploaded_by: str) -> None:
    """`announce` outside Airflow (tests, an app without the reload DAG): said in the log."""
    log.info("%s delivered %s %s of %s: no reload announced", uploaded_by, extract, period, department)


def announce_reload(department: str, extract: str, period: str, uploaded_by: str) -> None:
    """`announce` inside the api-server: the department's asset event naming the extract, added
    with the plugin's own privilege (a clerk may neither trigger runs nor post asset events), so
    deptstats_reload loads it at once."""
    from deptstats.airflow.announce import announce_delivery

    announce_delivery(department, extract, period, uploaded_by)


def log_audit(user: str, details: dict[str, Any]) -> None:
    log.info("upload by %s: %s", user, details)


@dataclass(frozen=True)
class UploadWiring:
    """What the upload routes stand on. `user`: a FastAPI dependency giving the authenticated
    user; `may_read_loads`: the guard of every upload route (in Airflow: a login, as a clerk reads
    no DAG; which departments it may deliver for is `may_upload`); `writer`:
    the warehouse the uploads are recorded in (its URL is handed to the screening, which reads
    it only); `landing`; `base_url`: Airflow's [api] base_url. The seams: `may_upload(user,
    department)`, `announce(department, extract, period, uploaded_by)`, `audit(user name,
    details)`; `staging`: where uploads wait for delivery (default <landing>/.uploads, which the
    scan skips);
    `screener`: runs the screening in a child of its warm server process (warm_screening)."""

    user: Callable[..., Any]
    may_read_loads: Callable[..., Any]
    writer: Callable[[], Engine]
    landing: Callable[[], Path]
    base_url: Callable[[], str]
    may_upload: Callable[[Any, str], bool] = lambda user, department: True
    announce: Callable[[str, str, str, str], None] = log_announcement
    audit: Callable[[str, dict[str, Any]], None] = log_audit
    staging: Callable[[], Path] | None = None
    screener: Screener = SCREENER

    def staging_folder(self) -> Path:
        return self.staging() if self.staging is not None else self.landing() / ".uploads"


class Refusal(Exception):
    """A request answered with the form again and a message (a catalog id and its values)."""

    def __init__(self, status: int, message: str, **values: Any):
        super().__init__(message)
        self.status, self.message, self.values = status, message, values


def choices(registry: Registry, user: Any, wiring: UploadWiring, language: str) -> list[dict[str, Any]]:
    """The departments the user may upload for, each with its extracts."""
    return [
        {
            "code": department.code,
            "name": department_name(department, language),
            "extracts": [
                {"code": e.code, "name": extract_name(e, language), "period": e.period}
                for e in registry.extracts_of(department.code)
            ],
        }
        for department in registry.departments
        if wiring.may_upload(user, department.code)
    ]


def problems_shown(report: Any, registry: Registry, language: str) -> list[dict[str, Any]]:
    """The report's problems as the problems page shows a stored one."""
    return [
        problem_of(
            {
                "row_number": p.row,
                "row_key": p.row_key,
                "column_name": p.column,
                "value": p.value,
                "other_column": p.other_column,
                "other_value": p.other_value,
                "rule": p.message.stored or "",
                "rule_code": p.message.code,
                "params": p.message.params_json(),
                "severity": p.severity,
            },
            report.extract,
            registry,
            language,
        )
        for p in report.problems
    ]


def add_upload_routes(router: APIRouter, wiring: UploadWiring, page: Callable[..., HTMLResponse]) -> None:
    """GET and POST /upload, POST /upload/<id>/deliver; `page(language, template, status,
    **context)` renders a page."""
    guarded = [Depends(wiring.may_read_loads)]
    # the user, as the wiring's dependency gives it (a default, not an annotation: this
    # module's annotations are strings, which FastAPI resolves among its globals)
    user_given = Depends(wiring.user)

    def form_page(
        request: Request, language: str, user: Any, status: int = 200, **context: Any
    ) -> HTMLResponse:
        offered = choices(load_registry(), user, wiring, language)
        home = str(request.scope.get("root_path", "")) + "/upload"
        context = {"message": None, "values": {}} | context
        return page(language, "upload.html.j2", status, departments=offered, home=home, **context)

    def refused(request: Request, language: str, user: Any, refusal: Refusal, **context: Any) -> HTMLResponse:
        return form_page(
            request, language, user, refusal.status, message=refusal.message, values=refusal.values, **context
        )

    @router.get("/upload", response_class=HTMLResponse, dependencies=guarded)
    def upload_form(request: Request, user: Any = user_given, lang: str | None = None) -> HTMLResponse:
        language = page_language(lang)
        wiring.screener.warm()  # its libraries imported while the form is filled in
        if not choices(load_registry(), user, wiring, language):
            return form_page(
                request, language, user, 403, message=N_("You may not upload for any department.")
            )
        return form_page(request, language, user)

    @router.post("/upload", response_class=HTMLResponse, dependencies=guarded)
    async def upload(request: Request, user: Any = user_given, lang: str | None = None) -> HTMLResponse:
        language, came = page_language(lang), utcnow()
        try:
            check_origin(request, wiring)
            staged = await take_upload(request, user, wiring, language, came)
        except Refusal as refusal:
            return refused(request, language, user, refusal)
        return form_page(request, language, user, **report_context(staged, language))

    @router.post("/upload/{upload_id}/deliver", response_class=HTMLResponse, dependencies=guarded)
    async def deliver_upload(
        upload_id: str, request: Request, user: Any = user_given, lang: str | None = None
    ) -> HTMLResponse:
        language = page_language(lang)
        staged = None
        try:
            check_origin(request, wiring)
            staged = own_upload(upload_id, user, wiring)
            placed = await deliver_request(upload_id, request, user, wiring)
        except Refusal as refusal:
            context = report_context(staged, language) if staged is not None else {}
            return refused(request, language, user, refusal, **context)
        return form_page(request, language, user, delivered=placed)


async def deliver_request(upload_id: str, request: Request, user: Any, wiring: UploadWiring) -> Any:
    """The user's own upload delivered with the form's explanation, if it gave one."""
    form = await request.form(max_files=0, max_fields=4)
    explanation = form.get("explanation")
    with one_at_a_time(wiring, user):  # a second click delivers nothing twice
        staged = own_upload(upload_id, user, wiring)
        given = explanation if isinstance(explanation, str) else None
        return await run_in_threadpool(deliver_staged, staged, user, wiring, given)


def check_origin(request: Request, wiring: UploadWiring) -> None:
    if not screening.same_origin(request.headers.get("origin"), wiring.base_url()):
        raise Refusal(403, N_("This form may only be sent from the Airflow UI's own address."))


def report_context(staged: screening.Staged, language: str) -> dict[str, Any]:
    report = staged.report
    return {
        "report": report,
        "upload_id": staged.upload_id,
        "problems": problems_shown(report, load_registry(), language),
        "shown": len(report.problems),
        "meta": staged.meta,
    }


@contextmanager
def one_at_a_time(wiring: UploadWiring, user: Any) -> Iterator[None]:
    """The user's screening slot, or 429."""
    try:
        with screening.screening_slot(wiring.staging_folder(), user_name(user)):
            yield
    except screening.Busy:
        raise Refusal(
            429, N_("One of your files is being checked already: wait for its report, then upload again.")
        ) from None


async def take_upload(
    request: Request, user: Any, wiring: UploadWiring, language: str, came: Any
) -> screening.Staged:
    """The file streamed into staging and screened, one at a time for the user."""
    limit = screening.upload_max_bytes()
    try:
        with one_at_a_time(wiring, user):
            form = await screening.read_form(request, limit)
            return await run_in_threadpool(screen_form, form, user, wiring, language, came, limit)
    except screening.TooLarge:
        raise Refusal(
            413, N_("The file is larger than the limit of {limit} MiB."), limit=limit // 2**20
        ) from None
    except screening.BadForm:
        raise Refusal(400, N_("Choose the extract, give the period and choose the file.")) from None


def form_fields(form: Any, user: Any, wiring: UploadWiring) -> tuple[Extract, Period, UploadFile, str]:
    """The extract (one the user may upload), the period, the file and its format."""
    registry = load_registry()
    file = form.get("file")
    try:
        extract = registry.extract(str(form.get("extract", "")))
    except KeyError:
        raise Refusal(400, N_("Choose the extract, give the period and choose the file.")) from None
    if not wiring.may_upload(user, extract.department):
        raise Refusal(403, N_("You may not upload files of {extract}."), extract=extract.code)
    try:
        period = parse_period(str(form.get("period", "")).strip())
    except ValueError:
        period = None
    if period is None or period.kind != extract.period:
        wanted = "YYYY" if extract.period == "year" else "YYYY-MM"
        raise Refusal(400, N_("Give the period as {wanted}."), wanted=wanted)
    if not isinstance(file, UploadFile) or not file.filename:
        raise Refusal(400, N_("Choose the extract, give the period and choose the file."))
    # the name the browser sent gives the format alone
    ext = file.filename.rsplit(".", 1)[-1].lower() if "." in file.filename else ""
    if ext not in EXTENSIONS:
        raise Refusal(400, N_("Send the file as CSV, XLSX or JSON."))
    return extract, period, file, ext


def screen_form(
    form: Any, user: Any, wiring: UploadWiring, language: str, came: Any, limit: int
) -> screening.Staged:
    """In a worker thread: the form checked, the file staged and screened; a refused file is
    recorded and let go."""
    extract, period, file, ext = form_fields(form, user, wiring)
    if file.size is not None and file.size > limit:
        raise Refusal(413, N_("The file is larger than the limit of {limit} MiB."), limit=limit // 2**20)
    staging = wiring.staging_folder()
    screening.sweep(staging)
    upload_id = secrets.token_hex(16)
    meta = {
        "name": canonical_name(extract, period, ext),
        "uploaded_by": user_name(user),
        "uploaded_at": came.isoformat(),
        "department": extract.department,
        "extract": extract.code,
        "period": period.code,
        "ext": ext,
    }
    staged = screening.stage(staging, upload_id, meta["name"], file.file, meta)
    engine = wiring.writer()
    url = engine.url.render_as_string(hide_password=False)
    try:
        report = wiring.screener.screen(
            staged.file, extract, period, language, url, screening.screen_timeout()
        )
    except ScreenTimeout:
        staged.remove()
        seconds = f"{screening.screen_timeout():g}"
        raise Refusal(
            504, N_("Checking the file took longer than {seconds} s and was stopped."), seconds=seconds
        ) from None
    except ScreenFailed as failed:
        staged.remove()
        log.error("screening %s failed: %s", meta["name"], failed)
        raise Refusal(500, N_("The file could not be checked; tell the data steward.")) from None
    staged = staged.save(report=report.to_json())
    if report.refused:
        upload = as_upload(staged, load_registry())
        record_refusal(engine, upload)
        wiring.audit(upload.uploaded_by, audit_details(upload, "screened_refused"))
        staged.file.unlink(missing_ok=True)  # never delivered: only its report is kept to show
    return staged


def as_upload(staged: screening.Staged, registry: Registry) -> Upload:
    meta = staged.meta
    return Upload(
        staged.upload_id,
        staged.file,
        registry.extract(meta["extract"]),
        parse_period(meta["period"]),
        meta["ext"],
        staged.report,
        meta["uploaded_by"],
        staged.uploaded_at,
    )


def audit_details(upload: Upload, outcome: str) -> dict[str, Any]:
    return {
        "upload_id": upload.upload_id,
        "file": upload.relative,
        "sha256": upload.report.sha256,
        "outcome": outcome,
        "errors": upload.report.errors,
        "warnings": upload.report.warnings,
    }


def own_upload(upload_id: str, user: Any, wiring: UploadWiring) -> screening.Staged:
    """The user's own upload waiting for delivery (404 for any other, or none)."""
    staged = screening.staged(wiring.staging_folder(), upload_id)
    if staged is None or staged.meta.get("uploaded_by") != user_name(user) or "report" not in staged.meta:
        raise Refusal(404, N_("No such upload waits for delivery: upload the file again."))
    if not wiring.may_upload(user, staged.meta["department"]):
        raise Refusal(403, N_("You may not upload files of {extract}."), extract=staged.meta["extract"])
    return staged


def deliver_staged(staged: screening.Staged, user: Any, wiring: UploadWiring, explanation: str | None) -> Any:
    """In a worker thread: delivered, audited, announced, and let go from staging."""
    upload = as_upload(staged, load_registry())
    try:
        placed = deliver(wiring.writer(), wiring.landing(), upload, load_registry(), explanation)
    except NotDeliverable as refusal:
        raise Refusal(*NOT_DELIVERABLE[refusal.reason]) from None
    staged.remove()
    wiring.audit(upload.uploaded_by, audit_details(upload, "delivered") | {"moved_aside": placed.moved_aside})
    try:
        wiring.announce(
            upload.extract.department, upload.extract.code, upload.period.code, upload.uploaded_by
        )
    except Exception:  # delivered all the same: the nightly takes it
        log.exception("announcing %s failed", upload.relative)
    return placed


NOT_DELIVERABLE = {
    "refused": (409, N_("A refused file cannot be delivered: correct it and upload it again.")),
    "explanation_required": (
        400,
        N_("The file has warnings: write an explanation of them, then deliver it."),
    ),
    "changed": (409, N_("The uploaded file changed after it was checked: upload it again.")),
}


# ---- inside Airflow ------------------------------------------------------------------------------


def landing_folder() -> Path:
    """$DEPTSTATS_LANDING, as the workers have it."""
    value = os.environ.get("DEPTSTATS_LANDING")
    if not value:
        raise RuntimeError("no landing folder: set DEPTSTATS_LANDING for the api-server")
    return Path(value)


def airflow_audit(user: str, details: dict[str, Any]) -> None:
    """A row of Airflow's audit log (event AUDIT_EVENT, owner the uploader)."""
    from airflow.models.log import Log
    from airflow.utils.session import create_session

    with create_session() as session:
        session.add(Log(event=AUDIT_EVENT, owner=user, extra=json.dumps(details, ensure_ascii=False)))


def upload_wiring(
    writer: Callable[[], Engine], may_read_loads: Callable[..., Any], **seams: Any
) -> UploadWiring:
    """The upload page inside Airflow: its user, [api] base_url, its audit log. `seams`
    replaces the defaults of UploadWiring: may_upload (until the departments' roles give it,
    whoever may read the nightly's runs may upload for every department), announce (default: the
    reload DAG's asset event, announce_reload)."""
    from airflow.api_fastapi.core_api.security import get_user
    from airflow.providers.common.compat.sdk import conf

    return UploadWiring(
        user=get_user,
        may_read_loads=may_read_loads,
        writer=writer,
        landing=landing_folder,
        base_url=lambda: conf.get("api", "base_url", fallback="") or "",
        audit=airflow_audit,
        **({"announce": announce_reload} | seams),
    )
