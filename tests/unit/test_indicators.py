"""Indicator values as the reply shows them: exact half-up rounding, trailing zeros dropped,
units and 余, and which period-over-period moves are flagged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from deptstats.indicators.compute import display, plain, round_half_up


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


def test_figures_workbook_keeps_formula_like_text_inert(tmp_path):
    from deptstats.core import openpyxl_without_lxml
    from deptstats.indicators.workbook import write_figures_xlsx

    rows = [
        {"indicator": "=1+1", "period": "+2023", "value": "-3", "note": "@SUM(A1)", "file": "-x.csv"},
        {"indicator": "a", "period": "2023", "value": "84.18", "note": None, "file": "a.csv"},
    ]
    path = tmp_path / "f.xlsx"
    assert write_figures_xlsx(rows, path, "en") == 2
    sheet = openpyxl_without_lxml().load_workbook(path).active
    header, first, second = list(sheet.iter_rows())
    assert [c.value for c in header] == ["Indicator", "Period", "Value", "Note", "Delivered file"]
    assert [(c.value, c.data_type) for c in first] == [
        ("=1+1", "s"),
        ("+2023", "s"),
        (-3, "n"),
        ("@SUM(A1)", "s"),
        ("-x.csv", "s"),
    ]
    assert all(c.quotePrefix for c in first if c.data_type == "s")
    assert second[2].value == Decimal("84.18") or second[2].value == 84.18
