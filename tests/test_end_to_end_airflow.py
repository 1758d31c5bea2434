"""End to end through Apache Airflow (`deptstats run`, which runs the nightly DAG with
dag.test() in a local AIRFLOW_HOME) on the sample deliveries and a SQLite warehouse."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import text

from deptstats.warehouse.engine import open_engine
from tests.fixtures.shared_spec import reply_figures
from tests.helpers import set_cell, snapshot, table_counts

pytestmark = [pytest.mark.airflow, pytest.mark.gx]
# Seconds: a whole nightly through dag.test() on a loaded 2-core machine takes minutes; a hang
# fails (TimeoutExpired names the command) instead of holding the session forever.
COMMAND_TIMEOUT = 1800


def deptstats(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "deptstats.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def workspace(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Sample deliveries, a local AIRFLOW_HOME and an empty warehouse on each backend."""
    from tests.conftest import create_pg_database, drop_pg_database

    root = tmp_path_factory.mktemp(f"e2e-{request.param}")
    assert deptstats("sample", "--out", str(root / "landing")).returncode == 0
    space = {
        "root": root,
        "landing": root / "landing",
        "out": root / "out",
        "airflow": root / "airflow",
        "warehouse": str(root / "warehouse.db"),
    }
    if request.param == "sqlite":
        yield space
        return
    admin = request.getfixturevalue("postgres_admin")
    name, space["warehouse"] = create_pg_database(admin)
    try:
        yield space
    finally:
        drop_pg_database(admin, name)


def run(workspace: dict, *options: str) -> subprocess.CompletedProcess:
    return deptstats(
        "run",
        "--landing",
        str(workspace["landing"]),
        "--warehouse",
        workspace["warehouse"],
        "--out",
        str(workspace["out"]),
        "--airflow-home",
        str(workspace["airflow"]),
        *options,
    )


def as_json(command: str, workspace: dict) -> list[dict]:
    done = deptstats(command, "--warehouse", workspace["warehouse"], "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_1_first_run_drafts_every_figure(workspace, registry):
    log = workspace["root"] / "logs" / "airflow.log"
    done = run(workspace, "--log", str(log))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + log.read_text()[-3000:]
    # the summary here, Airflow's own output in the file it names
    assert "success          health.prepregnancy_checks" in done.stdout
    assert done.stdout.rstrip().endswith(f"Airflow's log: {log}")
    assert len(done.stdout.splitlines()) < len(registry.extracts) + 15
    written = log.read_text(encoding="utf-8")
    assert len(written.splitlines()) > 100 and "health.prepregnancy_checks" in written
    assert "success          health.prepregnancy_checks" not in written
    draft = (workspace["out"] / "reply-2024-147.md").read_text(encoding="utf-8")
    review = (workspace["out"] / "reply-2024-147.review.md").read_text(encoding="utf-8")
    assert (workspace["out"] / "reply-2024-147.docx").is_file()
    expected = reply_figures()
    figures = {(f["indicator"], f["period"]): f for f in as_json("figures", workspace) if f["area"] is None}
    for code, (period, shown) in expected.items():
        assert shown in draft, code
        assert figures[(code, period)]["display"] == shown, code
        # the review in the tests' language, English: the citywide area is named so
        assert f" {code} | {period} | citywide | {shown} |" in review  # and in the provenance
    assert "Provenance" not in draft and "sha256" not in draft
    for code in ("hrss.maternity_disputes", "hrss.legal_aid_cases"):
        assert figures[(code, "2023")]["display"] in draft
    for row in figures.values():
        assert row["file"] and len(row["sha256"]) == 64 and row["validation"] == "passed"
    assert {r["status"] for r in as_json("loads", workspace)} == {"published"}


def test_2_second_run_adds_nothing_and_skips_every_file(workspace, registry):
    engine = open_engine(workspace["warehouse"], write=False)
    before = table_counts(engine, registry)
    done = run(workspace)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    after = table_counts(engine, registry)
    # the one record a run adds: what it did with each file (delivery_outcome), here skipped
    assert after.pop("delivery_outcome") == before.pop("delivery_outcome") + 24
    assert after == before
    with engine.connect() as conn:
        statuses = conn.execute(
            text(
                "select status, count(*) from delivery_outcome where run_id = "
                "(select max(run_id) from delivery_outcome) group by status"
            )
        ).all()
    assert [tuple(s) for s in statuses] == [("skipped", 24)]
    loads = as_json("loads", workspace)
    assert len(loads) == 24
    assert {r["status"] for r in loads} == {"skipped"}


def test_3_bad_row_rejects_one_extract_while_others_publish(workspace, registry):
    engine = open_engine(workspace["warehouse"], write=False)
    kindergartens = snapshot(engine, "education_kindergartens", registry, "2023")
    set_cell(workspace["landing"] / "education" / "kindergartens_2023.csv", 3, 3, "公私合办")
    # another department re-delivers a corrected file the same night
    beds = workspace["landing"] / "civil_affairs" / "elderly_care_institutions_2023-12.csv"
    text = beds.read_bytes().decode("utf-8")
    assert ",民办\r\n" in text
    beds.write_bytes(text.replace(",民办\r\n", ",公办\r\n", 1).encode("utf-8"))

    done = run(workspace)
    assert done.returncode == 1
    assert "failed           education.kindergartens" in done.stdout
    assert "success          civil_affairs.elderly_care_institutions" in done.stdout
    assert "success          draft_reply" in done.stdout
    assert "row 4, column 办园性质 (ownership), value '公私合办'" in done.stdout + done.stderr
    # compute_indicators tells what the re-delivery changed: the rows, and no figure
    said = next(
        line
        for line in (done.stdout + done.stderr).splitlines()
        if "elderly_care_institutions 2023-12, published" in line
    )
    assert "no figure changed; it replaced batch" in said
    assert "rows changed: 1 only in the new delivery, 1 only in the old" in said

    statuses = {r["file"]: r["status"] for r in as_json("loads", workspace) if r["status"] != "skipped"}
    assert statuses["education/kindergartens_2023.csv"] == "rejected"
    assert statuses["civil_affairs/elderly_care_institutions_2023-12.csv"] == "published"
    assert snapshot(engine, "education_kindergartens", registry, "2023") == kindergartens
    draft = (workspace["out"] / "reply-2024-147.md").read_text(encoding="utf-8")
    assert reply_figures()["education.public_kindergarten_share"][1] in draft
