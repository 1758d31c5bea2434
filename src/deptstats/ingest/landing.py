"""The landing folder: which delivered files there are, what each claims to be, its sha256."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from deptstats.core import N_, TEXTS, Extract, Message, Period, Registry, parse_period, render

# Digits are ASCII 0-9 wherever a rule or a name reads them (Python's \d matches any script's).
FILE_NAME = re.compile(
    r"^(?P<extract>[a-z][a-z0-9_]*?)_(?P<period>[0-9]{4}(?:-[0-9]{2})?)\.(?P<ext>csv|xlsx|json)$",
    re.IGNORECASE,
)


DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024


def max_file_bytes() -> int:
    """Largest file taken, from $DEPTSTATS_MAX_FILE_BYTES (default 200 MiB)."""
    return int(os.environ.get("DEPTSTATS_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


@dataclass(frozen=True)
class Delivery:
    """One file in the landing folder, named <department>/<extract>_<period>.<ext>."""

    path: Path
    relative: str  # path under the landing folder, with forward slashes
    extract: Extract | None
    period: Period | None
    problem: Message | None = None  # why the file cannot be taken, if it cannot (said after its path)
    unreadable: bool = False  # refused before reading: never open it
    identity: tuple[int, int] | None = None  # (device, inode) the scan saw
    size: int | None = None  # bytes the scan saw
    mtime_ns: int | None = None  # modification time the scan saw

    def changed_since_scan(self) -> bool:
        """Whether the file is no longer as the scan saw it (another inode, size or
        modification time, or gone): still being written, or replaced. One stat."""
        try:
            current = os.lstat(self.path)
        except FileNotFoundError:
            return True
        return ((current.st_dev, current.st_ino), current.st_size, current.st_mtime_ns) != (
            self.identity,
            self.size,
            self.mtime_ns,
        )

    def modified_after(self, instant: float) -> bool:
        """Whether the scan saw it modified after `instant` (seconds since the epoch)."""
        return self.mtime_ns is not None and self.mtime_ns > instant * 1e9

    def fingerprint(self) -> str:
        """sha256 of the content; for a file refused before reading, of what was seen of it
        without opening it (link target, or kind, size and time), so a change shows."""
        if not self.unreadable:
            with self.open() as source:
                return hashlib.file_digest(source, "sha256").hexdigest()
        if not os.path.lexists(self.path):
            seen = "missing"
        elif self.path.is_symlink():
            seen = f"link:{os.readlink(self.path)}"
        else:
            seen_stat = self.path.lstat()
            return _seen(stat.S_IFMT(seen_stat.st_mode), seen_stat.st_size, seen_stat.st_mtime_ns)
        return sha256_of(seen.encode())

    def fingerprint_unopened(self) -> str:
        """For a file refused without being opened (a name no extract takes): the fingerprint
        of what the scan saw of it (kind, size and time), without a system call."""
        if self.size is None or self.mtime_ns is None:
            return replace(self, unreadable=True).fingerprint()
        return _seen(stat.S_IFREG, self.size, self.mtime_ns)

    def open(self) -> BinaryIO:
        """The delivered file as the scan saw it, opened without following any link on the way
        (each folder and the file itself O_NOFOLLOW), without blocking on a pipe (O_NONBLOCK),
        and only if it is still that regular file (same device and inode). Raises
        FileReplaced otherwise, FileNotFoundError if it is gone."""
        parts = self.relative.split("/")
        root = self.path.parents[len(parts) - 1]
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
        folder = os.open(root, flags | os.O_DIRECTORY)
        try:
            for part in parts[:-1]:
                inner = _open_or_refuse(self, part, flags | os.O_DIRECTORY, folder)
                os.close(folder)
                folder = inner
            handle = _open_or_refuse(self, parts[-1], flags | os.O_NONBLOCK, folder)
        finally:
            os.close(folder)
        seen = os.fstat(handle)
        if not stat.S_ISREG(seen.st_mode):
            os.close(handle)
            raise FileReplaced.saying(Message("replaced_after_scan", {"file": self.relative}))
        if self.identity is not None and (seen.st_dev, seen.st_ino) != self.identity:
            os.close(handle)
            raise FileRenewed(
                render(
                    N_(
                        "{file} was replaced by another file after the landing folder was scanned; "
                        "nothing was loaded from it: it will be loaded on the next run once it "
                        "stops changing"
                    ),
                    file=self.relative,
                )
            )
        os.set_blocking(handle, True)
        return os.fdopen(handle, "rb")

    def read(self) -> bytes:
        with self.open() as source:
            return source.read()


def _seen(kind: int, size: int, mtime_ns: int) -> str:
    """The fingerprint of a file known only by what a stat shows of it."""
    return sha256_of(f"mode:{kind}:size:{size}:mtime:{mtime_ns}".encode())


class FileReplaced(OSError):
    """A delivered file is no longer the regular file the scan saw (a link or pipe now);
    `message`, what the steward is told."""

    message: Message | None = None

    @classmethod
    def saying(cls, message: Message) -> FileReplaced:
        error = cls(message.text())
        error.message = message
        return error


class FileRenewed(FileReplaced):
    """Another regular file stands at the path since the scan: a re-delivery written elsewhere
    and renamed into place. Not read now; it is still arriving, and the next run takes it."""


def _open_or_refuse(delivery: Delivery, name: str, flags: int, folder: int) -> int:
    try:
        return os.open(name, flags, dir_fd=folder)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise FileReplaced.saying(Message("became_link", {"file": delivery.relative})) from None
        raise


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _outside(landing: Path, path: Path) -> Message | None:
    """Why a path under the landing folder must not be read, if it leads elsewhere."""
    target = path.resolve()
    root = landing.resolve()
    if target != root and root not in target.parents:
        return Message("outside_landing", {"target": str(target)})
    if path.is_symlink():
        return Message("symbolic_link_deliver")
    return None


def classify(
    landing: Path,
    path: Path,
    registry: Registry,
    max_bytes: int | None = None,
    seen: os.stat_result | None = None,
    relative: str | None = None,
) -> Delivery:
    """What a file found by the scan claims to be, and whether it may be read. `path` lies
    in a folder under the landing folder reached without following a link; `seen` is its
    lstat and `relative` its path under the landing folder, if the scan has them."""
    if relative is None:
        relative = path.relative_to(landing).as_posix()
    extract, period, problem = _claimed(relative, path.name, registry)
    seen = path.lstat() if seen is None else seen
    refused = _not_to_be_read(landing, path, seen, max_bytes)
    if refused is not None:
        return Delivery(path, relative, extract, period, refused, unreadable=True)
    return Delivery(
        path,
        relative,
        extract,
        period,
        problem,
        identity=(seen.st_dev, seen.st_ino),
        size=seen.st_size,
        mtime_ns=seen.st_mtime_ns,
    )


def _claimed(
    relative: str, name: str, registry: Registry
) -> tuple[Extract | None, Period | None, Message | None]:
    """The extract and period a file's path names, and what is wrong with the name if
    anything."""
    parts = relative.split("/")
    # full-width digits and letters read as ASCII (２０２３ is 2023), so one period has one name;
    # other digits (٢٠٢٣) match no period
    match = FILE_NAME.match(unicodedata.normalize("NFKC", name))
    if len(parts) != 2 or match is None:
        return None, None, Message("name_not_recognised")
    extract: Extract | None = None
    period: Period | None = None
    problem: Message | None = None
    department, code = parts[0], match.group("extract").lower()
    try:
        extract = registry.extract(code)
    except KeyError:
        problem = Message("unknown_extract", {"code": repr(code)})
    if extract is not None and extract.department != department:
        problem = Message(
            "wrong_folder", {"code": code, "folder": extract.department, "department": department}
        )
    elif extract is not None:
        try:
            period = parse_period(match.group("period"))
        except ValueError as error:
            problem = Message("bad_period", {"error": str(error)})
        if period is not None and period.kind != extract.period:
            wanted = "YYYY" if extract.period == "year" else "YYYY-MM"
            problem = Message(
                "wrong_period_kind",
                {"code": code, "kind": extract.period, "wanted": wanted, "given": match.group("period")},
            )
            period = None
    return extract, period, problem


def _not_to_be_read(landing: Path, path: Path, seen: os.stat_result, max_bytes: int | None) -> Message | None:
    """Why a file must not be opened at all (a link, no regular file, too large), or None."""
    if stat.S_ISLNK(seen.st_mode):  # only a link can lead outside: the scan follows none
        return _outside(landing, path) or Message("symbolic_link")
    if not stat.S_ISREG(seen.st_mode):
        # a named pipe would block the reader forever, a device never ends
        return Message("not_regular_file", {"kind": _kind(seen.st_mode)})
    limit = max_file_bytes() if max_bytes is None else max_bytes
    if seen.st_size > limit:
        return Message("oversize", {"size": seen.st_size, "limit": limit})
    return None


def _kind(mode: int) -> str:
    kinds = {
        stat.S_IFIFO: "named_pipe",
        stat.S_IFSOCK: "socket",
        stat.S_IFCHR: "character_device",
        stat.S_IFBLK: "block_device",
        stat.S_IFDIR: "folder",
    }
    return render(TEXTS[kinds.get(stat.S_IFMT(mode), "not_plain_file")])


class LandingMissing(Exception):
    """The landing folder is missing, not a folder or unreadable: a misconfiguration, which
    no retry mends."""


def check_landing(landing: Path) -> None:
    """Raise LandingMissing unless `landing` is a folder that can be listed."""
    if not landing.exists():
        raise LandingMissing(
            f"the landing folder {landing} does not exist: check --landing, "
            "the DAG param landing or DEPTSTATS_LANDING"
        )
    if not landing.is_dir():
        raise LandingMissing(
            f"the landing folder {landing} is not a folder: check --landing, "
            "the DAG param landing or DEPTSTATS_LANDING"
        )
    if not os.access(landing, os.R_OK | os.X_OK):
        raise LandingMissing(
            f"the landing folder {landing} cannot be read (permission "
            "denied): give the account that runs the loads read access"
        )


def _walk(landing: Path) -> Iterator[tuple[Path, str, os.stat_result | OSError]]:
    """Each entry under the landing folder with its path under it and its lstat (a link is not
    followed), and each folder that could not be listed with the error; hidden names are left
    out."""
    pending = [(landing, "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            yield folder, prefix.rstrip("/"), error
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append((Path(entry.path), f"{prefix}{entry.name}/"))
            else:
                yield Path(entry.path), prefix + entry.name, entry.stat(follow_symlinks=False)


def _unlisted(folder: Path, relative: str, error: OSError) -> Delivery:
    reason = (error.strerror or str(error)).lower()
    return Delivery(
        folder,
        relative or ".",
        None,
        None,
        Message("folder_unreadable", {"reason": reason}),
        unreadable=True,
    )


def scan(landing: Path, registry: Registry, max_bytes: int | None = None) -> list[Delivery]:
    """Every file under the landing folder, sorted, classified by its name, listed once.
    Links are not followed: a linked file is refused, a linked folder reported as one refused
    entry, and so is a folder that cannot be read. Raises LandingMissing if there is no
    landing folder to scan."""
    check_landing(landing)
    limit = max_file_bytes() if max_bytes is None else max_bytes
    found = []
    for path, relative, seen in _walk(landing):
        found.append(
            _unlisted(path, relative, seen)
            if isinstance(seen, OSError)
            else classify(landing, path, registry, limit, seen, relative)
        )
    return sorted(found, key=lambda delivery: delivery.relative.split("/"))


def deliveries_of(
    landing: Path,
    registry: Registry,
    extract_code: str,
    max_bytes: int | None = None,
    scanned: list[Delivery] | None = None,
) -> list[Delivery]:
    """The deliveries named for one extract and a valid period, sorted by period, from the
    landing folder scanned now or as `scanned` already."""
    if scanned is None:
        scanned = scan(landing, registry, max_bytes)
    found = [
        d
        for d in scanned
        if d.extract is not None and d.extract.code == extract_code and d.period is not None
    ]
    return sorted(found, key=lambda d: (d.period.code, d.relative))
