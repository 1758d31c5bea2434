"""Indicators: the SQL files on both backends, exact half-up rounding, and display."""

from __future__ import annotations

from decimal import Decimal

import pytest

from deptstats.indicators.compute import compute_indicators
from deptstats.indicators.reports import figures
from deptstats.warehouse.engine import open_engine
from tests.fixtures.shared_spec import reply_figures
from tests.helpers import load_all, write_csv

pytestmark = pytest.mark.gx


def test_half_up_at_an_exact_half_through_the_sql(warehouse_url, registry, tmp_path):
    """8418 + 8419 of 20000 = 84.185% exactly -> 84.19; 9 of 4000 = 0.225% -> 0.23 (binary
    floating point would round 0.225 down to 0.22)."""
    landing = tmp_path / "landing"
    header = "镇街,目标人群数,检查人数"
    write_csv(
        landing, "health/prepregnancy_checks_2023.csv", [header, "浒山街道,10000,8418", "龙山镇,10000,8419"]
    )
    write_csv(landing, "health/prepregnancy_checks_2022.csv", [header, "浒山街道,2000,9", "龙山镇,2000,0"])
    engine = open_engine(warehouse_url)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    rows = {
        (f["period"], f["area"]): f
        for f in figures(engine)
        if f["indicator"] == "health.prepregnancy_check_rate"
    }
    assert rows[("2023", None)]["value"] == "84.19"
    assert rows[("2023", None)]["display"] == "84.19%"
    assert rows[("2023", "浒山街道")]["value"] == "84.18"
    assert rows[("2023", "龙山镇")]["value"] == "84.19"
    assert rows[("2022", None)]["value"] == "0.23"
    assert rows[("2023", None)]["numerator"] == "16837"
    assert rows[("2023", None)]["denominator"] == "20000"


def test_sample_data_gives_every_figure_of_the_reply(warehouse_url, registry, landing):
    engine = open_engine(warehouse_url)
    outcomes = load_all(engine, landing, registry)
    assert {o.status for o in outcomes} == {"published"}
    compute_indicators(engine, registry)
    citywide = {(f["indicator"], f["period"]): f for f in figures(engine) if f["area"] is None}
    expected = reply_figures()
    assert len(expected) == 26
    for code, (period, shown) in expected.items():
        assert citywide[(code, period)]["display"] == shown, code
    for code in ("hrss.maternity_disputes", "hrss.legal_aid_cases"):
        assert citywide[(code, "2023")]["value"] is not None
    # extracts.md's period-over-period warning: 4158 -> 6595 slots moved more than 30%
    slots = citywide[("health.childcare_slots", "2023")]
    assert slots["status"] == "flagged"
    assert slots["note"] == "moved 58.6% against 2022 (4158个)"
    assert citywide[("health.prepregnancy_check_rate", "2023")]["status"] == "final"


def test_per_area_values_add_up_to_citywide(warehouse_url, registry, landing):
    engine = open_engine(warehouse_url)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    rows = figures(engine)
    for code in (
        "health.childcare_slots",
        "civil_affairs.elderly_care_beds",
        "hrss.legal_aid_cases",
        "civil_affairs.villages_covered",
    ):
        for period in {r["period"] for r in rows if r["indicator"] == code}:
            mine = [r for r in rows if r["indicator"] == code and r["period"] == period]
            citywide = next(Decimal(r["numerator"]) for r in mine if r["area"] is None)
            areas = [r for r in mine if r["area"] is not None]
            assert len(areas) == 17
            assert sum(Decimal(r["numerator"]) for r in areas) == citywide
            assert {r["area"] for r in areas} == set(registry.areas)


def test_figures_as_a_workbook_for_excel(warehouse_url, registry, landing, tmp_path, monkeypatch, capsys):
    """`deptstats figures --format xlsx --output F`: the columns of --format json, headed in the
    deployment's language, numbers as numbers, a cell that reads as a formula kept as text."""
    import json

    from sqlalchemy import text

    from deptstats.cli import main
    from deptstats.core import openpyxl_without_lxml

    engine = open_engine(warehouse_url)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    with engine.begin() as conn:
        conn.execute(text("update indicator_value set note = '=HYPERLINK(\"http://x\")' where area is null"))
    monkeypatch.setenv("DEPTSTATS_WAREHOUSE", warehouse_url)
    monkeypatch.setenv("DEPTSTATS_LANG", "zh_CN")
    with pytest.raises(SystemExit, match="--output"):
        main(["figures", "--format", "xlsx"])
    assert capsys.readouterr().out == ""
    assert main(["figures", "--citywide", "--format", "json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    path = tmp_path / "figures.xlsx"
    assert main(["figures", "--citywide", "--format", "xlsx", "--output", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    sheet = openpyxl_without_lxml().load_workbook(path).active
    header, *rows = list(sheet.iter_rows())
    assert [c.value for c in header][:4] == ["指标", "期别", "镇街（空白为全市）", "数值"]
    assert len(header) == len(expected[0]) and len(rows) == len(expected)
    by_key = {(r[0].value, r[1].value): r for r in rows}
    beds = by_key[("civil_affairs.elderly_care_beds", "2023-12")]
    assert beds[3].value == 3188 and beds[3].data_type == "n"
    notes = [r[8] for r in rows]
    assert all(c.value == '=HYPERLINK("http://x")' and c.data_type == "s" and c.quotePrefix for c in notes)
    first = expected[0]
    assert [c.value for c in rows[0]][9:] == [first[k] for k in list(first)[9:]]
