"""Draft a reply: the frame from include/replies/<code>.toml, the body from its template, every
figure from the warehouse. The letter is written as Markdown and as a GB/T 9704-2012 DOCX; the
review notes and provenance go to a separate review document, never into the letter."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from deptstats.paths import include_dir
from deptstats.periods import parse_period
from deptstats.registry import Registry, load_registry
from deptstats.reports import figures_by_key

# no blanks inside, so the placeholder reads the same after a document's blanks are dropped
MISSING = "【缺数：{code}（{period}{area}）】"
TITLE_LINE_LIMIT = 20
FORMATS = ("md", "docx")


@dataclass(frozen=True)
class Quoted:
    """A figure the letter quotes: what it says and the warehouse record behind it (None when
    nothing is published)."""

    indicator: str
    period: str
    area: str | None
    shown: str
    record: dict[str, Any] | None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.indicator, self.period, self.area)


@dataclass
class Letter:
    config: dict[str, Any]
    blocks: list[tuple[str, str]]  # ("heading" | "paragraph", text)
    quoted: list[Quoted]
    warnings: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[Quoted]:
        return [q for q in self.quoted if q.record is None]


@dataclass(frozen=True)
class Draft:
    figures_used: int
    figures_missing: list[str]
    paths: tuple[Path, ...]
    warnings: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        """The first format's file."""
        return self.paths[0]


def reply_codes() -> list[str]:
    return sorted(p.stem for p in (include_dir() / "replies").glob("*.toml"))


def reply_config(code: str) -> dict[str, Any]:
    """The frame of a reply; `code` names a file under include/replies, never a user path."""
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


def date_label(day: date) -> str:
    """成文日期 with Arabic numerals and no leading zero: 2024年6月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def render_body(config: dict[str, Any], fig: Callable[..., str]) -> str:
    """The template's text with fig(indicator, area=None) supplying each figure."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(include_dir() / "replies"),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    return environment.get_template(config["template"]).render(
        r=config, fig=fig,
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


def gb2312_warnings(config: dict[str, Any]) -> list[str]:
    """Names with a character outside GB2312: fonts such as 仿宋_GB2312 cannot show it, so the
    office must check it in print."""
    names = {"office": [config["office"]], "signer": [config["signer"]],
             "deputy": [config["deputy"]], "contact": [config["contact"]],
             "copy_to": config["copy_to"], "printed_by": [config["printed_by"]]}
    found = []
    for role, values in names.items():
        for value in values:
            for char in value:
                try:
                    char.encode("gb2312")
                except UnicodeEncodeError:
                    found.append(f"{role} {value!r}: {char!r} (U+{ord(char):04X}) is outside "
                                 "GB2312; GB2312 fonts will not show it, check the printed letter")
    return found


def build_letter(engine: Engine, code: str = "reply-2024-147",
                 registry: Registry | None = None) -> Letter:
    registry = registry or load_registry()
    config = reply_config(code)
    records = figures_by_key(engine)
    quoted: list[Quoted] = []

    def fig(indicator_code: str, area: str | None = None) -> str:
        period = figure_period(config, indicator_code, registry)
        found = records.get((indicator_code, period, area))
        if found is None or found["value"] is None:
            shown = MISSING.format(code=indicator_code, period=period,
                                   area=f"，{area}" if area else "")
            found = None
        else:
            shown = found["display"]
        quoted.append(Quoted(indicator_code, period, area, shown, found))
        return shown

    blocks = body_blocks(render_body(config, fig))
    return Letter(config, blocks, quoted, gb2312_warnings(config))


def draft_reply(engine: Engine, out_dir: Path, code: str = "reply-2024-147",
                registry: Registry | None = None, formats: tuple[str, ...] = FORMATS) -> Draft:
    """Write the letter in each format and the review documents beside it; the returned path is
    the first format's."""
    from deptstats import gbt9704, letter_text, review

    registry = registry or load_registry()
    letter = build_letter(engine, code, registry)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        path = out_dir / f"{code}.{fmt}"
        if fmt == "md":
            path.write_text(letter_text.markdown(letter), encoding="utf-8")
            review.write_markdown(letter, registry, out_dir / f"{code}.review.md")
        else:
            gbt9704.write_docx(letter, path)
            review.write_docx(letter, registry, out_dir / f"{code}.review.docx")
        paths.append(path)
    review.write_provenance(letter, out_dir / f"{code}.provenance.json")
    used = {q.key for q in letter.quoted if q.record is not None}
    missing = [review.label(q) for q in letter.missing]
    return Draft(len(used), missing, tuple(paths), tuple(letter.warnings))
