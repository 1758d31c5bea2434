"""The letter as Markdown: the same parts, in the same order, as the GB/T 9704 DOCX."""

from __future__ import annotations

from deptstats.reply.model import Letter, date_label


def addressee(letter: Letter) -> str:
    """主送: the deputy the reply answers."""
    return f"{letter.config['deputy']}代表："


def note_line(letter: Letter) -> str:
    """附注: whom to call about the reply."""
    return f"（联系人：{letter.config['contact']}，联系电话：{letter.config['phone']}）"


def copy_line(letter: Letter) -> str:
    return "抄送：" + "，".join(letter.config["copy_to"]) + "。"


def printed_line(letter: Letter) -> tuple[str, str]:
    return letter.config["printed_by"], f"{date_label(letter.config['date'])}印发"


def markdown(letter: Letter) -> str:
    config = letter.config
    lines = [
        f"# {config['office']}文件",
        "",
        f"{config['document_number']}　　　　签发人：{config['signer']}",
        "",
        f"## {''.join(config['title_lines'])}",
        "",
        addressee(letter),
        "",
    ]
    for kind, text in letter.blocks:
        lines += [f"### {text}" if kind == "heading" else text, ""]
    printed_by, printed_on = printed_line(letter)
    lines += [
        config["office"],
        "",
        date_label(config["date"]),
        "",
        note_line(letter),
        "",
        "---",
        "",
        copy_line(letter),
        "",
        f"{printed_by}　　{printed_on}",
    ]
    return "\n".join(lines) + "\n"
