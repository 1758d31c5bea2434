"""`python -m deptstats.cli`: the `deptstats` command."""

import sys

from deptstats.cli.entry import main

sys.exit(main())
