"""Draft a reply: its configuration from include/replies/<code>.toml, the body from its template,
every figure from the warehouse. The letter is written as Markdown and as a GB/T 9704-2012 DOCX; the
review notes and provenance go to a separate review document, never into the letter.

A draft with a figure missing never replaces the last complete one: it is written as
<code>.INCOMPLETE.md/.docx (and .INCOMPLETE.review.*), and the complete draft's review notes name
it; the next complete draft removes it."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from deptstats.core import N_, Registry, Speaker, include_dir, parse_period
from deptstats.indicators import figures_by_key, query, read_note
from deptstats.reply import gbt9704, letter_text, review
from deptstats.reply.missing import why_missing
from deptstats.reply.model import MISSING, Letter, Quoted, date_label
from deptstats.reply.notes import Figure, Note
from deptstats.warehouse import explanation_of

TITLE_LINE_LIMIT = 20
FORMATS = ("md", "docx")
INCOMPLETE = "INCOMPLETE"
# every file a draft writes, by the part of the name after <code>[.INCOMPLETE]
DRAFT_FILES = ("md", "docx", "review.md", "review.docx", "provenance.json")
INCOMPLETE_MESSAGE = N_(
    "INCOMPLETE draft: {count} figure(s) missing, written as {names}; {kept}. Missing figures and why:"
)
KEPT = N_("the last complete draft {names} is left as it was and its review notes name this one")
NOTHING_KEPT = N_("there is no complete draft to keep")
WHY_LINE = N_("{figure}: {why}")


@dataclass(frozen=True)
class Draft:
    figures_used: int
    figures_missing: list[str]
    paths: tuple[Path, ...]  # the letter in each format; <code>.INCOMPLETE.* when incomplete
    warnings: tuple[str, ...] = ()  # worded in the deployment's language, as each one below
    why_missing: tuple[str, ...] = ()  # "<figure>: <why>" for each missing figure
    complete_paths: tuple[Path, ...] = ()  # when incomplete: the complete draft left as it was

    @property
    def path(self) -> Path:
        """The first format's file."""
        return self.paths[0]

    @property
    def incomplete(self) -> bool:
        return bool(self.figures_missing)

    def missing_message(self) -> str:
        """What an incomplete draft tells its reader: where it went, and each missing figure
        with why."""
        _ = Speaker()
        kept = (
            _(KEPT, names=", ".join(p.name for p in self.complete_paths))
            if self.complete_paths
            else _.gettext(NOTHING_KEPT)
        )
        names = ", ".join(p.name for p in self.paths)
        lines = [_(INCOMPLETE_MESSAGE, count=len(self.figures_missing), names=names, kept=kept)]
        return "\n".join(lines + [f"  - {line}" for line in self.why_missing])


def reply_config(code: str) -> dict[str, Any]:
    """The configuration of a reply; `code` names a file under include/replies, never a user path."""
    folder = include_dir() / "replies"
    path = folder / f"{code}.toml"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", code) or not path.is_file():
        raise FileNotFoundError(f"no reply configuration {code!r} in {folder}")
    with path.open("rb") as handle:
        config = tomllib.load(handle)
    too_long = [line for line in config["title_lines"] if len(line) > TITLE_LINE_LIMIT]
    if too_long:
        raise ValueError(f"{path.name}: title line over {TITLE_LINE_LIMIT} characters: {too_long}")
    return config


