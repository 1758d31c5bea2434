"""Indicators: SQL in include/sql/indicators/ aggregates the published rows of one period into a
numerator and denominator, citywide and per area; the value is their exact quotient, scaled by
the registry's multiplier and rounded half-up in Decimal arithmetic (SQLite has no decimal type,
so no rounding happens in binary floating point)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, Date, Engine, bindparam, delete, insert, select, text

from deptstats.core import N_, Indicator, Registry, parse_period, read_sql
from deptstats.indicators.flag_notes import SEPARATOR, moved_note, source_warnings_note
from deptstats.warehouse import hold, metadata_for, utcnow

PEOPLE_UNITS = ("人", "人次")
# SQLite returns sums of decimal columns as binary floats; amounts carry at most 6 decimals
# (the readers refuse more), so quantizing to 6 places restores the exact sum.
AMOUNT_QUANTUM = Decimal("0.000001")


def exact(number: Any) -> Decimal | None:
    if number is None:
        return None
    if isinstance(number, float):
        return Decimal(repr(number)).quantize(AMOUNT_QUANTUM)
    return Decimal(number)


def indicator_value(
    indicator: Indicator, numerator: Decimal | None, denominator: Decimal | None
) -> Decimal | None:
    """numerator x multiplier (/ denominator), rounded half-up to the indicator's decimals."""
    if numerator is None:
        return None
    if denominator is not None:
        if denominator == 0:
            return None
        raw = numerator * indicator.multiplier / denominator
    else:
        raw = numerator * indicator.multiplier
    return round_half_up(raw, indicator.decimals)


def round_half_up(number: Decimal, decimals: int) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def plain(number: Decimal) -> str:
    """Trailing zeros and a bare trailing point dropped: 100.0 -> 100, 99.90 -> 99.9."""
    text_form = format(number, "f")
    if "." in text_form:
        text_form = text_form.rstrip("0").rstrip(".")
    return text_form


def display(indicator: Indicator, value: Decimal | None) -> str:
    """The figure as the reply writes it: 84.18%, 0/万, 192.9万元, 15000余人次."""
    if value is None:
        return "—"
    if (
        indicator.approximate_people
        and indicator.unit in PEOPLE_UNITS
        and value >= 10000
        and value % 1000 != 0
    ):
        thousands = (value / 1000).to_integral_value(rounding=ROUND_FLOOR) * 1000
        return f"{plain(thousands)}余{indicator.unit}"
    return f"{plain(value)}{indicator.unit}"


@dataclass(frozen=True)
class IndicatorRow:
    indicator: str
    period: str
    area: str | None
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    display: str


def run_indicator_sql(conn: Connection, indicator: Indicator, period_code: str) -> list[IndicatorRow]:
    """The indicator for one period: citywide row first, then areas in name order."""
    sql = read_sql(indicator.sql_file)
    period = parse_period(period_code)
    params: dict[str, Any] = {"period": period_code}
    statement = text(sql)
    if ":first_day" in sql:
        statement = statement.bindparams(
            bindparam("first_day", type_=Date()), bindparam("last_day", type_=Date())
        )
        params |= {"first_day": period.first_day, "last_day": period.last_day}
    rows = []
    for area, numerator, denominator in conn.execute(statement, params):
        num, den = exact(numerator), exact(denominator)
        value = indicator_value(indicator, num, den)
        rows.append(
            IndicatorRow(indicator.code, period_code, area, num, den, value, display(indicator, value))
        )
    rows.sort(key=lambda r: (r.area is not None, r.area or ""))
    return rows


@dataclass(frozen=True)
class Move:
    """A citywide value against the same indicator in the last earlier published period."""

    indicator: Indicator
    period: str
    value: Decimal
    earlier_period: str
    earlier_value: Decimal

    @property
    def change(self) -> Decimal:
        return (self.value - self.earlier_value) / self.earlier_value

    def note(self) -> str:
        return moved_note(
            plain(round_half_up(self.change * 100, 1)),
            self.earlier_period,
            f"{plain(self.earlier_value)}{self.indicator.unit}",
        )


def citywide_moves(rows: list[IndicatorRow], registry: Registry) -> list[Move]:
    """Each citywide value with the one of the previous published period (rows in period
    order per indicator), where that one is a non-zero number."""
    moves, earlier = [], {}
    for row in rows:
        if row.area is not None or row.value is None:
            continue
        previous = earlier.get(row.indicator)
        if previous is not None and previous[1] != 0:
            moves.append(Move(registry.indicator(row.indicator), row.period, row.value, *previous))
        earlier[row.indicator] = (row.period, row.value)
    return moves


def compute_indicators(engine: Engine, registry: Registry) -> int:
    """Recompute every indicator for every published period, replacing earlier values.
    Returns the number of rows written."""
    tables = metadata_for(registry).tables
    publication, values = tables["publication"], tables["indicator_value"]
    now = utcnow().isoformat()
    with engine.begin() as conn:
        # two computes at once replace the values in turn, each from what is published then
        hold(conn, "indicator_value", N_("the indicator values"))
        published = conn.execute(
            select(
                publication.c.extract, publication.c.period, publication.c.batch_id, publication.c.warnings
            ).order_by(publication.c.period)
        ).all()
        rows: list[tuple[IndicatorRow, int, int]] = []
        for indicator in registry.indicators:
            for extract, period, batch_id, warnings in published:
                if extract == indicator.extract:
                    rows += [(row, batch_id, warnings) for row in run_indicator_sql(conn, indicator, period)]
        moves = citywide_moves([row for row, _, _ in rows], registry)
        flagged = {(m.indicator.code, m.period): m.note() for m in large_moves(moves)}
        records = []
        for row, batch_id, warnings in rows:
            notes = [
                flagged.get((row.indicator, row.period)) if row.area is None else None,
                source_warnings_note(warnings) if warnings else None,
            ]
            note = SEPARATOR.join(n for n in notes if n) or None
            records.append(
                {
                    "indicator": row.indicator,
                    "period": row.period,
                    "area": row.area,
                    "value": row.value,
                    "value_text": None if row.value is None else format(row.value, "f"),
                    "numerator": row.numerator,
                    "denominator": row.denominator,
                    "display": row.display,
                    "status": "flagged" if note else "final",
                    "note": note,
                    "batch_id": batch_id,
                    "sql_file": registry.indicator(row.indicator).sql_file,
                    "computed_at": now,
                }
            )
        conn.execute(delete(values))
        if records:
            conn.execute(insert(values), records)
        # what each batch gave stays known after a re-delivery replaces it (deptstats diff)
        conn.execute(text(read_sql("history/keep_values.sql")))
    return len(records)


# ------------------------------------------------------------------ period over period

MOVE_LIMIT = 0.30  # extracts.md: a citywide indicator moving more than 30% is a warning


def large_moves(moves: list[Any]) -> list[Any]:
    """The moves (indicators.Move) beyond +-30%, found by a GX suite over all of them."""
    import pandas as pd

    if not moves:
        return []
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    frame = pd.DataFrame({"move": range(len(moves)), "change": [float(m.change) for m in moves]})
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("deptstats")
        .add_dataframe_asset("indicator_moves")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(
        gxe.ExpectColumnValuesToBeBetween(
            column="change", min_value=-MOVE_LIMIT, max_value=MOVE_LIMIT, meta={"severity": "warning"}
        ),
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["move"]},
    )
    return [moves[int(entry["move"])] for entry in result.result.get("unexpected_index_list", [])]
