"""Deterministic, record-level sample deliveries for every extract and period of reply 2024-147
(and the period before each), in the formats departments really send: UTF-8, BOM and GB18030
CSV with thousands separators, full-width digits and mixed date forms; XLSX with title rows,
a total row and footer lines; JSON arrays and {"records": [...]} objects.

Totals are chosen so that the pipeline computes the figures of shared/spec/reply-2024-147.md;
the generator itself computes no indicator.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deptstats.core import Extract, Registry
from deptstats.sample.files import (
    Record,
    write_csv,
    write_json,
    write_xlsx,
)
from deptstats.sample.records import (
    Institutions,
    centers,
    disputes,
    elderly,
    events,
    institutions,
    kindergartens,
    loans,
    newborn,
    prepregnancy,
    stations,
    subsidies,
    villages,
)

SEED = 147
# The sample deliveries are dated 2024-04-01 00:00 (Asia/Shanghai), long settled: a run right
# after `deptstats sample` (make demo, `airflow up` filling a missing landing folder) takes them
# without waiting out the settle time that holds back files still being written.
DELIVERED_AT_NS = 1_711_900_800 * 10**9


# ------------------------------------------------------------------ writers


Writer = Callable[[Extract, list[Record]], bytes]


Plan = list[tuple[str, str, str, Writer, Callable[[], list[Record]]]]


@dataclass(frozen=True)
class _Writers:
    registry: Registry

    def xlsx(self, title: str) -> Writer:
        def write(extract: Extract, records: list[Record]) -> bytes:
            department = self.registry.department(extract.department).name
            return write_xlsx(extract, records, title, department)

        return write

    def csv_in(self, encoding: str) -> Writer:
        return lambda extract, records: write_csv(extract, records, encoding)

    def json_as(self, wrapped: bool) -> Writer:
        return lambda extract, records: write_json(extract, records, wrapped)


def _plan(registry: Registry) -> Plan:
    """(extract, period, ext, writer, records) for every sample delivery."""
    rng = random.Random(SEED)
    institutions_2023 = institutions(
        rng,
        registry,
        2023,
        Institutions(
            registered=141,
            unregistered=5,
            cancelled=3,
            slots=6595,
            inclusive=5544,
            new_slots=2437,
            five_star=1,
            four_star=2,
        ),
    )
    institutions_2022 = institutions(
        rng,
        registry,
        2022,
        Institutions(
            registered=112,
            unregistered=4,
            cancelled=2,
            slots=4158,
            inclusive=3380,
            new_slots=1210,
            five_star=0,
            four_star=1,
        ),
    )
    return _health_plan(rng, registry, institutions_2023, institutions_2022) + _other_plan(rng, registry)


def _health_plan(
    rng: random.Random, r: Registry, institutions_2023: list[Record], institutions_2022: list[Record]
) -> Plan:
    w = _Writers(r)
    xlsx, csv_in, json_as = w.xlsx, w.csv_in, w.json_as
    return [
        ("prepregnancy_checks", "2023", "csv", csv_in("gb18030"), lambda: prepregnancy(rng, r, 9870, 8309)),
        ("prepregnancy_checks", "2022", "csv", csv_in("utf-8"), lambda: prepregnancy(rng, r, 9650, 7960)),
        (
            "newborn_screening",
            "2023",
            "xlsx",
            xlsx("2023年新生儿疾病筛查情况统计表"),
            lambda: newborn(rng, r, 5012, 5012, 5007, 5002, 0),
        ),
        (
            "newborn_screening",
            "2022",
            "json",
            json_as(False),
            lambda: newborn(rng, r, 5480, 5480, 5471, 5466, 1),
        ),
        ("childcare_institutions", "2023", "xlsx", xlsx("2023年全市托育机构名录"), lambda: institutions_2023),
        ("childcare_institutions", "2022", "csv", csv_in("utf-8-sig"), lambda: institutions_2022),
        (
            "childcare_subsidies",
            "2023",
            "json",
            json_as(True),
            lambda: subsidies(rng, institutions_2023, 2023, {1: (96, 192_896_000), 2: (40, 81_240_050)}),
        ),
        (
            "childcare_subsidies",
            "2022",
            "xlsx",
            xlsx("2022年托育补助资金拨付明细"),
            lambda: subsidies(rng, institutions_2022, 2022, {1: (80, 150_320_000)}),
        ),
        (
            "infant_care_stations",
            "2023",
            "csv",
            csv_in("utf-8"),
            lambda: stations(rng, r, 2023, 27, 16, 460),
        ),
        ("infant_care_stations", "2022", "json", json_as(False), lambda: stations(rng, r, 2022, 10, 6, 240)),
        (
            "publicity_events",
            "2023",
            "xlsx",
            xlsx("2023年生育宣传活动台账"),
            lambda: events(rng, r, 2023, 322, 15236, 20),
        ),
        ("publicity_events", "2022", "csv", csv_in("gb18030"), lambda: events(rng, r, 2022, 280, 13120, 16)),
    ]


def _other_plan(rng: random.Random, r: Registry) -> Plan:
    w = _Writers(r)
    xlsx, csv_in, json_as = w.xlsx, w.csv_in, w.json_as
    return [
        (
            "kindergartens",
            "2023",
            "csv",
            csv_in("utf-8-sig"),
            lambda: kindergartens(rng, r, 52, 44, 12288, 9052),
        ),
        (
            "kindergartens",
            "2022",
            "xlsx",
            xlsx("2022年幼儿园及在园幼儿情况"),
            lambda: kindergartens(rng, r, 50, 48, 12460, 9950),
        ),
        ("multi_child_loans", "2023", "json", json_as(False), lambda: loans(rng, r, 2023, 176, 1_445_800)),
        ("multi_child_loans", "2022", "csv", csv_in("utf-8"), lambda: loans(rng, r, 2022, 121, 935_050)),
        (
            "labor_disputes",
            "2023",
            "xlsx",
            xlsx("2023年女职工劳动争议仲裁案件"),
            lambda: disputes(rng, r, 2023, 23, 14, 9),
        ),
        ("labor_disputes", "2022", "json", json_as(True), lambda: disputes(rng, r, 2022, 19, 11, 6)),
        (
            "elderly_care_institutions",
            "2024-03",
            "xlsx",
            xlsx("截至2024年3月底养老机构情况"),
            lambda: elderly(rng, r, 19, 3249),
        ),
        ("elderly_care_institutions", "2023-12", "csv", csv_in("utf-8"), lambda: elderly(rng, r, 19, 3188)),
        (
            "home_care_centers",
            "2024-03",
            "csv",
            csv_in("gb18030"),
            lambda: centers(rng, r, {"5A": 3, "4A": 9, "3A": 45, "2A": 4, "1A": 1, "未评级": 2}),
        ),
        (
            "home_care_centers",
            "2023-12",
            "xlsx",
            xlsx("2023年底居家养老服务中心"),
            lambda: centers(rng, r, {"5A": 3, "4A": 8, "3A": 44, "2A": 5, "1A": 1, "未评级": 2}),
        ),
        ("village_coverage", "2024-03", "json", json_as(True), lambda: villages(rng, r, 328, 328)),
        ("village_coverage", "2023-12", "csv", csv_in("utf-8-sig"), lambda: villages(rng, r, 328, 326)),
    ]


def write_sample(out: Path, registry: Registry) -> list[Path]:
    """Write every sample delivery under `out` as <department>/<extract>_<period>.<ext>."""
    written = []
    for code, period, ext, writer, records in _plan(registry):
        extract = registry.extract(code)
        path = out / extract.department / f"{code}_{period}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(writer(extract, records()))
        os.utime(path, ns=(DELIVERED_AT_NS, DELIVERED_AT_NS))
        written.append(path)
    return written
