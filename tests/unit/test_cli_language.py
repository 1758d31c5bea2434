"""`deptstats --lang`: the language of the command's words and of the processes it starts."""

from __future__ import annotations

import os

import pytest

from deptstats.cli import main


@pytest.mark.parametrize(
    "argv, said",
    [
        (["--lang", "en", "figures", "--format", "xlsx"], "writes a workbook; give the file: --output"),
        (["figures", "--format", "xlsx", "--lang", "zh_CN"], "输出的是 Excel 工作簿，请用 --output"),
    ],
)
def test_lang_sets_the_language_for_this_process_and_its_children(monkeypatch, argv, said):
    monkeypatch.setenv("DEPTSTATS_LANG", "zh_CN" if "en" in argv else "en")  # restored afterwards
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert said in str(refused.value)
    assert os.environ["DEPTSTATS_LANG"] == argv[argv.index("--lang") + 1]  # children inherit it


def test_without_lang_the_deployments_language_stands(monkeypatch):
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    with pytest.raises(SystemExit, match="writes a workbook"):
        main(["figures", "--format", "xlsx"])
    assert os.environ["DEPTSTATS_LANG"] == "en"


def test_lang_is_one_with_a_catalog(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "fr", "figures"])
    assert "invalid choice: 'fr'" in capsys.readouterr().err
