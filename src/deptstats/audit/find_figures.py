"""Find the figures a reply quotes in a document (DOCX or Markdown), including one edited by hand.

A draft carries nothing hidden: the figures are found by the reply's own marked sentences. The
template is rendered with a marker in place of each figure, and each sentence holding markers
becomes a pattern (its text literally, each marker a capture). A document sentence matching the
pattern gives every figure in it. Where the sentence was reworded, each figure is looked for by
the words around it in the marked sentence (about six characters before, four after); a figure
found by neither is reported as not found, as when its sentence was deleted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from deptstats.core import Registry, reply_codes
from deptstats.reply import figure_period, render_body, reply_config

MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
MARKER = re.compile(f"{MARK_OPEN}(\\d+){MARK_CLOSE}")
# A quoted figure: a 【缺数…】 placeholder, or the shortest run of characters without sentence
# punctuation up to the marked sentence's next words.
VALUE = r"【[^】]*】|[^，。；、：！？【】\n]+?"
BLANKS = re.compile(r"[\s\u3000\u00a0\u200b]+")
LEFT_CONTEXT, RIGHT_CONTEXT = 6, 4


@dataclass(frozen=True)
class FoundFigure:
    indicator: str
    period: str
    area: str | None
    shown: str | None  # as the document writes it; None: not found
    found_by: str  # "sentence", "nearby words" or "not found"

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.indicator, self.period, self.area)


def normalise(text: str) -> str:
    return BLANKS.sub("", text)


def document_paragraphs(path: Path) -> list[str]:
    """The text of each paragraph, table cells included; Markdown marks dropped."""
    if path.suffix.lower() == ".docx":
        from docx import Document

        document = Document(str(path))
        paragraphs = [p.text for p in document.paragraphs]
        for table in document.tables:
            paragraphs += [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs]
        return paragraphs
    return [re.sub(r"^\s*(#+|[-*])\s+", "", line) for line in path.read_text(encoding="utf-8").splitlines()]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=。)", text) if s]


def detect_reply(paragraphs: list[str]) -> str:
    """The reply whose document number the document bears."""
    text = normalise("\n".join(paragraphs))
    matches = [code for code in reply_codes() if normalise(reply_config(code)["document_number"]) in text]
    if len(matches) != 1:
        raise ValueError(
            "cannot tell which reply this is (its document number names "
            f"{matches or 'no configured reply'}); give --reply"
        )
    return matches[0]


def marked_sentences(
    code: str, registry: Registry
) -> tuple[list[list[str]], list[tuple[str, str, str | None]]]:
    """The reply's sentences holding figures, each as tokens (text, or a marker), and what each
    marker stands for."""
    config = reply_config(code)
    quoted: list[tuple[str, str, str | None]] = []

    def fig(indicator_code: str, area: str | None = None) -> str:
        quoted.append((indicator_code, figure_period(config, indicator_code, registry), area))
        return f"{MARK_OPEN}{len(quoted) - 1}{MARK_CLOSE}"

    body = render_body(config, fig)
    marked = []
    for paragraph in body.split("\n"):
        for sentence in sentences(normalise(paragraph)):
            if MARKER.search(sentence):
                marked.append([t for t in re.split(f"({MARK_OPEN}\\d+{MARK_CLOSE})", sentence) if t])
    return marked, quoted


def sentence_pattern(tokens: list[str]) -> re.Pattern[str]:
    parts = [
        f"(?P<f{MARKER.fullmatch(t).group(1)}>{VALUE})" if MARKER.fullmatch(t) else re.escape(t)
        for t in tokens
    ]
    return re.compile("".join(parts))


def nearby_pattern(tokens: list[str], at: int) -> re.Pattern[str]:
    """The figure at tokens[at] with the marked sentence's words just before and after it;
    other figures within that reach stand as any value."""

    def reach(indices: range, wanted: int, from_end: bool) -> list[str]:
        parts, got = [], 0
        for i in indices:
            if got >= wanted:
                break
            token = tokens[i]
            if MARKER.fullmatch(token):
                parts.append(f"(?:{VALUE})")
                continue
            piece = token[-(wanted - got) :] if from_end else token[: wanted - got]
            parts.append(re.escape(piece))
            got += len(piece)
        return parts[::-1] if from_end else parts

    left = reach(range(at - 1, -1, -1), LEFT_CONTEXT, True)
    left_chars = sum(len(t) for t in tokens[:at] if not MARKER.fullmatch(t))
    right = reach(range(at + 1, len(tokens)), RIGHT_CONTEXT + max(0, LEFT_CONTEXT - left_chars), False)
    return re.compile("".join(left) + f"(?P<value>{VALUE})" + "".join(right))


def find_figures(
    paragraphs: list[str], code: str | None, registry: Registry
) -> tuple[str, list[FoundFigure]]:
    """(reply code, each figure the reply quotes, as the document shows it); `code` None: the
    reply whose document number the paragraphs show."""
    code = code or detect_reply(paragraphs)
    marked, quoted = marked_sentences(code, registry)
    normalised = [normalise(p) for p in paragraphs]
    document_sentences = [s for p in normalised for s in sentences(p)]
    text = "\n".join(normalised)
    found: dict[int, tuple[str, str]] = {}
    for tokens in marked:
        pattern = sentence_pattern(tokens)
        match = next((m for s in document_sentences if (m := pattern.fullmatch(s))), None)
        if match:
            found |= {int(k[1:]): (v, "sentence") for k, v in match.groupdict().items()}
            continue
        for at, token in enumerate(tokens):
            marker = MARKER.fullmatch(token)
            if marker and (near := nearby_pattern(tokens, at).search(text)):
                found[int(marker.group(1))] = (near.group("value"), "nearby words")
    figures = []
    for index, (indicator, period, area) in enumerate(quoted):
        shown, how = found.get(index, (None, "not found"))
        figures.append(FoundFigure(indicator, period, area, shown, how))
    return code, figures


def figures_in(path: Path, code: str | None, registry: Registry) -> tuple[str, list[FoundFigure]]:
    return find_figures(document_paragraphs(path), code, registry)
