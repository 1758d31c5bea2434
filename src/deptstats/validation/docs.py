"""Where GX Data Docs once went. They are no longer built (the stewards read a batch's problems
on their own pages); the target stays only as what callers of the loader still pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DocsTarget:
    """A Data Docs folder and the name a validation would get in it (no longer used)."""

    folder: Path
    name: str
    shared_static: Path | None = None
