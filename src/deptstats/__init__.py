"""deptstats: department extracts to a verified, traceable reply."""

import os

__version__ = "0.1.0"

# openpyxl serialises workbooks through lxml when lxml is installed (python-docx brings it),
# and the bytes differ from its own writer's; the sample and corpus workbooks must be the same
# bytes everywhere, so openpyxl keeps its own writer unless the operator says otherwise.
os.environ.setdefault("OPENPYXL_LXML", "False")
