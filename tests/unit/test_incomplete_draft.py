"""The note that a newer draft is INCOMPLETE goes on top of review notes edited by hand, in the
deployment's language, and replaces such a note of an earlier night in another language."""

from __future__ import annotations

from docx import Document

from deptstats.reply.review import NEWER_INCOMPLETE, name_newer_incomplete

CODE = "reply-2024-147"
MARKER = "本答复有一份更新的草稿缺数"  # NEWER_INCOMPLETE in zh_CN, the default language


def test_the_note_goes_on_top_of_review_notes_edited_by_hand(tmp_path, monkeypatch):
    from docx import Document as NewDocument

    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    newer = [tmp_path / f"{CODE}.INCOMPLETE.md"]
    edited = tmp_path / f"{CODE}.review.md"
    edited.write_text("# 审核\n\n核对完毕\n", encoding="utf-8")  # the notes' heading deleted
    name_newer_incomplete(edited, newer, ["hrss.maternity_disputes 2023"])
    assert edited.read_text(encoding="utf-8").startswith(
        f"- {MARKER}：{CODE}.INCOMPLETE.md，缺 1 项数据（hrss.maternity_disputes 2023）。"
    )
    document = NewDocument()
    document.add_paragraph("核对完毕")
    edited_docx = tmp_path / f"{CODE}.review.docx"
    document.save(str(edited_docx))
    name_newer_incomplete(edited_docx, newer, ["hrss.maternity_disputes 2023"])
    texts = [p.text for p in Document(str(edited_docx)).paragraphs]
    assert texts[0].startswith(MARKER) and texts[1] == "核对完毕"


def test_an_earlier_nights_note_in_another_language_is_replaced(tmp_path, monkeypatch):
    review = tmp_path / f"{CODE}.review.md"
    review.write_text("# 审核单\n\n## 审核提示 Review notes\n\n- 全部为终值\n", encoding="utf-8")
    newer = [tmp_path / f"{CODE}.INCOMPLETE.md"]
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    name_newer_incomplete(review, newer, ["hrss.maternity_disputes 2023"])
    english = review.read_text(encoding="utf-8")
    assert f"- {NEWER_INCOMPLETE}: {CODE}.INCOMPLETE.md, with 1 figure(s) missing" in english
    monkeypatch.setenv("DEPTSTATS_LANG", "zh_CN")
    name_newer_incomplete(review, newer, ["hrss.maternity_disputes 2023"])
    lines = review.read_text(encoding="utf-8").split("\n")
    assert NEWER_INCOMPLETE not in "\n".join(lines)
    assert lines[4].startswith(f"- {MARKER}：") and lines[5] == "- 全部为终值"
