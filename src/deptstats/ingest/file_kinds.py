"""What a delivered file really is, said before it is read as the kind its name claims: text in
UTF-16 or UTF-32 (Excel's "Unicode text", Notepad's "Unicode"), or an Office file in the old
compound format (a password-protected workbook, or an Excel 97-2003 .xls). Read as UTF-8 or
GB18030 or as a zip, these fail with messages no steward can act on."""

from __future__ import annotations

from pathlib import Path

from deptstats.core import TEXTS, gettext
from deptstats.ingest.tables import ReadError

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)
_HEAD_BYTES = 4096
# Share of NUL bytes at the places a wide encoding puts them (for every ASCII character:
# digits, commas, quotes, braces); a UTF-8 or GB18030 file has none, or a stray one in a cell.
_WIDE_NULS = 0.2
_NARROW_NULS = 0.02
# Compound File Binary (OLE2): an encrypted OOXML workbook, or an old .xls/.doc.
CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAMS = ("EncryptedPackage", "EncryptionInfo")


def wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 (and byte order) if the file is text in one of them, told by its byte
    order mark or, without one, by where its first bytes hold NUL."""
    for mark, name in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return f"{name}, with a byte order mark"
    head = data[: _HEAD_BYTES - _HEAD_BYTES % 4]
    if len(head) < 8 or b"\x00" not in head:
        return None
    quads = len(head) // 4
    share = [head[place::4].count(0) / quads for place in range(4)]
    if min(share[2], share[3]) > 0.9:
        return "UTF-32 (little-endian)"
    if min(share[0], share[1]) > 0.9:
        return "UTF-32 (big-endian)"
    even, odd = (share[0] + share[2]) / 2, (share[1] + share[3]) / 2
    if odd >= _WIDE_NULS and even <= _NARROW_NULS:
        return "UTF-16 (little-endian)"
    if even >= _WIDE_NULS and odd <= _NARROW_NULS:
        return "UTF-16 (big-endian)"
    return None


def refuse_wide_text(data: bytes, path: Path) -> None:
    """Refuse text in UTF-16 or UTF-32, naming it and how to save the file instead."""
    encoding = wide_encoding(data)
    if encoding is None:
        return
    again = TEXTS["wide_text_again_json" if path.suffix.lower() == ".json" else "wide_text_again_csv"]
    raise ReadError(path.name, "wide_text", encoding=encoding, again=gettext(again))


def refuse_compound_file(data: bytes, path: Path) -> None:
    """Refuse a password-protected workbook or an old-format .xls (both are compound files,
    not the zip an .xlsx is), saying which and what to do."""
    if not data.startswith(CFB_SIGNATURE):
        return
    # stream names are stored in UTF-16 in the compound file's directory
    if any(name.encode("utf-16-le") in data or name.encode() in data for name in _ENCRYPTED_STREAMS):
        raise ReadError(path.name, "workbook_encrypted")
    raise ReadError(path.name, "old_workbook")
