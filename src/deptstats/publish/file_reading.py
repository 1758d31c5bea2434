"""Reading a delivered file for its load: the first chunk (for most files the whole file) is
read and checked before the publishing transaction opens; the rest is read inside it, as it
is written."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deptstats.core import N_, TUNING, Message, Registry, render
from deptstats.ingest import (
    Delivery,
    FileRenewed,
    FileReplaced,
    IrregularCsv,
    RawTable,
    ReadError,
    iter_tables,
    read_file,
    sha256_of,
)
from deptstats.publish.unloaded import unread
from deptstats.validation import FileValidation

if TYPE_CHECKING:
    import pandas as pd


class FileChanged(RuntimeError):
    """The file changed between the scan and the end of its reading (still being written):
    nothing of it is written, and the next run loads it once it stops changing."""

    def __init__(self, file: str):
        super().__init__(
            render(
                N_(
                    "{file} was still being written while it was read (it changed after the "
                    "landing folder was scanned); nothing was loaded from it: it will be loaded "
                    "on the next run once it stops changing"
                ),
                file=file,
            )
        )


@dataclass(frozen=True)
class Fingerprinted:
    """A delivered file as fingerprinted before it is read: its size, its sha256 and, unless
    it is a large CSV read as a stream, its bytes."""

    delivery: Delivery
    size: int
    sha256: str
    data: bytes | None = None

    def whole_bytes(self) -> bytes:
        """The file's bytes, read now if they were not; FileChanged if they are no longer the
        bytes fingerprinted."""
        if self.data is not None:
            return self.data
        data = self.delivery.read()
        if sha256_of(data) != self.sha256:
            raise FileChanged(self.delivery.relative)
        return data


@dataclass(frozen=True)
class CheckedAgainst:
    """What a file's validation stands on: the registry; the referenced extract's publication
    of the period (its batch and the ids it holds; None when it is not published, or there is
    no cross-extract rule); the significant digits the warehouse keeps exactly."""

    registry: Registry
    reference_batch_id: int | None = None
    references: list[str] | None = None
    exact_digits: int | None = None


@dataclass(frozen=True)
class Opened:
    """A file read and checked as far as its first chunk (checked whole if it came in one
    piece). `frames` gives the file's frames in order, each further chunk read and framed
    as it is asked for, and checked in groups as they come; `hasher` is fed the streamed
    bytes, to check they are the bytes fingerprinted (None: the file was read whole, its
    fingerprint checked then)."""

    validation: FileValidation
    frames: Iterator[pd.DataFrame]
    row_label: str
    hasher: Any = None

    @property
    def read_whole(self) -> bool:
        return self.hasher is None


@dataclass(frozen=True)
class Unread:
    """A file that could not be read as its extract: why (said after the file's name)."""

    message: Message

    @property
    def reason(self) -> str:
        return self.message.text()


def open_file(content: Fingerprinted, basis: CheckedAgainst, whole: bool = False) -> Opened | Unread:
    """Read and check the file's first chunk (`whole`: the file in one piece, row by row if
    need be)."""
    delivery = content.delivery
    validation = FileValidation(
        delivery.extract,
        delivery.period,
        basis.registry,
        basis.references,
        exact_digits=basis.exact_digits,
    )
    chunks: Iterator[RawTable] | None = None
    hasher = None
    try:
        if not whole and content.data is None:
            hasher = hashlib.sha256()
            chunks = iter_tables(delivery.path, delivery.extract, hasher=hasher, opener=delivery.open)
            try:
                first = next(chunks)
            except IrregularCsv:  # not regular enough to stream: read it row by row
                chunks = None
        if chunks is None:
            hasher = None  # whole_bytes checks the fingerprint
            first = read_file(delivery.path, delivery.extract, content.whole_bytes())
            chunks = iter(())
    except ReadError as error:
        return Unread(error.message)
    except FileRenewed:
        raise FileChanged(delivery.relative) from None
    except (FileReplaced, FileNotFoundError, PermissionError) as gone:
        return Unread(unread(delivery, gone))
    frame = validation.frame(first)
    if first.final:  # a file in one piece is checked before the transaction opens
        validation.check()
    return Opened(validation, _frames(validation, frame, chunks), first.row_label, hasher)


def _frames(
    validation: FileValidation, first: pd.DataFrame, rest: Iterator[RawTable]
) -> Iterator[pd.DataFrame]:
    """The file's frames: the first chunk's, framed already, then each further chunk's, framed
    as it is read. Once a frame is taken the rows held unchecked are checked, TUNING.check_rows
    at a time (a GX run costs about the same for any number of rows)."""
    yield first
    del first  # written by now: not held while the rest is read
    for chunk in rest:
        yield validation.frame(chunk)
        if validation.unchecked_rows >= TUNING.check_rows and not chunk.final:
            validation.check()
