"""The registry implements the data dictionary (the shared spec/extracts.md, as
tests/fixtures/data_dictionary.json holds it) exactly."""

from __future__ import annotations

import re

import pytest

from deptstats.core.paths import sql_dir
from deptstats.core.registry import RegistryError, parse_registry, registry_path
from tests.fixtures.shared_spec import data_dictionary

TYPE_WORDS = {
    "id": "id",
    "text": "text",
    "area": "area",
    "count": "count",
    "date": "date",
    "amount": "amount",
}


def test_counts(registry):
    dictionary = data_dictionary()
    assert len(registry.departments) == 5
    assert len(registry.extracts) == len(dictionary["extracts"]) == 12
    assert len(registry.areas) == 17
    assert len(set(registry.areas)) == 17
    assert list(registry.areas) == dictionary["areas"]
    assert registry.citywide == dictionary["citywide"] == "全市"


def test_every_extract_of_the_dictionary_is_registered_with_its_columns(registry):
    for written in data_dictionary()["extracts"]:
        code = written["code"]
        extract = registry.extract(code)
        assert extract.name == written["name"]
        assert extract.period == ("month" if written["period"] == "YYYY-MM" else "year")
        assert [c["name"] for c in written["columns"]] == [c.name for c in extract.columns], code
        for described in written["columns"]:
            column = extract.column(described["name"])
            assert column.label == described["label"], (code, column.name)
            kind = described["kind"]
            word = kind.split()[0]
            if word in TYPE_WORDS:
                assert column.type == TYPE_WORDS[word], (code, column.name)
            if kind.startswith("one of"):
                assert column.type == "enum"
                listed = re.findall(r"[^\s,]+", kind[len("one of") :])
                assert list(column.values) == listed, column.name
            if kind.startswith("是 or 否"):
                assert column.type == "yesno"


def test_snapshot_and_flow_kinds_follow_the_dictionary(registry):
    snapshots = {e["code"] for e in data_dictionary()["extracts"] if e["snapshot"]}
    assert snapshots == {e.code for e in registry.extracts if e.kind == "snapshot"}
    assert len(snapshots) == 6


def test_indicator_table_matches(registry):
    rows = data_dictionary()["indicators"]
    assert len(rows) == len(registry.indicators) == 29
    for row in rows:
        indicator = registry.indicator(row["code"])
        assert indicator.definition == row["definition"]
        assert indicator.unit == row["unit"]
        assert indicator.decimals == row["decimals"]


def test_every_indicator_has_its_sql_file_lowercase(registry):
    for indicator in registry.indicators:
        sql = (sql_dir() / indicator.sql_file).read_text(encoding="utf-8")
        body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
        assert registry.extract(indicator.extract).table in body
        unquoted = re.sub(r"'[^']*'", "''", body)
        assert unquoted == unquoted.lower(), indicator.code
        assert ":period" in body


def test_reference_rule_is_declared(registry):
    reference = registry.extract("childcare_subsidies").references
    assert reference is not None
    assert reference.extract == "childcare_institutions"


@pytest.mark.parametrize(
    "mutation, message",
    [
        (('type = "count" }', 'type = "number" }'), "unknown type"),
        (('department = "education"', 'department = "schools"'), "unknown department"),
        (
            ('rule = "not_greater", column = "checked_people"', 'rule = "not_greater", column = "checked"'),
            "unknown column",
        ),
    ],
)
def test_inconsistent_registry_is_refused(mutation, message):
    text = registry_path().read_text(encoding="utf-8")
    assert mutation[0] in text
    with pytest.raises(RegistryError, match=message):
        parse_registry(text.replace(mutation[0], mutation[1], 1))


def test_the_warehouse_metadata_is_built_once_per_registry(registry, monkeypatch):
    from deptstats.warehouse import engine as warehouse

    built = []
    real = warehouse.build_metadata
    monkeypatch.setattr(warehouse, "build_metadata", lambda r: built.append(r) or real(r))
    monkeypatch.setattr(warehouse, "_METADATA", {})
    first = warehouse.metadata_for(registry)
    assert warehouse.metadata_for(registry) is first
    assert built == [registry]
