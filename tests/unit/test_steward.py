"""The steward's pages without a run: long values cut before they are shown, and Data Docs
files listed from their folder, never joined from a request."""

from __future__ import annotations

from deptstats.airflow import steward
from deptstats.airflow.steward_web import site_files


def test_long_values_are_cut_before_they_are_shown():
    value = "x" * 100_000
    assert len(steward.shown(value)) < 300 and steward.shown(value).endswith("(100000 characters)")
    assert steward.shown("公办") == "公办"


def test_data_docs_files_are_listed_never_joined(tmp_path):
    docs = tmp_path / "data_docs"
    site = docs / "education" / "kindergartens" / "0123456789abcdef"
    (site / "validations").mkdir(parents=True)
    (site / "index.html").write_text("<html></html>")
    (site / "validations" / "run.html").write_text("<html></html>")
    (docs / "static").mkdir()
    (docs / "static" / "style.css").write_text("body {}")
    (site / "static").symlink_to("../../../static", target_is_directory=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the browser")
    (site / "leak.txt").symlink_to(secret)
    files = site_files((site / "index.html").as_uri())
    assert set(files) == {"index.html", "validations/run.html", "static/style.css"}
    assert site_files(None) == {}
