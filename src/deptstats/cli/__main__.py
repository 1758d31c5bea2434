"""`python -m deptstats.cli`: the `deptstats` command."""

import sys

from deptstats.cli import main

sys.exit(main())
