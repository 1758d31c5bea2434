"""Sample deliveries: one file per extract as the departments send them, with the faults they
make, for the demo and the tests; and large valid files for the benchmarks."""

from deptstats.core import lazy_exports

__all__ = ["write_sample"]

__getattr__ = lazy_exports(__name__, {"generate": ["write_sample"]})
