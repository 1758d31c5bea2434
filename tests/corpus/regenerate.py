"""Write tests/corpus/files/<case>/... from tests/corpus/cases.py."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.corpus.cases import cases

FILES = Path(__file__).resolve().parent / "files"


def main() -> None:
    shutil.rmtree(FILES, ignore_errors=True)
    for case in cases():
        for relative, data in case.files.items():
            path = FILES / case.name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    print(f"wrote {len(cases())} cases under {FILES}")


if __name__ == "__main__":
    main()
