"""`deptstats diff` between two load batches of one warehouse: the figures as they stood after
each batch, the delivery that replaced which, and the rows that changed, recorded when the
replacement was published (the replaced rows are gone by the time anyone asks)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from deptstats.cli import main
from deptstats.indicators.compute import compute_indicators
from deptstats.indicators.reports import figures
from deptstats.warehouse.engine import metadata_without_extracts, open_engine
from deptstats.warehouse.schema import ensure_schema
from tests.drafts import redeliver_prepregnancy_checks
from tests.helpers import load_all, write_csv

pytestmark = pytest.mark.gx

RATE = "health.prepregnancy_check_rate"
EXTRACT = "prepregnancy_checks"


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def citywide(engine, indicator: str = RATE) -> str:
    return next(
        r["display"]
        for r in figures(engine)
        if r["indicator"] == indicator and r["period"] == "2023" and r["area"] is None
    )


def batch_of(engine, file: str) -> int:
    tables = metadata_without_extracts().tables
    b, d = tables["load_batch"], tables["delivery"]
    with engine.connect() as conn:
        return conn.execute(
            select(b.c.batch_id)
            .join(d, d.c.delivery_id == b.c.delivery_id)
            .where(d.c.file == file)
            .order_by(b.c.batch_id.desc())
        ).scalar()


def citywide_line(out: str) -> str:
    """The printed row of the citywide 2023 pre-pregnancy check rate."""
    return next(line for line in out.splitlines() if RATE in line and " 2023 " in line and "全市" in line)


@pytest.fixture
def redelivered(warehouse_url, landing, registry) -> dict:
    """The samples published, then the health commission's corrected file published over them."""
    engine = open_engine(warehouse_url)
    ensure_schema(engine, registry)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    first = batch_of(engine, "health/prepregnancy_checks_2023.csv")
    before = citywide(engine)
    path = redeliver_prepregnancy_checks(landing)
    load_all(engine, landing, registry, run_id="second")
    compute_indicators(engine, registry)
    second = batch_of(engine, "health/prepregnancy_checks_2023.csv")
    yield {
        "engine": engine,
        "url": warehouse_url,
        "landing": landing,
        "first": first,
        "second": second,
        "before": before,
        "after": citywide(engine),
        "sha": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    engine.dispose()


def test_what_one_batch_changed_names_the_delivery_and_the_rows(redelivered, capsys):
    w = redelivered
    assert w["second"] > w["first"] and w["before"] == "84.18%" and w["after"] != w["before"]
    code, out = run_cli(capsys, "diff", "--batch", str(w["second"]), "--warehouse", w["url"])
    assert code == 0
    assert out.startswith(
        f"batch {w['second']}: health/prepregnancy_checks_2023.csv "
        f"(sha256 {w['sha'][:12]}…), {EXTRACT} 2023, published, 17 rows"
    )
    changed = [line for line in out.splitlines() if RATE in line]
    assert len(changed) == 2  # citywide and 浒山街道
    line = citywide_line(out)
    assert w["before"] in line and w["after"] in line
    assert (
        f"(sha256 {w['sha'][:12]}…, batch {w['second']}) replaced health/prepregnancy_checks_2023.csv"
    ) in line
    assert f"batch {w['first']})" in line
    assert "rows changed: 1 only in the new delivery, 1 only in the old" in line
    assert out.strip().endswith(
        f"2 figure(s) changed between batch {w['second'] - 1} of "
        f"{w['url']} and batch {w['second']} of {w['url']}"
    )


def test_two_states_compare_after_the_rows_are_gone(redelivered, capsys):
    """The first batch's rows were deleted when the second was published; the state after the
    batch before the second still shows the first's figures, whichever way round it is asked."""
    w = redelivered
    just_before = str(w["second"] - 1)
    code, out = run_cli(capsys, "diff", just_before, "latest", "--warehouse", w["url"])
    assert code == 0 and "2 figure(s) changed" in out
    code, out = run_cli(capsys, "diff", "latest", just_before, "--warehouse", w["url"])
    line = citywide_line(out)
    assert line.index(w["after"]) < line.index(w["before"])  # old column first
    # the story is told forwards: the later delivery replaced the earlier one
    assert (
        f"going back: health/prepregnancy_checks_2023.csv (sha256 {w['sha'][:12]}…, "
        f"batch {w['second']}) replaced" in line
    )
    assert f"batch {w['first']}); rows changed: 1 only in the new delivery" in line


def test_a_chain_of_redeliveries_shows_each_step(redelivered, registry, capsys):
    w = redelivered
    path = w["landing"] / "health" / "prepregnancy_checks_2023.csv"
    text = path.read_bytes().decode("gbk")
    path.write_bytes(text.replace("浒山街道,944,800", "浒山街道,944,810").encode("gbk"))
    load_all(w["engine"], w["landing"], registry, run_id="third")
    compute_indicators(w["engine"], registry)
    third = batch_of(w["engine"], "health/prepregnancy_checks_2023.csv")
    code, out = run_cli(capsys, "diff", str(w["second"] - 1), str(third), "--warehouse", w["url"])
    assert code == 0 and "2 figure(s) changed" in out
    line = citywide_line(out)
    assert f"batch {w['second']}: rows changed: 1 only in the new delivery, 1 only in the old" in line
    assert f"batch {third}: rows changed: 1 only in the new delivery" in line


def test_a_first_publication_and_a_batch_never_computed(warehouse_url, landing, registry, capsys):
    """Figures absent before the extract's first file, and a publication replaced before the
    indicators ran from it, are told as such."""
    engine = open_engine(warehouse_url)
    ensure_schema(engine, registry)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    first = batch_of(engine, "health/prepregnancy_checks_2023.csv")
    code, out = run_cli(capsys, "diff", "0", str(first), "--warehouse", warehouse_url)
    line = citywide_line(out)
    assert "(absent)" in line and "first published by health/prepregnancy_checks_2023.csv" in line

    redeliver_prepregnancy_checks(landing)
    load_all(engine, landing, registry, run_id="second")  # not computed
    uncomputed = batch_of(engine, "health/prepregnancy_checks_2023.csv")
    code, out = run_cli(capsys, "diff", "--batch", str(uncomputed), "--warehouse", warehouse_url)
    assert code == 0
    line = citywide_line(out)
    assert "(not kept)" in line and "its figures were not kept" in line
    engine.dispose()


def test_a_rejected_batch_changes_nothing(warehouse_url, landing, registry, capsys):
    engine = open_engine(warehouse_url)
    ensure_schema(engine, registry)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    lines = (landing / "health" / "prepregnancy_checks_2023.csv").read_bytes().decode("gbk")
    write_csv(
        landing,
        "health/prepregnancy_checks_2023.csv",
        lines.replace("浒山街道,944,795", "浒山街道,944,-5").splitlines(),
        "gbk",
    )
    load_all(engine, landing, registry, run_id="second")
    rejected = batch_of(engine, "health/prepregnancy_checks_2023.csv")
    code, out = run_cli(capsys, "diff", "--batch", str(rejected), "--warehouse", warehouse_url)
    assert code == 0
    assert f"{EXTRACT} 2023, rejected" in out.splitlines()[0]
    assert out.strip().endswith(f"and batch {rejected} of {warehouse_url}")
    assert "0 figure(s) changed" in out
    engine.dispose()


def test_a_batch_the_warehouse_has_not_reached_is_refused(redelivered, capsys):
    with pytest.raises(SystemExit, match="newest load batch is"):
        main(["diff", "1", "999999", "--warehouse", redelivered["url"]])


def test_load_says_what_a_redelivery_changed_and_only_once(warehouse_url, landing, capsys):
    argv = ["load", "--landing", str(landing), "--warehouse", warehouse_url]
    assert main(argv) == 0
    assert "CHANGED" not in capsys.readouterr().out  # first publications
    redeliver_prepregnancy_checks(landing)
    assert main(argv) == 0
    changed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("CHANGED")]
    assert len(changed) == 1
    assert "2 figure(s) changed: 孕前优生健康检查率 2023 全市 84.18% → " in changed[0]
    assert "rows changed: 1 only in the new delivery, 1 only in the old" in changed[0]
    assert main(argv) == 0  # nothing new: nothing said
    assert "CHANGED" not in capsys.readouterr().out


