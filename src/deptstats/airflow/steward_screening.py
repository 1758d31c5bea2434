"""What the upload page needs besides its routes: the upload's body read as it streams in and
cut off past the size limit, the Origin every POST must come from, one screening at a time per
user, and the uploaded file kept in a staging folder until it is delivered. The screening
itself runs in another process (warm_screening): the api-server has one worker, and a
screening run in it would stop every page of the UI until it ended."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from deptstats.core import non_negative_setting
from deptstats.publish import ScreenReport

DEFAULT_UPLOAD_MAX_BYTES = 200 * 1024 * 1024  # as the loader's DEPTSTATS_MAX_FILE_BYTES
DEFAULT_SCREEN_TIMEOUT_SECONDS = 60
FORM_OVERHEAD = 64 * 1024  # the form's other fields and the multipart boundaries
STAGED_FOR_SECONDS = 24 * 3600  # an upload screened and never delivered is removed after this
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
META = "upload.json"


def upload_max_bytes() -> int:
    """The largest file the upload page takes ($DEPTSTATS_UPLOAD_MAX_BYTES, default 200 MiB)."""
    return int(non_negative_setting("DEPTSTATS_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def screen_timeout() -> float:
    """How long a screening may take ($DEPTSTATS_SCREEN_TIMEOUT_SECONDS, default 60)."""
    return non_negative_setting("DEPTSTATS_SCREEN_TIMEOUT_SECONDS", DEFAULT_SCREEN_TIMEOUT_SECONDS)


# ---- the request -------------------------------------------------------------------------------


class TooLarge(Exception):
    """The body went past the limit while it streamed in."""


class BadForm(Exception):
    """Not a multipart form the page sent."""


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, the default port left out, lowercase."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    port = parts.port
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def same_origin(origin: str | None, base_url: str) -> bool:
    """Whether a POST's Origin header is Airflow's own ([api] base_url); no Origin: refused
    (every browser sends one with a POST)."""
    if not origin or origin == "null" or not base_url:
        return False
    return origin_of(origin) == origin_of(base_url)


async def read_form(request: Request, limit: int) -> FormData:
    """The multipart form, read as it streams in: TooLarge as soon as more than the file limit
    (and room for the other fields) has come, whatever Content-Length said."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadForm("not multipart/form-data")
    ceiling = limit + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > ceiling:
        raise TooLarge

    async def counted() -> AsyncIterator[bytes]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > ceiling:
                raise TooLarge
            yield chunk

    parser = MultiPartParser(request.headers, counted(), max_files=1, max_fields=8)
    try:
        return await parser.parse()
    except MultiPartException as error:
        raise BadForm(error.message) from None


# ---- one screening at a time per user ------------------------------------------------------------


class Busy(Exception):
    """The user has a screening running already."""


@contextmanager
def screening_slot(staging: Path, user: str) -> Iterator[None]:
    """Held while one of the user's uploads is read and screened; Busy if another is. A lock
    on a file (by the user's name's digest), so it holds across the api-server's processes and
    is let go if one dies."""
    locks = staging / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    path = locks / hashlib.sha256(user.encode()).hexdigest()[:32]
    handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(user) from None
        yield
    finally:
        os.close(handle)  # lets the lock go


# ---- staging -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staged:
    """An upload kept until it is delivered: its folder under the staging folder, its file
    (named as it will be delivered) and what is known of it."""

    upload_id: str
    folder: Path
    file: Path
    meta: dict[str, Any]

    @property
    def report(self) -> ScreenReport:
        return ScreenReport.from_json(self.meta["report"])

    @property
    def uploaded_at(self) -> datetime:
        return datetime.fromisoformat(self.meta["uploaded_at"])

    def save(self, **meta: Any) -> Staged:
        meta = self.meta | meta
        temporary = self.folder / f".{META}.part"
        temporary.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.folder / META)
        return Staged(self.upload_id, self.folder, self.file, meta)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def stage(staging: Path, upload_id: str, name: str, source: Any, meta: dict[str, Any]) -> Staged:
    """The uploaded file (a binary file object) copied into staging/<upload_id>/<name>, readable
    by this account alone."""
    folder = staging / upload_id
    folder.mkdir(mode=0o700, parents=True)
    file = folder / name
    with open(file, "xb") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    os.chmod(file, 0o600)
    return Staged(upload_id, folder, file, {}).save(**meta)


def staged(staging: Path, upload_id: str) -> Staged | None:
    """An upload kept in staging by its id, or None (never a path made from the request)."""
    if not UPLOAD_ID.match(upload_id):
        return None
    folder = staging / upload_id
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    return Staged(upload_id, folder, folder / meta["name"], meta)


def sweep(staging: Path, older_than: float = STAGED_FOR_SECONDS) -> None:
    """Remove the uploads screened and never delivered, once they are a day old."""
    if not staging.is_dir():
        return
    cutoff = time.time() - older_than
    for entry in staging.iterdir():
        if UPLOAD_ID.match(entry.name) and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
