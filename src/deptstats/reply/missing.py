"""Why a figure the draft quotes is missing, worked out from the warehouse: its extract and
period has no publication (never delivered, or refused), or it is published but the indicator
has no value (compute_indicators failed, or the value is undefined) or only one computed from
a delivery since replaced (compute_indicators failed after that load)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from deptstats.core import Registry
from deptstats.indicators import query

Key = tuple[str, str, str | None]
MESSAGE_LIMIT = 160


def _first_line(message: str | None) -> str:
    line = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    return line if len(line) <= MESSAGE_LIMIT else line[:MESSAGE_LIMIT] + "…"


def _undefined(record: dict[str, Any]) -> str:
    if record.get("denominator") is not None and float(record["denominator"]) == 0:
        return "zero_denominator"
    return "no_numerator"


def why_missing(
    engine: Engine, keys: list[Key], records: dict[Key, dict[str, Any]], registry: Registry
) -> dict[Key, dict[str, Any]]:
    """For each (indicator, period, area) quoted without a value: why, as the parameters of a
    missing figure's note (notes.Note: `why` a key of notes.WHY, and its sentence's parameters).
    `records` are the warehouse's figures by key (reports.figures_by_key)."""
    sources = {(row["extract"], row["period"]): row for row in query(engine, "extract_periods")}
    found: dict[Key, dict[str, Any]] = {}
    for key in keys:
        indicator, period, _area = key
        extract = registry.extract(registry.indicator(indicator).extract)
        name = f"{extract.task_id} {period}"
        source = sources.get((extract.code, period))
        if source is not None and source["published_batch"] is not None:
            published = {"source": name, "published": source["published_batch"]}
            record = records.get(key)
            if record is not None and record["batch_id"] != source["published_batch"]:
                found[key] = {
                    "why": "replaced",
                    **published,
                    "indicator": indicator,
                    "batch": record["batch_id"],
                }
            elif record is not None:
                found[key] = {"why": _undefined(record), **published}
            else:
                found[key] = {"why": "not_computed", **published, "indicator": indicator}
        elif source is None:
            stem = f"{extract.department}/{extract.code}_{period}"
            found[key] = {"why": "never_delivered", "source": name, "stem": stem}
        elif source["status"] == "rejected":
            message = _first_line(source["message"])
            found[key] = {"why": "refused", "source": name, "file": source["file"], "message": message}
        else:
            found[key] = {
                "why": "not_published",
                "source": name,
                "file": source["file"],
                "status": source["status"],
            }
    return found
