"""The submission board of a reply: for each department, extract and period the reply quotes,
whether it is published (when, how many rows, from which delivery), refused (its first problem in
the reader's language, and the load batch whose problems page lists them all), missing, or late
(missing or refused after its department's due date). "Today" is always given: the command line
takes it in the deployment's time zone, the nightly its run's logical date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, bindparam, text

from deptstats.core import N_, Message, Registry, Speaker, read_sql
from deptstats.reply import Requirements, Source, requirements
from deptstats.warehouse import upload_explanations

PUBLISHED, REFUSED, MISSING, LATE = "published", "refused", "missing", "late"
# what each state of a cell is called where it is shown
STATE_WORDS = {
    PUBLISHED: N_("published"),
    REFUSED: N_("refused"),
    MISSING: N_("missing"),
    LATE: N_("late"),
}
LATE_LINE = N_("late since {due}: {department}, {extract} {period} ({why})")
REFUSED_WHY = N_("refused: {problem}")
REFUSED_LINE = N_("refused: {department}, {extract} {period}, {file}: {problem}")
LINES_HEADING = N_("Submission board of {reply} as of {as_of}: {late} late, {refused} refused")


def _rows(engine: Engine, name: str, **lists: list[Any]) -> list[dict[str, Any]]:
    """Rows of include/sql/board/<name>.sql, each list bound as an expanding parameter."""
    statement = text(read_sql(f"board/{name}.sql")).bindparams(
        *(bindparam(key, expanding=True) for key in lists)
    )
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(statement, lists)]


def _names(source: Source, registry: Registry, language: str) -> dict[str, str]:
    department, extract = registry.department(source.department), registry.extract(source.extract)
    english = language == "en"
    return {
        "department_name": department.name_en if english else department.name,
        "extract_name": extract.code if english else extract.name,
    }


def _refusal(row: dict[str, Any], problem: dict[str, Any] | None, language: str) -> dict[str, Any]:
    """A refused delivery: its first problem worded in `language` (a file refused unread: its
    message, as recorded)."""
    if problem is not None:
        worded = Message.from_stored(problem["rule_code"], problem["params"], problem["rule"]).text(language)
    else:
        worded = (row["message"] or "").strip()
    return {
        "file": row["file"],
        "sha256": row["sha256"],
        "batch_id": row["batch_id"],
        "at": row["last_seen_at"],
        "problem": worded,
        "row": problem["row_number"] if problem else None,
        "column": problem["column_name"] if problem else None,
    }


def board(
    engine: Engine,
    reply: str | Requirements,
    registry: Registry,
    as_of: dt.date,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """One cell per department, extract and period the reply quotes, in the registry's order:
    `status` published, refused, missing or late (a refused or missing cell after its due date;
    `outcome` then says which), `due` and `late`; `published` (at, rows, warnings, batch_id, file,
    sha256, explanation: the uploader's explanation of its warnings as {text, by, at}, or None)
    or None; `refused` (file, sha256, batch_id, at, problem, row, column) or None. A cell
    published since a refusal is published, with `refused` the newer refusal when there is one."""
    needs = reply if isinstance(reply, Requirements) else requirements(reply, registry)
    language = Speaker(language).language
    extracts = sorted({s.extract for s in needs.sources})
    published = {(r["extract"], r["period"]): r for r in _rows(engine, "publications", extracts=extracts)}
    refusals = {(r["extract"], r["period"]): r for r in _rows(engine, "refusals", extracts=extracts)}
    batches = sorted({r["batch_id"] for r in refusals.values() if r["batch_id"] is not None})
    first = {r["batch_id"]: r for r in _rows(engine, "first_problems", batches=batches)} if batches else {}
    explained: dict[str, dict[str, Any]] = {}
    for upload in upload_explanations(engine):  # newest first: the newest of each content
        explained.setdefault(upload["sha256"], upload)
    cells = []
    for source in needs.sources:
        key, due = (source.extract, source.period), needs.due_of(source.department)
        publication, refusal = published.get(key), refusals.get(key)
        if (
            publication is not None
            and refusal is not None
            and refusal["last_seen_at"] <= publication["published_at"]
        ):
            refusal = None  # fixed by the publication
        outcome = PUBLISHED if publication else REFUSED if refusal else MISSING
        late = outcome != PUBLISHED and as_of > due
        cells.append(
            {
                "department": source.department,
                "extract": source.extract,
                "period": source.period,
                **_names(source, registry, language),
                "due": due.isoformat(),
                "status": LATE if late else outcome,
                "outcome": outcome,
                "late": late,
                "published": _publication(publication, explained),
                "refused": _refusal(refusal, first.get(refusal["batch_id"]), language) if refusal else None,
            }
        )
    return cells


def _publication(row: dict[str, Any] | None, explained: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if row is None:
        return None
    keys = ("published_at", "row_count", "warnings", "batch_id", "file", "sha256")
    cell = dict(
        zip(("at", "rows", "warnings", "batch_id", "file", "sha256"), (row[k] for k in keys), strict=True)
    )
    upload = explained.get(row["sha256"]) if row["warnings"] else None
    cell["explanation"] = (
        None
        if upload is None
        else {"text": upload["explanation"], "by": upload["uploaded_by"], "at": upload["uploaded_at"]}
    )
    return cell


def board_lines(
    cells: list[dict[str, Any]], reply: str, as_of: dt.date, language: str | None = None
) -> list[str]:
    """The late and refused cells as lines of a log, a heading first (in `language`, the
    deployment's when None)."""
    _ = Speaker(language)
    late = [c for c in cells if c["late"]]
    refused = [c for c in cells if c["outcome"] == REFUSED and not c["late"]]
    lines = [_(LINES_HEADING, reply=reply, as_of=as_of.isoformat(), late=len(late), refused=len(refused))]
    for cell in late:
        refusal = cell["refused"]
        why = _(REFUSED_WHY, problem=refusal["problem"]) if refusal else _.gettext(STATE_WORDS[MISSING])
        lines.append(
            _(
                LATE_LINE,
                due=cell["due"],
                department=cell["department_name"],
                extract=cell["extract_name"],
                period=cell["period"],
                why=why,
            )
        )
    for cell in refused:
        lines.append(
            _(
                REFUSED_LINE,
                department=cell["department_name"],
                extract=cell["extract_name"],
                period=cell["period"],
                file=cell["refused"]["file"],
                problem=cell["refused"]["problem"],
            )
        )
    return lines
