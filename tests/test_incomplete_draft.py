"""A draft with a figure missing never replaces the last complete one: it is written as
reply-2024-147.INCOMPLETE.*, the complete draft's review notes name it, the command line says
which figures are missing and why (worked out from the warehouse), and the next complete draft
removes it. Both backends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docx import Document

from deptstats.audit.diff import draft_side
from deptstats.cli import main
from deptstats.indicators.compute import compute_indicators
from deptstats.reply.review import NEWER_INCOMPLETE
from deptstats.warehouse.engine import open_engine
from tests.drafts import draft, loaded_warehouse
from tests.helpers import load_all, set_cell

pytestmark = pytest.mark.gx

CODE = "reply-2024-147"
REPO = Path(__file__).resolve().parents[1]
INCOMPLETE_FILES = {
    f"{CODE}.INCOMPLETE.{s}" for s in ("md", "docx", "review.md", "review.docx", "provenance.json")
}


@pytest.fixture(scope="module")
def complete_out(tmp_path_factory, sample_dir, registry) -> Path:
    """A complete draft of the sample, made from a SQLite warehouse."""
    folder = tmp_path_factory.mktemp("complete")
    url, _ = loaded_warehouse(folder, sample_dir, registry)
    assert not draft(url, folder / "out", registry).incomplete
    return folder / "out"


def review_docx_notes(path: Path) -> list[str]:
    """The notes of a review document in either language."""
    paragraphs = [p.text for p in Document(str(path)).paragraphs]
    start = next(i for i, text in enumerate(paragraphs) if text in ("审核提示", "Review notes")) + 1
    end = next(i for i, text in enumerate(paragraphs) if text in ("数据来源", "Provenance"))
    return paragraphs[start:end]


def test_an_incomplete_draft_never_replaces_the_complete_one(
    warehouse_url, landing, sample_dir, complete_out, registry, tmp_path, monkeypatch, capsys
):
    # the complete draft was made in Chinese (the default); tonight's words are English
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    out = tmp_path / "out"
    shutil.copytree(complete_out, out)
    kept = {name: (out / name).read_bytes() for name in (f"{CODE}.md", f"{CODE}.docx")}

    # one extract never delivered, another refused with nothing published before
    for path in (landing / "hrss").glob("labor_disputes_2023.*"):
        path.unlink()
    set_cell(landing / "education" / "kindergartens_2023.csv", 3, 3, "公私合办")
    assert main(["load", "--landing", str(landing), "--warehouse", warehouse_url, "--out", str(out)]) == 1
    said = capsys.readouterr().err
    assert (
        f"INCOMPLETE draft: 3 figure(s) missing, written as {CODE}.INCOMPLETE.md, "
        f"{CODE}.INCOMPLETE.docx; the last complete draft {CODE}.md, {CODE}.docx is left as "
        "it was and its review notes name this one. Missing figures and why:"
    ) in said
    assert (
        "  - hrss.maternity_disputes 2023: hrss.labor_disputes 2023 has no publication: "
        "never delivered (no file hrss/labor_disputes_2023.csv/.xlsx/.json has reached the "
        "landing folder)"
    ) in said
    assert (
        "  - education.public_kindergarten_share 2023: education.kindergartens 2023 has no "
        "publication: education/kindergartens_2023.csv was refused ("
    ) in said
    assert {p.name for p in out.iterdir()} >= INCOMPLETE_FILES
    assert {name: (out / name).read_bytes() for name in kept} == kept
    assert "【缺数：hrss.maternity_disputes（2023）】" in (out / f"{CODE}.INCOMPLETE.md").read_text(
        encoding="utf-8"
    )
    incomplete_review = (out / f"{CODE}.INCOMPLETE.review.md").read_text(encoding="utf-8")
    assert "hrss.legal_aid_cases 2023: hrss.labor_disputes 2023 has no publication" in (incomplete_review)
    review = (out / f"{CODE}.review.md").read_text(encoding="utf-8")
    note = (
        f"- {NEWER_INCOMPLETE}: {CODE}.INCOMPLETE.md, {CODE}.INCOMPLETE.docx, with 3 "
        "figure(s) missing (education.public_kindergarten_share 2023, "
        "hrss.maternity_disputes 2023, hrss.legal_aid_cases 2023)"
    )
    assert note in review
    assert review_docx_notes(out / f"{CODE}.review.docx")[0].startswith(note[2:])
    # `deptstats diff` reads the incomplete draft's own provenance, not the complete one's
    sources = draft_side(out / f"{CODE}.INCOMPLETE.md", registry).sources
    assert ("health.prepregnancy_check_rate", "2023", None) in sources
    assert ("hrss.maternity_disputes", "2023", None) not in sources

    # the files arrive, but computing the indicators fails: published, no value
    shutil.copytree(sample_dir, landing, dirs_exist_ok=True)
    engine = open_engine(warehouse_url)
    assert {o.status for o in load_all(engine, landing, registry)} >= {"published"}
    home = tmp_path / "home"
    shutil.copytree(REPO / "include", home / "include")
    (home / "include" / "sql" / "indicators" / "hrss.maternity_disputes.sql").write_text(
        "select no_such_column from nowhere", encoding="utf-8"
    )
    monkeypatch.setenv("DEPTSTATS_HOME", str(home))
    with pytest.raises(Exception, match="no_such_column"):
        compute_indicators(engine, registry)
    engine.dispose()
    assert main(["draft", "--warehouse", warehouse_url, "--out", str(out)]) == 1
    said = capsys.readouterr().err
    assert "hrss.maternity_disputes 2023: hrss.labor_disputes 2023 is published (load batch " in (said)
    assert (
        "but hrss.maternity_disputes has no computed value: compute_indicators failed or has not run since"
    ) in said
    assert {name: (out / name).read_bytes() for name in kept} == kept
    review = (out / f"{CODE}.review.md").read_text(encoding="utf-8")
    assert review.count(NEWER_INCOMPLETE) == 1  # the earlier night's note replaced
    docx_notes = review_docx_notes(out / f"{CODE}.review.docx")
    assert sum(NEWER_INCOMPLETE in n for n in docx_notes) == 1

    # a complete draft again: the incomplete one goes, the review names nothing newer
    monkeypatch.delenv("DEPTSTATS_HOME")
    engine = open_engine(warehouse_url)
    compute_indicators(engine, registry)
    engine.dispose()
    assert main(["draft", "--warehouse", warehouse_url, "--out", str(out)]) == 0
    assert "0 missing" in capsys.readouterr().out
    assert not INCOMPLETE_FILES & {p.name for p in out.iterdir()}
    assert NEWER_INCOMPLETE not in (out / f"{CODE}.review.md").read_text(encoding="utf-8")


def test_an_undefined_value_is_told_as_such(warehouse_url, landing, registry, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    engine = open_engine(warehouse_url)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    # as the indicator SQL leaves a rate whose denominator is 0
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "update indicator_value set value = null, value_text = null, denominator = 0 "
            "where indicator = 'health.prepregnancy_check_rate' and area is null"
        )
    result = draft(warehouse_url, tmp_path / "out", registry)
    engine.dispose()
    assert result.incomplete and result.paths[0].name == f"{CODE}.INCOMPLETE.md"
    assert result.complete_paths == ()
    [why] = result.why_missing
    assert why.startswith(
        "health.prepregnancy_check_rate 2023: health.prepregnancy_checks 2023 is published (load batch "
    )
    assert why.endswith("but the value is undefined: its denominator is 0")
    assert "there is no complete draft to keep" in result.missing_message()
    assert not (tmp_path / "out" / f"{CODE}.md").exists()


def test_a_figure_computed_from_a_replaced_delivery_is_missing(
    warehouse_url, landing, registry, tmp_path, monkeypatch
):
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    engine = open_engine(warehouse_url)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    assert not draft(warehouse_url, tmp_path / "out", registry).incomplete
    # a re-delivery is published, and the compute after it fails: the values stand as the
    # replaced delivery gave them
    checks = landing / "health" / "prepregnancy_checks_2023.csv"  # GB18030, as delivered
    lines = checks.read_bytes().decode("gb18030").split("\r\n")
    cells = lines[3].split(",")  # 古塘街道
    lines[3] = ",".join([*cells[:2], "1", *cells[3:]])
    checks.write_bytes("\r\n".join(lines).encode("gb18030"))
    outcomes = load_all(engine, landing, registry, run_id="second")
    [republished] = [o for o in outcomes if o.status == "published"]
    result = draft(warehouse_url, tmp_path / "out", registry)
    engine.dispose()
    assert result.incomplete and result.paths[0].name == f"{CODE}.INCOMPLETE.md"
    [why] = result.why_missing
    assert why.startswith(
        "health.prepregnancy_check_rate 2023: health.prepregnancy_checks 2023 "
        f"is published (load batch {republished.batch_id}), but "
        "health.prepregnancy_check_rate was computed from load batch "
    )
    assert why.endswith("a delivery since replaced: compute_indicators failed or has not run since")
    assert (tmp_path / "out" / f"{CODE}.md").exists()  # the complete draft stays
