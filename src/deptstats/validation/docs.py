"""GX Data Docs: where they go, one shared copy of their static files, and delivered values
escaped before they are rendered."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DocsTarget:
    """Where Data Docs go, and the name this validation gets in them."""

    folder: Path
    name: str  # e.g. the delivered file's path under the landing folder
    shared_static: Path | None = None  # one copy of GX's 4 MB of styles and fonts for all sites


def share_static(docs: DocsTarget) -> None:
    """Replace the site's static/ folder by a relative link to one shared copy."""
    static = docs.folder / "static"
    if docs.shared_static is None or not static.is_dir() or static.is_symlink():
        return
    if docs.shared_static.exists():
        shutil.rmtree(static)
    else:
        docs.shared_static.parent.mkdir(parents=True, exist_ok=True)
        try:
            static.rename(docs.shared_static)
        except OSError:  # another task moved its copy there first
            shutil.rmtree(static)
    static.symlink_to(os.path.relpath(docs.shared_static, docs.folder), target_is_directory=True)


def escaped(result: Any) -> Any:
    """A copy of a GX suite result with every string in its results HTML-escaped."""
    import copy
    import html

    def escape(value: Any) -> Any:
        if isinstance(value, str):
            return html.escape(value)
        if isinstance(value, dict):
            return {key: escape(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(escape(item) for item in value)
        return value

    copied = copy.deepcopy(result)
    for expectation in copied.results:
        expectation.result = escape(expectation.result)
    return copied
