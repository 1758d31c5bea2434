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
        return "its denominator is 0"
    return "its SQL gave no numerator"


def why_missing(
    engine: Engine, keys: list[Key], records: dict[Key, dict[str, Any]], registry: Registry
) -> dict[Key, str]:
    """For each (indicator, period, area) quoted without a value: why, in a steward's words.
    `records` are the warehouse's figures by key (reports.figures_by_key)."""
    sources = {(row["extract"], row["period"]): row for row in query(engine, "extract_periods")}
    found = {}
    for key in keys:
        indicator, period, area = key
        extract = registry.extract(registry.indicator(indicator).extract)
        name = f"{extract.task_id} {period}"
        source = sources.get((extract.code, period))
        where = f" for {area}" if area else ""
        if source is not None and source["published_batch"] is not None:
            published = f"{name} is published (load batch {source['published_batch']})"
            record = records.get(key)
            if record is not None and record["batch_id"] != source["published_batch"]:
                found[key] = (
                    f"{published}, but {indicator}{where} was computed from load batch "
                    f"{record['batch_id']}, a delivery since replaced: "
                    "compute_indicators failed or has not run since"
                )
            elif record is not None:
                found[key] = f"{published}, but the value{where} is undefined: {_undefined(record)}"
            else:
                found[key] = (
                    f"{published}, but {indicator} has no computed value{where}: "
                    "compute_indicators failed or has not run since"
                )
        elif source is None:
            found[key] = (
                f"{name} has no publication: never delivered (no file "
                f"{extract.department}/{extract.code}_{period}.csv/.xlsx/.json has "
                "reached the landing folder)"
            )
        elif source["status"] == "rejected":
            found[key] = (
                f"{name} has no publication: {source['file']} was refused ({_first_line(source['message'])})"
            )
        else:
            found[key] = f"{name} has no publication: its delivery {source['file']} is {source['status']}"
    return found
