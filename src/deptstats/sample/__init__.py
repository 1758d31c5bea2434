"""Sample deliveries: one file per extract as the departments send them, with the faults they
make, for the demo and the tests; large valid files for the benchmarks; and a contacts file of
made-up people for the demo."""

from deptstats.core import lazy_exports

__all__ = ["write_sample", "write_sample_contacts"]

__getattr__ = lazy_exports(__name__, {"contacts": ["write_sample_contacts"], "generate": ["write_sample"]})
