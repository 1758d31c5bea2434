"""The review document that goes with a draft, never into the letter: notes for the reviewer
(flagged and missing figures, names a GB2312 font cannot show) and the provenance of every
figure (file, sha256, load batch, validation run, SQL). Written as Markdown and DOCX, and as
JSON for `deptstats diff`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deptstats.core import Registry
from deptstats.reply.model import Letter, Quoted

NOTES_HEADING = "审核提示 Review notes"
# the start of the note a complete draft's review gets when a newer draft is incomplete
NEWER_INCOMPLETE = "A NEWER DRAFT OF THIS REPLY IS INCOMPLETE"
COLUMNS = [
    "#",
    "indicator",
    "period",
    "area",
    "value",
    "exact value",
    "numerator / denominator",
    "source file",
    "sha256",
    "load batch",
    "validation",
    "SQL",
]


def notes(letter: Letter) -> list[str]:
    return findings(letter) or ["every figure is final: its source passed validation without warnings"]


def findings(letter: Letter) -> list[str]:
    """What the reviewer must look at: missing and flagged figures, warnings; [] when none."""
    found = []
    for q in unique(letter.quoted):
        if q.record is None:
            why = letter.why.get(q.key, "no published data")
            found.append(f"{label(q)}: {why}; the letter shows {q.shown}")
        elif q.record["status"] != "final":
            found.append(f"{label(q)} = {q.shown}: {q.record['note']}")
    found += [f"warning: {w}" for w in letter.warnings]
    return found


def label(q: Quoted) -> str:
    return f"{q.indicator} {q.period}" + (f" {q.area}" if q.area else "")


def unique(quoted: list[Quoted]) -> list[Quoted]:
    seen, kept = set(), []
    for q in quoted:
        if q.key not in seen:
            seen.add(q.key)
            kept.append(q)
    return kept


def provenance_rows(letter: Letter, registry: Registry) -> list[list[str]]:
    rows = []
    for number, q in enumerate([q for q in unique(letter.quoted) if q.record], start=1):
        f = q.record
        ratio = f["numerator"] if f["denominator"] is None else (f"{f['numerator']} / {f['denominator']}")
        validation = (
            f"run {f['validation_id']} {f['suite']}: {f['validation']}, "
            f"{f['validation_errors']} errors, {f['validation_warnings']} warnings"
        )
        rows.append(
            [
                str(number),
                f"{registry.indicator(q.indicator).name} {q.indicator}",
                q.period,
                q.area or "全市",
                q.shown,
                str(f["value"]),
                str(ratio),
                f"{f['file']} ({f['source_rows']} rows)",
                f["sha256"],
                str(f["batch_id"]),
                validation,
                f"include/sql/{f['sql_file']}",
            ]
        )
    return rows


def write_markdown(letter: Letter, registry: Registry, path: Path) -> Path:
    config = letter.config
    lines = [
        f"# 审核单 Review of {config['code']} ({config['document_number']})",
        "",
        "Not part of the letter.",
        "",
        f"## {NOTES_HEADING}",
        "",
    ]
    lines += [f"- {note}" for note in notes(letter)]
    lines += [
        "",
        "## 数据来源 Provenance",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in provenance_rows(letter, registry):
        row[8] = f"`{row[8]}`"
        lines.append("| " + " | ".join(row) + " |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_docx(letter: Letter, registry: Registry, path: Path) -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    from deptstats.reply.gbt9704 import FANGSONG, set_fonts

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    document.add_heading(
        f"审核单 Review of {letter.config['code']} "
        f"({letter.config['document_number']}): not part of the letter",
        1,
    )
    document.add_heading(NOTES_HEADING, 2)
    for note in notes(letter):
        document.add_paragraph(note, style="List Bullet")
    document.add_heading("数据来源 Provenance", 2)
    rows = provenance_rows(letter, registry)
    table = document.add_table(rows=1 + len(rows), cols=len(COLUMNS))
    table.style = "Table Grid"
    for r, values in enumerate([COLUMNS, *rows]):
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


def newer_incomplete_note(incomplete: list[Path], missing: list[str]) -> str:
    return (
        f"{NEWER_INCOMPLETE}: {', '.join(p.name for p in incomplete)}, with "
        f"{len(missing)} figure(s) missing ({', '.join(missing)}). This draft was made "
        "before it: check its figures against the warehouse (deptstats verify) before "
        "sending it."
    )


def name_newer_incomplete(path: Path, incomplete: list[Path], missing: list[str]) -> Path:
    """Add to a complete draft's review notes (.review.md or .review.docx) that a newer draft is
    incomplete, replacing such a note from an earlier night."""
    note = newer_incomplete_note(incomplete, missing)
    if path.suffix == ".md":
        lines = [
            line
            for line in path.read_text(encoding="utf-8").split("\n")
            if not line.startswith(f"- {NEWER_INCOMPLETE}")
        ]
        heading = f"## {NOTES_HEADING}"
        # at the top when the notes' heading was edited away by hand
        at = lines.index(heading) + 2 if heading in lines else 0
        path.write_text("\n".join([*lines[:at], f"- {note}", *lines[at:]]), encoding="utf-8")
        return path
    from docx import Document
    from docx.shared import Pt

    from deptstats.reply.gbt9704 import FANGSONG, set_fonts

    document = Document(str(path))
    for paragraph in document.paragraphs:
        if paragraph.text.startswith(NEWER_INCOMPLETE):
            paragraph._p.getparent().remove(paragraph._p)
    heading = next((p for p in document.paragraphs if p.text == NOTES_HEADING), None)
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
    changed figure, with the review notes (none: []), which the sign-off shows the approver."""
    data = {
        "reply": letter.config["code"],
        "figures": [provenance_record(q) for q in unique(letter.quoted)],
        "notes": findings(letter),
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return path
