"""openpyxl with its own XML writer and parser, not lxml's.

openpyxl serialises workbooks through lxml when lxml is installed (python-docx brings it), and
the bytes differ from its own writer's: the sample and corpus workbooks must be the same bytes
everywhere, and every workbook is read the same way. openpyxl takes the choice from
$OPENPYXL_LXML once, when it is first imported; an operator's own setting stands."""

from __future__ import annotations

import os
import sys
from types import ModuleType

CHOICE = "OPENPYXL_LXML"


def openpyxl_without_lxml() -> ModuleType:
    """openpyxl, imported (the first time) with $OPENPYXL_LXML set to False for that import
    alone, unless the variable is set already. Once imported, openpyxl keeps its choice."""
    if "openpyxl" not in sys.modules and CHOICE not in os.environ:
        os.environ[CHOICE] = "False"
        try:
            import openpyxl
        finally:
            del os.environ[CHOICE]
    import openpyxl

    return openpyxl
