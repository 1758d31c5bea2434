"""Indicators: the SQL files on both backends, exact half-up rounding, and display."""

from __future__ import annotations

from decimal import Decimal

import pytest

from deptstats.indicators.compute import compute_indicators, display, plain, round_half_up
from deptstats.indicators.reports import figures
from deptstats.warehouse.engine import open_engine
from tests.conftest import spec_figures
from tests.helpers import load_all, write_csv


@pytest.mark.parametrize(
    "number, decimals, expected",
    [
        ("84.185", 2, "84.19"),
        ("84.1849999", 2, "84.18"),
        ("0.225", 2, "0.23"),
        ("99.95", 1, "100.0"),
        ("192.896", 1, "192.9"),
        ("2.5", 0, "3"),
    ],
)
def test_round_half_up(number, decimals, expected):
    assert str(round_half_up(Decimal(number), decimals)) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("100.0", "100"),
        ("99.90", "99.9"),
        ("84.18", "84.18"),
        ("0.00", "0"),
        ("14458.00", "14458"),
    ],
)
def test_plain_drops_trailing_zeros(value, expected):
    assert plain(Decimal(value)) == expected


def test_display_units_and_people_counts(registry):
    participants = registry.indicator("health.publicity_participants")
    assert display(participants, Decimal(15236)) == "15000余人次"
    assert display(participants, Decimal(15000)) == "15000人次"
    assert display(participants, Decimal(9876)) == "9876人次"
    assert display(registry.indicator("health.severe_defect_rate"), Decimal("0.00")) == "0/万"
    assert display(registry.indicator("health.first_round_subsidy"), Decimal("192.9")) == "192.9万元"
    slots = registry.indicator("health.childcare_slots")
    assert display(slots, Decimal(16595)) == "16595个"  # not people: no 余


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
    expected = spec_figures()
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


def test_a_move_of_exactly_30_percent_is_not_flagged(registry):
    from deptstats.indicators.compute import Move, large_moves

    slots = registry.indicator("health.childcare_slots")
    moves = [
        Move(slots, "2023", Decimal(130), "2022", Decimal(100)),
        Move(slots, "2024", Decimal(131), "2023", Decimal(100)),
        Move(slots, "2025", Decimal(69), "2024", Decimal(100)),
        Move(slots, "2026", Decimal(70), "2025", Decimal(100)),
    ]
    assert [m.period for m in large_moves(moves)] == ["2024", "2025"]
    assert moves[1].note() == "moved 31% against 2023 (100个)"
