"""Running a suite with Great Expectations (an ephemeral context per file). No Data Docs are
built: the stewards read a batch's problems on their own pages (/deptstats/problems/<batch>)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deptstats.core import Extract
from deptstats.validation.groups import KEY
from deptstats.validation.results import suite_name
from deptstats.validation.suite import Check

if TYPE_CHECKING:
    import pandas as pd


def _listing_failures() -> dict[str, Any]:
    """The result format that lists failing rows, each named by its KEY (a new one per run:
    GX may fill in what it is given)."""
    return {"result_format": "COMPLETE", "unexpected_index_column_names": [KEY]}


class Gx:
    """One ephemeral GX context for a file: suites run on frames, results kept per check. No
    Data Docs are built: `page` stays None (validation_run.docs_page is null)."""

    def __init__(self, extract: Extract):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.extract, self.runs, self.page = extract, 0, None
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("deptstats")

    def run(
        self, groups: list[tuple[pd.DataFrame, list[int]]], checks: list[Check]
    ) -> dict[int, tuple[Any, pd.DataFrame]]:
        """Per check number: its GX result and the frame it ran on."""
        results: dict[int, tuple[Any, pd.DataFrame]] = {}
        for part, numbers in groups:
            self.runs += 1
            batch_definition = self.source.add_dataframe_asset(
                f"{self.extract.code}_{self.runs}"
            ).add_batch_definition_whole_dataframe("whole file")
            suite = self._suite(part, numbers, checks)
            run = self._validated(batch_definition, part, suite)
            results |= {r.expectation_config.meta["check"]: (r, part) for r in run.results}
        return results

    def _suite(self, part: pd.DataFrame, numbers: list[int], checks: list[Check]) -> Any:
        """The suite of checks `numbers` for this run, added to the context."""
        import great_expectations as gx

        suite = gx.ExpectationSuite(name=f"{suite_name(self.extract)}.{self.runs}")
        for n in numbers:
            # a shallow copy: a suite takes its own expectation objects
            expectation = checks[n].expectation.copy(
                update={
                    "meta": {"check": n, "severity": checks[n].severity, "rule": checks[n].message.text("en")}
                }
            )
            if n in part.attrs.get("columns", {}):
                expectation.column = part.attrs["columns"][n]
            suite.add_expectation(expectation)
        return self.context.suites.add(suite)

    def _validated(self, batch_definition: Any, part: pd.DataFrame, suite: Any) -> Any:
        """What Batch.validate does, without first getting the batch on its own (GX
        fingerprints the whole frame each time it makes a batch of it). A quick pass says
        whether anything fails; only then are failing rows listed."""
        from great_expectations.validator.v1_validator import Validator

        # (GX fingerprints every column of the frame: the quick pass does without KEY)
        run = Validator(
            batch_definition=batch_definition,
            batch_parameters={"dataframe": part.drop(columns=[KEY])},
            result_format={"result_format": "BOOLEAN_ONLY"},
        ).validate_expectation_suite(suite)
        if not run.success:
            run = Validator(
                batch_definition=batch_definition,
                batch_parameters={"dataframe": part},
                result_format=_listing_failures(),
            ).validate_expectation_suite(suite)
        return run