def render_body(config: dict[str, Any], fig: Callable[..., str]) -> str:
    """The template's text with fig(indicator, area=None) supplying each figure."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(include_dir() / "replies"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    return environment.get_template(config["template"]).render(
        r=config,
        fig=fig,
        year_label=parse_period(config["periods"]["year"]).label,
        month_label=parse_period(config["periods"]["month"]).label,
        date_label=date_label(config["date"]),
    )


def body_blocks(body: str) -> list[tuple[str, str]]:
    blocks = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        text = " ".join(line.strip() for line in chunk.splitlines()).strip()
        if text.startswith("### "):
            blocks.append(("heading", text[4:].strip()))
        elif text:
            blocks.append(("paragraph", text))
    return blocks


def figure_period(config: dict[str, Any], indicator_code: str, registry: Registry) -> str:
    extract = registry.extract(registry.indicator(indicator_code).extract)
    return config["periods"][extract.period]


def gb2312_warnings(config: dict[str, Any]) -> list[Note]:
    """Names with a character outside GB2312: fonts such as 仿宋_GB2312 cannot show it, so the
    office must check it in print."""
    names = {
        "office": [config["office"]],
        "signer": [config["signer"]],
        "deputy": [config["deputy"]],
        "contact": [config["contact"]],
        "copy_to": config["copy_to"],
        "printed_by": [config["printed_by"]],
    }
    found = []
    for role, values in names.items():
        for value in values:
            for char in value:
                try:
                    char.encode("gb2312")
                except UnicodeEncodeError:
                    params = {"role": role, "name": value, "char": char, "code": f"{ord(char):04X}"}
                    found.append(Note(Note.GB2312, None, params))
    return found


def build_letter(engine: Engine, code: str, registry: Registry) -> Letter:
    config = reply_config(code)
    records = figures_by_key(engine)
    published = {
        (row["extract"], row["period"]): row["batch_id"] for row in query(engine, "published_batches")
    }
    quoted: list[Quoted] = []

    def fig(indicator_code: str, area: str | None = None) -> str:
        period = figure_period(config, indicator_code, registry)
        found = records.get((indicator_code, period, area))
        source = (registry.indicator(indicator_code).extract, period)
        # a value computed from a delivery since replaced is not tonight's figure (the
        # compute after that load failed): it is missing, not quoted stale
        if found is None or found["value"] is None or found["batch_id"] != published.get(source):
            shown = MISSING.format(code=indicator_code, period=period, area=f"，{area}" if area else "")
            found = None
        else:
            shown = found["display"]
        quoted.append(Quoted(indicator_code, period, area, shown, found))
        return shown

    blocks = body_blocks(render_body(config, fig))
    letter = Letter(config, blocks, quoted, gb2312_warnings(config))
    if letter.missing:
        letter.why = why_missing(engine, [q.key for q in letter.missing], records, registry)
    letter.explained = explanations(engine, letter)
    return letter


def explanations(engine: Engine, letter: Letter) -> dict[str, dict[str, Any]]:
    """The explanations given with the uploads of the quoted figures' source files whose
    publication has warnings, by sha256."""
    warned = {
        q.record["sha256"] for q in letter.quoted if q.record and read_note(q.record["note"]).get("warnings")
    }
    found = {}
    with engine.connect() as conn:
        for sha256 in sorted(warned):
            if (explained := explanation_of(conn, sha256)) is not None:
                found[sha256] = explained
    return found


def draft_reply(
    engine: Engine,
    out_dir: Path,
    code: str,
    registry: Registry,
    formats: tuple[str, ...] = FORMATS,
) -> Draft:
    """Write the letter in each format and the review documents beside it; the returned path is
    the first format's. A letter with a figure missing goes to <code>.INCOMPLETE.*, leaving the
    complete draft as it was; a complete letter removes an earlier incomplete one."""
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    letter = build_letter(engine, code, registry)
    out_dir.mkdir(parents=True, exist_ok=True)
    missing = [review.label(q) for q in review.unique(letter.missing)]
    stem = f"{code}.{INCOMPLETE}" if missing else code
    paths = _write(letter, registry, out_dir, stem, formats)
    complete: list[Path] = []
    if missing:
        complete = [p for p in (out_dir / f"{code}.{fmt}" for fmt in formats) if p.is_file()]
        for suffix in ("review.md", "review.docx"):
            if (out_dir / f"{code}.{suffix}").is_file():
                review.name_newer_incomplete(out_dir / f"{code}.{suffix}", paths, missing)
    else:
        for suffix in DRAFT_FILES:
            (out_dir / f"{code}.{INCOMPLETE}.{suffix}").unlink(missing_ok=True)
    used = {q.key for q in letter.quoted if q.record is not None}
    _ = Speaker()
    why = tuple(
        _(WHY_LINE, figure=review.label(q), why=missing_note(letter, q).why(_.language))
        for q in review.unique(letter.missing)
    )
    warnings = tuple(note.text(_.language) for note in letter.warnings)
    return Draft(len(used), missing, tuple(paths), warnings, why, tuple(complete))


def missing_note(letter: Letter, q: Quoted) -> Note:
    figure = Figure(q.indicator, q.period, q.area, q.shown)
    return Note(Note.MISSING, figure, letter.why.get(q.key, {"why": "unknown"}))


def _write(
    letter: Letter, registry: Registry, out_dir: Path, stem: str, formats: tuple[str, ...]
) -> list[Path]:
    paths = []
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        if fmt == "md":
            path.write_text(letter_text.markdown(letter), encoding="utf-8")
            review.write_markdown(letter, registry, out_dir / f"{stem}.review.md")
        else:
            gbt9704.write_docx(letter, path)
            review.write_docx(letter, registry, out_dir / f"{stem}.review.docx")
        paths.append(path)
    review.write_provenance(letter, out_dir / f"{stem}.provenance.json")
    return paths
