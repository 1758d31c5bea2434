"""Draft a reply: the frame from include/replies/<code>.toml, the prose from its template,
every figure from the warehouse, and an appendix tracing each figure to its file, load batch,
validation run and SQL."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from deptstats.paths import include_dir
from deptstats.periods import parse_period
from deptstats.registry import Registry, load_registry
from deptstats.reports import figures

MISSING = "【缺数：{code} {period}】"


@dataclass(frozen=True)
class Draft:
    path: Path
    figures_used: int
    figures_missing: list[str]


def reply_config(code: str) -> dict[str, Any]:
    """The frame of a reply; `code` names a file under include/replies, never a user path."""
    folder = include_dir() / "replies"
    path = folder / f"{code}.toml"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", code) or not path.is_file():
        raise FileNotFoundError(f"no reply configuration {code!r} in {folder}")
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _date_label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def draft_reply(engine: Engine, out_dir: Path, code: str = "reply-2024-147",
                registry: Registry | None = None) -> Draft:
    import jinja2

    registry = registry or load_registry()
    config = reply_config(code)
    citywide = {(f["indicator"], f["period"]): f for f in figures(engine) if f["area"] is None}
    used: list[dict[str, Any]] = []
    missing: list[str] = []

    def fig(indicator_code: str) -> str:
        indicator = registry.indicator(indicator_code)
        extract = registry.extract(indicator.extract)
        period = config["periods"][extract.period]
        found = citywide.get((indicator_code, period))
        if found is None or found["value"] is None:
            missing.append(f"{indicator_code} {period}")
            return MISSING.format(code=indicator_code, period=period)
        if found not in used:
            used.append(found)
        return found["display"]

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(include_dir() / "replies"),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    letter = environment.get_template(config["template"]).render(
        r=config, fig=fig,
        year_label=parse_period(config["periods"]["year"]).label,
        month_label=parse_period(config["periods"]["month"]).label,
        date_label=_date_label(config["date"]),
    )
    text = letter.rstrip() + "\n\n" + _appendix(used, missing, registry)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{code}.md"
    path.write_text(text, encoding="utf-8")
    return Draft(path, len(used), missing)


def _appendix(used: list[dict[str, Any]], missing: list[str], registry: Registry) -> str:
    lines = ["---", "", "## 审核提示 Review notes (not part of the letter)", ""]
    flagged = [f for f in used if f["status"] != "final"]
    for f in flagged:
        lines.append(f"- {f['indicator']} {f['period']} = {f['display']}: {f['note']}")
    for item in missing:
        lines.append(f"- {item}: no published data; the figure is missing from the letter")
    if not flagged and not missing:
        lines.append("- every figure is final: its source passed validation without warnings")
    lines += ["", "## 数据来源 Provenance", "",
              "| # | indicator | period | value | exact value | numerator / denominator | "
              "source file | sha256 | load batch | validation | SQL |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for number, f in enumerate(used, start=1):
        indicator = registry.indicator(f["indicator"])
        ratio = f["numerator"] if f["denominator"] is None else (
            f"{f['numerator']} / {f['denominator']}")
        validation = (
            f"run {f['validation_id']} {f['suite']}: "
            + f["validation"]
            + f", {f['validation_errors']} errors, {f['validation_warnings']} warnings")
        lines.append(
            f"| {number} | {indicator.name} `{f['indicator']}` | {f['period']} | {f['display']} "
            f"| {f['value']} | {ratio} | {f['file']} ({f['source_rows']} rows) | "
            f"`{f['sha256']}` | {f['batch_id']} | {validation} | include/sql/{f['sql_file']} |")
    return "\n".join(lines) + "\n"