def test_a_period_over_the_bound_gives_row_totals(warehouse_url, landing, registry, capsys, monkeypatch):
    """Rows are compared one by one only up to row_changes.COUNTED_ROWS; past it the change is
    recorded as not counted and the totals are told."""
    from deptstats.publish import row_changes

    monkeypatch.setattr(row_changes, "COUNTED_ROWS", 10)  # the extract has 17 rows
    engine = open_engine(warehouse_url)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    redeliver_prepregnancy_checks(landing)
    load_all(engine, landing, registry, run_id="second")
    compute_indicators(engine, registry)
    second = batch_of(engine, "health/prepregnancy_checks_2023.csv")
    change = metadata_without_extracts().tables["publication_change"]
    with engine.connect() as conn:
        row = conn.execute(select(change).where(change.c.batch_id == second)).one()
    assert row.rows_added is None and row.rows_removed is None
    code, out = run_cli(capsys, "diff", "--batch", str(second), "--warehouse", warehouse_url)
    assert code == 0
    assert "rows 17 → 17; not compared row by row (over 10 rows)" in citywide_line(out)
    engine.dispose()


def test_json_output_is_one_document_and_latest_is_named(redelivered, capsys):
    import json

    w = redelivered
    code = main(["diff", str(w["second"] - 1), "latest", "--warehouse", w["url"], "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    rows = json.loads(captured.out)
    assert {(r["area"], r["old"], r["new"]) for r in rows} >= {("全市", w["before"], w["after"])}
    assert f"and batch {w['second']} of" in captured.err  # `latest` resolved
