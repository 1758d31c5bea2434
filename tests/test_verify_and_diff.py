"""`deptstats verify` against hand edits and missing data, `deptstats diff` across a
re-delivery, and the second reply configuration drafting from the same warehouse."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest
from docx import Document

from deptstats.audit.find_figures import figures_in
from deptstats.cli import main
from deptstats.indicators.compute import compute_indicators
from deptstats.indicators.reports import figures
from deptstats.warehouse.engine import open_engine
from deptstats.warehouse.schema import ensure_schema
from tests.drafts import draft, loaded_warehouse, redeliver_prepregnancy_checks
from tests.helpers import load_all

pytestmark = pytest.mark.gx

DELETED_SENTENCE = "新生儿疾病筛查覆盖面保持高位"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory, sample_dir, registry) -> dict:
    folder = tmp_path_factory.mktemp("verify")
    url, landing = loaded_warehouse(folder, sample_dir, registry)
    draft(url, folder / "out", registry)
    draft(url, folder / "out", registry, "reply-2024-203")
    return {"folder": folder, "url": url, "landing": landing, "out": folder / "out"}


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def edit_in_word(source, target, shown: str = "84.18%", typed: str = "84.81%") -> None:
    """What an office does by hand: 84.18% typed over as 84.81% (the text split over runs, as
    Word leaves it) and one sentence deleted."""
    document = Document(str(source))
    for paragraph in document.paragraphs:
        text = paragraph.text
        if DELETED_SENTENCE in text:
            start = text.index(DELETED_SENTENCE)
            text = text[:start] + text[text.index("。", start) + 1 :]
        if shown in text:
            before, after = text.split(shown, 1)
            for run in paragraph.runs[1:]:
                run._element.getparent().remove(run._element)
            paragraph.runs[0].text = before + typed[:3]
            paragraph.add_run(typed[3:] + after)
    document.save(str(target))


@pytest.mark.parametrize("suffix", ["docx", "md"])
def test_an_untouched_draft_verifies(drafted, capsys, suffix):
    code, out = run_cli(
        capsys, "verify", str(drafted["out"] / f"reply-2024-147.{suffix}"), "--warehouse", drafted["url"]
    )
    assert code == 0
    assert out.strip().splitlines() == [
        f"OK: reply-2024-147.{suffix} (reply-2024-147): all 28 figures match the warehouse"
    ]


def test_a_figure_typed_over_and_a_deleted_sentence_are_caught(drafted, capsys, registry):
    edited = drafted["folder"] / "edited.docx"
    edit_in_word(drafted["out"] / "reply-2024-147.docx", edited)
    code, out = run_cli(capsys, "verify", str(edited), "--warehouse", drafted["url"])
    assert code == 1
    rows = [line for line in out.splitlines() if "(health." in line]
    typed = next(r for r in rows if "prepregnancy_check_rate" in r)
    assert "84.81%" in typed and "84.18%" in typed
    assert "health/prepregnancy_checks_2023.csv" in typed
    for code_name, value in (
        ("metabolic_screening_rate", "100%"),
        ("hearing_screening_rate", "99.9%"),
        ("chd_screening_rate", "99.8%"),
    ):
        row = next(r for r in rows if code_name in r)
        assert "not found" in row and value in row and "newborn_screening_2023.xlsx" in row
    assert len(rows) == 4
    assert out.strip().endswith(
        "FAILED: edited.docx (reply-2024-147): 4 of 28 figures do not match the warehouse"
    )


def test_a_reworded_sentence_still_yields_its_figures(drafted, registry):
    text = (drafted["out"] / "reply-2024-147.md").read_text(encoding="utf-8")
    reworded = text.replace("全市继续落实免费孕前优生健康检查，", "我市坚持开展免费孕前检查，")
    assert reworded != text
    path = drafted["folder"] / "reworded.md"
    path.write_text(reworded, encoding="utf-8")
    _, found = figures_in(path, None, registry)
    check = next(f for f in found if f.indicator == "health.prepregnancy_check_rate")
    assert (check.shown, check.found_by) == ("84.18%", "nearby words")


def test_missing_data_is_a_placeholder_in_both_formats_and_fails_verify(
    tmp_path, sample_dir, registry, capsys
):
    landing = tmp_path / "landing"
    shutil.copytree(sample_dir, landing)
    for path in (landing / "hrss").glob("labor_disputes_2023.*"):
        path.unlink()
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = open_engine(url)
    ensure_schema(engine, registry)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    result = draft(url, tmp_path / "out", registry)
    assert result.figures_missing == ["hrss.maternity_disputes 2023", "hrss.legal_aid_cases 2023"]
    placeholder = "【缺数：hrss.maternity_disputes（2023）】"
    # an incomplete draft is written under its own name, never over a complete one
    written = {suffix: tmp_path / "out" / f"reply-2024-147.INCOMPLETE.{suffix}" for suffix in ("md", "docx")}
    assert placeholder in written["md"].read_text(encoding="utf-8")
    letter = "".join(p.text for p in Document(str(written["docx"])).paragraphs)
    assert placeholder in letter
    for suffix in ("md", "docx"):
        code, out = run_cli(capsys, "verify", str(written[suffix]), "--warehouse", url)
        assert code == 1
        row = next(line for line in out.splitlines() if "hrss.maternity_disputes" in line)
        assert placeholder in row and "(no published data)" in row


def test_diff_names_the_delivery_behind_each_changed_figure(drafted, capsys, registry):
    folder = drafted["folder"]
    old_db = folder / "before.db"
    with sqlite3.connect(folder / "warehouse.db") as source, sqlite3.connect(old_db) as copy:
        source.backup(copy)
    old_out = folder / "before"
    shutil.copytree(drafted["out"], old_out)
    path = redeliver_prepregnancy_checks(drafted["landing"])
    new_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    engine = open_engine(drafted["url"])
    load_all(engine, drafted["landing"], registry)
    compute_indicators(engine, registry)
    draft(drafted["url"], drafted["out"], registry)
    now = next(
        r["display"]
        for r in figures(engine)
        if r["indicator"] == "health.prepregnancy_check_rate" and r["period"] == "2023" and r["area"] is None
    )
    assert now != "84.18%"  # 5 more people checked out of about 20,000

    code, out = run_cli(capsys, "diff", str(old_db), str(folder / "warehouse.db"))
    assert code == 0
    changed = [line for line in out.splitlines() if "prepregnancy_check_rate" in line]
    assert len(changed) == 2  # citywide and 浒山街道
    citywide = next(line for line in changed if "全市" in line)
    assert "84.18%" in citywide and now in citywide
    assert f"sha256 {new_sha[:12]}" in citywide
    assert "replaced health/prepregnancy_checks_2023.csv" in citywide
    assert "rows changed: 1 only in the new delivery, 1 only in the old" in citywide
    assert out.strip().endswith(f"2 figure(s) changed between {old_db} and {folder / 'warehouse.db'}")

    code, out = run_cli(
        capsys, "diff", str(old_out / "reply-2024-147.docx"), str(drafted["out"] / "reply-2024-147.md")
    )
    changed = [line for line in out.splitlines() if "(health." in line]
    assert len(changed) == 1 and "84.18%" in changed[0] and now in changed[0]
    assert f"sha256 {new_sha[:12]}" in changed[0] and "rows 17 → 17" in changed[0]

    code, out = run_cli(capsys, "verify", str(old_out / "reply-2024-147.docx"), "--warehouse", drafted["url"])
    assert code == 1 and now in out


def test_diff_of_a_hand_edit_names_the_same_delivery(tmp_path, drafted, capsys, registry):
    original = tmp_path / "original"
    draft(drafted["url"], original, registry)
    shown = next(
        r["display"]
        for r in figures(open_engine(drafted["url"], write=False))
        if r["indicator"] == "health.prepregnancy_check_rate" and r["period"] == "2023" and r["area"] is None
    )
    edited = tmp_path / "edited" / "reply-2024-147.docx"
    edited.parent.mkdir()
    edit_in_word(original / "reply-2024-147.docx", edited, shown, "12.34%")
    shutil.copy(original / "reply-2024-147.provenance.json", edited.parent)
    code, out = run_cli(capsys, "diff", str(original / "reply-2024-147.docx"), str(edited))
    assert code == 0
    typed = next(line for line in out.splitlines() if "prepregnancy_check_rate" in line)
    assert "the document was edited" in typed and "12.34%" in typed and shown in typed


def test_the_second_reply_is_configuration_drafted_from_the_same_warehouse(drafted, capsys, registry):
    markdown = (drafted["out"] / "reply-2024-203.md").read_text(encoding="utf-8")
    assert markdown.startswith("# 慈溪市民政局文件")
    assert "沈建江代表：" in markdown and "慈民建〔2024〕12号" in markdown
    code, found = figures_in(drafted["out"] / "reply-2024-203.docx", None, registry)
    assert code == "reply-2024-203"
    assert len({f.indicator for f in found}) >= 6
    records = {
        (r["indicator"], r["period"], r["area"]): r["display"]
        for r in figures(open_engine(drafted["url"], write=False))
    }
    per_area = [f for f in found if f.area is not None]
    assert [(f.indicator, f.area) for f in per_area] == [("civil_affairs.elderly_care_beds", "庵东镇")]
    for figure in found:
        assert figure.shown == records[figure.key], figure.indicator
    assert (
        records[("civil_affairs.elderly_care_beds", "2024-03", "庵东镇")]
        != records[("civil_affairs.elderly_care_beds", "2024-03", None)]
    )
    code, out = run_cli(
        capsys, "verify", str(drafted["out"] / "reply-2024-203.docx"), "--warehouse", drafted["url"]
    )
    assert code == 0 and "all 8 figures match" in out
