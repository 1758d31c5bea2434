"""deptstats: department extracts to a verified, traceable reply."""

__version__ = "0.1.0"
