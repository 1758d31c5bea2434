"""Running a suite with Great Expectations (an ephemeral context per file), with or without
Data Docs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deptstats.core import Extract
from deptstats.validation.docs import DocsTarget, escaped, share_static
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
    """One ephemeral GX context for a file: suites run on frames, results kept per check, and
    (if asked for) Data Docs as static HTML, rebuilt with every validation of the file."""

    def __init__(self, extract: Extract, docs: DocsTarget | None):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.extract, self.docs, self.runs, self.page = extract, docs, 0, None
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("deptstats")
        if docs is not None:
            self.context.add_data_docs_site(
                site_name="deptstats",
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs.folder.resolve()),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )

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
            if self.docs is None:
                run = self._validated(batch_definition, part, suite)
            else:
                run = self._validated_with_docs(batch_definition, part, suite)
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

    def _validated_with_docs(self, batch_definition: Any, part: pd.DataFrame, suite: Any) -> Any:
        """A checkpoint run, its results stored and the Data Docs site rebuilt."""
        import great_expectations as gx
        from great_expectations.checkpoint import UpdateDataDocsAction

        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{self.docs.name} #{self.runs}", data=batch_definition, suite=suite)
        )
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=suite.name, validation_definitions=[definition], result_format=_listing_failures()
            )
        )
        outcome = checkpoint.run(batch_parameters={"dataframe": part})
        run = next(iter(outcome.run_results.values()))
        # GX renders delivered values into the pages as HTML: the stored copy the pages are
        # built from gets them escaped (a cell may be <img src=x onerror=...>)
        for key, result in outcome.run_results.items():
            self.context.validation_results_store.set(key, escaped(result))
        UpdateDataDocsAction(name="data_docs", site_names=["deptstats"]).run(outcome)
        urls = self.context.get_docs_sites_urls(site_names=["deptstats"])
        self.page = urls[0]["site_url"] if urls else None
        share_static(self.docs)
        return run
