"""What the bulk writers make of a chunk before it is checked: the cells its column's type
cannot hold are written empty, and counted."""

from __future__ import annotations


def test_cells_no_column_type_can_hold_are_found(registry):
    """A chunk may be written before it is checked: the cells its column's type cannot hold
    are written empty, and counted."""
    from deptstats.ingest.readers import RawTable
    from deptstats.publish.bulk import csv_table, sqlite_columns, writable
    from deptstats.validation import build_frame

    extract = registry.extract("multi_child_loans")
    cells = {
        "loan_id": ["L1", "L2", "L3", "L4"],
        "issued_on": ["2023-03-01", "2023-02-30", None, "2023-03-02"],
        "area": ["浒山街道", "火星镇", "浒山街道", "浒山街道"],
        "children": ["2", "2.5", "abc", None],
        "amount_wan": ["10.5", "abc", None, "1e400"],
        "uplift": ["是", "Y", None, "否"],
    }
    table = RawTable(columns=list(cells), cells=cells, row_numbers=[2, 3, 4, 5])
    frame = build_frame(extract, table)
    found = {c.name: writable(c, frame).tolist() for c in extract.columns}
    assert found == {
        "loan_id": [True] * 4,
        "issued_on": [True, False, True, True],
        "area": [True] * 4,  # any text can be stored; the checks say it is no area
        "children": [True, False, False, True],
        "amount_wan": [True, False, True, False],
        "uplift": [True, False, True, True],
    }
    table_text, unwritable = csv_table(extract, frame, "2023", 7)
    assert unwritable == 6
    assert table_text.column("children").to_pylist() == [2, None, None, None]
    assert table_text.column("amount_wan").to_pylist() == ["10.5", None, None, None]
    columns, unwritable = sqlite_columns(extract, frame)
    assert unwritable == 6
    assert columns["children"] == [2, None, None, None]
    assert columns["uplift"] == [1, None, None, 0]
