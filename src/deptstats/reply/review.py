"""The review document that goes with a draft, never into the letter: notes for the reviewer
(flagged and missing figures, names a GB2312 font cannot show) and the provenance of every
figure (file, sha256, load batch, validation run, SQL). Written as Markdown and DOCX, and as
JSON for `deptstats diff`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deptstats.core import LANGUAGES, N_, Registry, Speaker, gettext
from deptstats.indicators import read_note
from deptstats.reply.model import Letter, Quoted
from deptstats.reply.notes import Figure, Note

NOTES_HEADING = N_("Review notes")
# the notes' heading as drafts before the catalogs wrote it
OLD_NOTES_HEADING = "审核提示 Review notes"
# the start of the note a complete draft's review gets when a newer draft is incomplete
NEWER_INCOMPLETE = N_("A NEWER DRAFT OF THIS REPLY IS INCOMPLETE")
NEWER_INCOMPLETE_TEXT = N_(
    "{marker}: {files}, with {count} figure(s) missing ({figures}). This draft was made before it: "
    "check its figures against the warehouse (deptstats verify) before sending it."
)
NO_FINDINGS = N_("every figure is final: its source passed validation without warnings")
TITLE = N_("Review of {code} ({document_number})")
TITLE_DOCX = N_("Review of {code} ({document_number}): not part of the letter")
NOT_THE_LETTER = N_("Not part of the letter.")
PROVENANCE = N_("Provenance")
CITYWIDE = N_("citywide")
COLUMNS = [
    N_("#"),
    N_("indicator"),
    N_("period"),
    N_("area"),
    N_("value"),
    N_("exact value"),
    N_("numerator / denominator"),
    N_("source file"),
    N_("sha256"),
    N_("load batch"),
    N_("validation"),
    N_("SQL"),
]
VALIDATION = N_("run {validation_id} {suite}: {result}, {errors} errors, {warnings} warnings")
RESULTS = {"passed": N_("passed"), "failed": N_("failed")}
SOURCE_FILE = N_("{file} ({rows} rows)")


def notes(letter: Letter, language: str | None = None) -> list[str]:
    """The review notes as the review document says them."""
    return [note.text(language) for note in findings(letter)] or [gettext(NO_FINDINGS, language)]


def findings(letter: Letter) -> list[Note]:
    """What the reviewer must look at: missing and flagged figures, warnings; [] when none."""
    found = []
    for q in unique(letter.quoted):
        figure = Figure(q.indicator, q.period, q.area, q.shown)
        if q.record is None:
            found.append(Note(Note.MISSING, figure, letter.why.get(q.key, {"why": "unknown"})))
        elif q.record["status"] != "final":
            found += flagged_notes(
                figure, read_note(q.record["note"]), letter.explained.get(q.record["sha256"])
            )
    return found + list(letter.warnings)


def flagged_notes(figure: Figure, reasons: dict[str, Any], explained: dict[str, Any] | None) -> list[Note]:
    """A flagged figure's notes: its source file's warnings, when their uploader explained them,
    in a note of their own that gives the explanation; what else flags it, as flagged."""
    if explained is None or not reasons.get("warnings"):
        return [Note(Note.FLAGGED, figure, reasons)]
    rest = {key: value for key, value in reasons.items() if key != "warnings"}
    params = {
        "warnings": reasons["warnings"],
        "explanation": explained["explanation"],
        "uploaded_by": explained["uploaded_by"],
    }
    return ([Note(Note.FLAGGED, figure, rest)] if rest else []) + [Note(Note.EXPLAINED, figure, params)]


def label(q: Quoted) -> str:
    return f"{q.indicator} {q.period}" + (f" {q.area}" if q.area else "")


def unique(quoted: list[Quoted]) -> list[Quoted]:
    seen, kept = set(), []
    for q in quoted:
        if q.key not in seen:
            seen.add(q.key)
            kept.append(q)
    return kept


def provenance_rows(letter: Letter, registry: Registry, language: str | None = None) -> list[list[str]]:
    _, rows = Speaker(language), []
    for number, q in enumerate([q for q in unique(letter.quoted) if q.record], start=1):
        f = q.record
        ratio = f["numerator"] if f["denominator"] is None else (f"{f['numerator']} / {f['denominator']}")
        validation = _(
            VALIDATION,
            validation_id=f["validation_id"],
            suite=f["suite"],
            result=_.gettext(RESULTS[f["validation"]]) if f["validation"] in RESULTS else f["validation"],
            errors=f["validation_errors"],
            warnings=f["validation_warnings"],
        )
        rows.append(
            [
                str(number),
                f"{registry.indicator(q.indicator).name} {q.indicator}",
                q.period,
                q.area or _.gettext(CITYWIDE),
                q.shown,
                str(f["value"]),
                str(ratio),
                _(SOURCE_FILE, file=f["file"], rows=f["source_rows"]),
                f["sha256"],
                str(f["batch_id"]),
                validation,
                f"include/sql/{f['sql_file']}",
            ]
        )
    return rows


def write_markdown(letter: Letter, registry: Registry, path: Path, language: str | None = None) -> Path:
    """The review document in Markdown, in `language` (the deployment's when None)."""
    _, config = Speaker(language), letter.config
    lines = [
        "# " + _(TITLE, code=config["code"], document_number=config["document_number"]),
        "",
        _.gettext(NOT_THE_LETTER),
        "",
        f"## {_.gettext(NOTES_HEADING)}",
        "",
    ]
    lines += [f"- {note}" for note in notes(letter, _.language)]
    lines += [
        "",
        f"## {_.gettext(PROVENANCE)}",
        "",
        "| " + " | ".join(_.gettext(c) for c in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in provenance_rows(letter, registry, _.language):
        row[8] = f"`{row[8]}`"
        lines.append("| " + " | ".join(row) + " |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_docx(letter: Letter, registry: Registry, path: Path, language: str | None = None) -> Path:
    """The review document as DOCX, in `language` (the deployment's when None)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    from deptstats.reply.gbt9704 import FANGSONG, set_fonts

    _, document = Speaker(language), Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    config = letter.config
    document.add_heading(_(TITLE_DOCX, code=config["code"], document_number=config["document_number"]), 1)
    document.add_heading(_.gettext(NOTES_HEADING), 2)
    for note in notes(letter, _.language):
        document.add_paragraph(note, style="List Bullet")
    document.add_heading(_.gettext(PROVENANCE), 2)
    rows = provenance_rows(letter, registry, _.language)
    table = document.add_table(rows=1 + len(rows), cols=len(COLUMNS))
    table.style = "Table Grid"
    for r, values in enumerate([[_.gettext(c) for c in COLUMNS], *rows]):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    for paragraph in document.paragraphs + [
        p for row in table.rows for cell in row.cells for p in cell.paragraphs
    ]:
        for run in paragraph.runs:
            set_fonts(run, FANGSONG)
            if paragraph.style.name == "Normal":
                run.font.size = Pt(8)
    document.save(path)
    return path


def newer_incomplete_note(incomplete: list[Path], missing: list[str], language: str | None = None) -> str:
    _ = Speaker(language)
    return _(
        NEWER_INCOMPLETE_TEXT,
        marker=_.gettext(NEWER_INCOMPLETE),
        files=", ".join(p.name for p in incomplete),
        count=len(missing),
        figures=", ".join(missing),
    )


def _markers() -> tuple[str, ...]:
    """How the note of a newer incomplete draft starts, in every language: an earlier night's
    may be in another."""
    return tuple({gettext(NEWER_INCOMPLETE, language) for language in LANGUAGES})


def _headings() -> set[str]:
    return {OLD_NOTES_HEADING, *(gettext(NOTES_HEADING, language) for language in LANGUAGES)}


def name_newer_incomplete(path: Path, incomplete: list[Path], missing: list[str]) -> Path:
    """Add to a complete draft's review notes (.review.md or .review.docx) that a newer draft is
    incomplete, replacing such a note from an earlier night."""
    note = newer_incomplete_note(incomplete, missing)
    if path.suffix == ".md":
        lines = [
            line
            for line in path.read_text(encoding="utf-8").split("\n")
            if not line.startswith(tuple(f"- {marker}" for marker in _markers()))
        ]
        headings = [i for i, line in enumerate(lines) if line.startswith("## ") and line[3:] in _headings()]
        # at the top when the notes' heading was edited away by hand
        at = headings[0] + 2 if headings else 0
        path.write_text("\n".join([*lines[:at], f"- {note}", *lines[at:]]), encoding="utf-8")
        return path
    from docx import Document
    from docx.shared import Pt

    from deptstats.reply.gbt9704 import FANGSONG, set_fonts

    document = Document(str(path))
    for paragraph in document.paragraphs:
        if paragraph.text.startswith(_markers()):
            paragraph._p.getparent().remove(paragraph._p)
    heading = next((p for p in document.paragraphs if p.text in _headings()), None)
    added = document.add_paragraph(note, style="List Bullet")
    if heading is not None:
        heading._p.addnext(added._p)
    elif document.paragraphs[0] is not added:  # the heading edited away: at the top
        document.paragraphs[0]._p.addprevious(added._p)
    for run in added.runs:
        set_fonts(run, FANGSONG)
        run.font.size = Pt(8)
    document.save(str(path))
    return path


def provenance_record(q: Quoted) -> dict[str, Any]:
    keys = ("value", "display", "file", "sha256", "batch_id", "source_rows")
    record = {key: (q.record or {}).get(key) for key in keys}
    return {"indicator": q.indicator, "period": q.period, "area": q.area, "shown": q.shown, **record}


def write_provenance(letter: Letter, path: Path) -> Path:
    """Machine-readable provenance, read by `deptstats diff` to name the deliveries behind a
    changed figure, with the review notes as data (notes.Note.to_json; none: []), which the
    sign-off shows the approver in its own words."""
    data = {
        "reply": letter.config["code"],
        "figures": [provenance_record(q) for q in unique(letter.quoted)],
        "notes": [note.to_json() for note in findings(letter)],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return path
