"""Sample deliveries: deterministic bytes, every extract and period, every format and quirk."""

from __future__ import annotations

import hashlib
import time

from deptstats.cli import main
from deptstats.ingest.landing import scan


def digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_command_twice_gives_the_same_bytes(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "a")]) == 0
    time.sleep(1.1)  # a later second: a time stamped into a file would show
    assert main(["sample", "--out", str(tmp_path / "b")]) == 0
    assert "wrote 24 sample deliveries" in capsys.readouterr().out
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_every_extract_has_the_reply_period_and_the_one_before(sample_dir, registry):
    found = {(d.extract.code, d.period.code) for d in scan(sample_dir, registry)}
    for extract in registry.extracts:
        periods = {"2023", "2022"} if extract.period == "year" else {"2024-03", "2023-12"}
        assert {p for code, p in found if code == extract.code} == periods, extract.code


def test_formats_and_quirks_are_all_exercised(sample_dir):
    files = [p for p in sample_dir.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".csv", ".xlsx", ".json"}
    csv_heads = [p.read_bytes() for p in files if p.suffix == ".csv"]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in csv_heads)  # UTF-8 with BOM
    gb = [b for b in csv_heads if not b.startswith(b"\xef\xbb\xbf")]
    assert any(_is_gb18030_only(b) for b in gb)  # GB18030
    text = "".join(b.decode("utf-8-sig", errors="ignore") for b in csv_heads)
    assert "年" in text and "/" in text  # date forms
    assert '"1,' in text or '"2,' in text or '"3,' in text  # thousands separators
    jsons = [p.read_text(encoding="utf-8") for p in files if p.suffix == ".json"]
    assert any(j.lstrip().startswith("[") for j in jsons)
    assert any('"records"' in j for j in jsons)


def _is_gb18030_only(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        data.decode("gb18030")
        return True
    return False


def test_xlsx_samples_have_title_total_and_footer_rows(sample_dir, registry):
    from deptstats.ingest.readers import read_file

    path = sample_dir / "health" / "childcare_institutions_2023.xlsx"
    table = read_file(path, registry.extract("childcare_institutions"))
    assert table.row_numbers[0] == 4  # title, blank, header above
    assert table.total_row is not None and table.total_row_number > table.row_numbers[-1]
    assert len(table.rows) == 149


def test_a_reply_name_cannot_leave_the_replies_folder():
    import pytest

    from deptstats.reply.drafting import reply_config

    assert reply_config("reply-2024-147")["document_number"] == "慈卫建〔2024〕7号"
    with pytest.raises(FileNotFoundError):
        reply_config("../replies/reply-2024-147")
