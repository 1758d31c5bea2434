"""The note that a newer draft is INCOMPLETE goes on top of review notes edited by hand."""

from __future__ import annotations

from docx import Document

from deptstats.reply.review import NEWER_INCOMPLETE

CODE = "reply-2024-147"


def test_the_note_goes_on_top_of_review_notes_edited_by_hand(tmp_path):
    from docx import Document as NewDocument

    from deptstats.reply.review import name_newer_incomplete

    newer = [tmp_path / f"{CODE}.INCOMPLETE.md"]
    edited = tmp_path / f"{CODE}.review.md"
    edited.write_text("# 审核\n\n核对完毕\n", encoding="utf-8")  # the notes' heading deleted
    name_newer_incomplete(edited, newer, ["hrss.maternity_disputes 2023"])
    assert edited.read_text(encoding="utf-8").startswith(f"- {NEWER_INCOMPLETE}: ")
    document = NewDocument()
    document.add_paragraph("核对完毕")
    edited_docx = tmp_path / f"{CODE}.review.docx"
    document.save(str(edited_docx))
    name_newer_incomplete(edited_docx, newer, ["hrss.maternity_disputes 2023"])
    texts = [p.text for p in Document(str(edited_docx)).paragraphs]
    assert texts[0].startswith(NEWER_INCOMPLETE) and texts[1] == "核对完毕"
