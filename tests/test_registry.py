"""The registry implements the data dictionary (shared/spec/extracts.md) exactly."""

from __future__ import annotations

import re

import pytest

from deptstats.core.paths import sql_dir
from deptstats.core.registry import RegistryError, parse_registry, registry_path
from tests.conftest import shared_file

TYPE_WORDS = {
    "id": "id",
    "text": "text",
    "area": "area",
    "count": "count",
    "date": "date",
    "amount": "amount",
}


def extracts_md() -> str:
    return shared_file("spec/extracts.md").read_text(encoding="utf-8")


def test_counts(registry):
    assert len(registry.departments) == 5
    assert len(registry.extracts) == 12
    assert len(registry.areas) == 17
    assert len(set(registry.areas)) == 17
    assert registry.citywide == "全市"


def test_every_extract_of_the_dictionary_is_registered_with_its_columns(registry):
    text = extracts_md()
    headings = re.findall(r"^\*\*(\w+)\*\* \((.+?)\), period (YYYY(?:-MM)?)", text, re.M)
    assert len(headings) == 12
    for code, name, period in headings:
        extract = registry.extract(code)
        assert extract.name == name
        assert extract.period == ("month" if period == "YYYY-MM" else "year")
        block = text.split(f"**{code}**", 1)[1].split("**", 1)[0]
        triples = re.findall(r"([^\s/;.][^/;\n]*?) / (\w+) / ([^;\n]+)", block)
        assert [t[1] for t in triples] == [c.name for c in extract.columns], code
        for label, column_name, kind in triples:
            column = extract.column(column_name)
            assert column.label == label.strip(), (code, column_name)
            word = kind.split()[0].rstrip(".")
            if word in TYPE_WORDS:
                assert column.type == TYPE_WORDS[word], (code, column_name)
            if kind.startswith("one of"):
                assert column.type == "enum"
                listed = re.findall(r"[^\s,]+", kind[len("one of") :].rstrip("."))
                assert list(column.values) == listed, column_name
            if kind.startswith("是 or 否"):
                assert column.type == "yesno"


def test_snapshot_and_flow_kinds_follow_the_dictionary(registry):
    text = extracts_md()
    snapshots = set(re.findall(r"^\*\*(\w+)\*\* \(.+?\), period YYYY(?:-MM)? \(snapshot\)", text, re.M))
    assert snapshots == {e.code for e in registry.extracts if e.kind == "snapshot"}


def test_indicator_table_matches(registry):
    rows = re.findall(r"^\| (\w+\.\w+) \| (.+?) \| (\S+) \| (\d) \|$", extracts_md(), re.M)
    assert len(rows) == len(registry.indicators) == 29
    for code, definition, unit, decimals in rows:
        indicator = registry.indicator(code)
        assert indicator.definition == definition
        assert indicator.unit == unit
        assert indicator.decimals == int(decimals)


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
