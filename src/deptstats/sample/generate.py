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
from datetime import date, timedelta
from pathlib import Path

from deptstats.core.registry import Extract, Registry
from deptstats.sample.files import (
    Record,
    write_csv,
    write_json,
    write_xlsx,
)

SEED = 147
# The sample deliveries are dated 2024-04-01 00:00 (Asia/Shanghai), long settled: a run right
# after `deptstats sample` (make demo, `airflow up` filling a missing landing folder) takes them
# without waiting out the settle time that holds back files still being written.
DELIVERED_AT_NS = 1_711_900_800 * 10**9


# ------------------------------------------------------------------ arithmetic helpers


def split_total(
    rng: random.Random, total: int, parts: int, minimum: int = 0, bias: list[float] | None = None
) -> list[int]:
    """`parts` whole numbers >= minimum summing exactly to `total`; `bias` scales the shares."""
    spare = total - minimum * parts
    if spare < 0:
        raise ValueError("total too small")
    weights = [rng.uniform(0.5, 1.5) * (bias[i] if bias else 1) for i in range(parts)]
    scale = spare / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(spare - sum(shares)):
        shares[i % parts] += 1
    return [minimum + s for s in shares]


def within(caps: list[int], total: int) -> list[int]:
    """Whole numbers, each <= its cap, roughly proportional to the caps, summing to total."""
    if total > sum(caps):
        raise ValueError("total exceeds caps")
    cap_sum = sum(caps) or 1
    values = [cap * total // cap_sum for cap in caps]
    i = 0
    while sum(values) < total:
        if values[i % len(caps)] < caps[i % len(caps)]:
            values[i % len(caps)] += 1
        i += 1
    return values


def pick(rng: random.Random, count: int, parts: int) -> list[bool]:
    """`parts` flags of which exactly `count` are true, shuffled."""
    flags = [True] * count + [False] * (parts - count)
    rng.shuffle(flags)
    return flags


def days_in(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


# ------------------------------------------------------------------ cell spellings


def _prepregnancy(rng: random.Random, registry: Registry, target: int, checked: int) -> list[Record]:
    # the five 街道 are the most populous
    bias = [4.0 if area.endswith("街道") else 1.0 for area in registry.areas]
    targets = split_total(rng, target, len(registry.areas), minimum=200, bias=bias)
    checks = within(targets, checked)
    return [
        {"area": a, "target_people": t, "checked_people": c}
        for a, t, c in zip(registry.areas, targets, checks, strict=True)
    ]


def _newborn(
    rng: random.Random, registry: Registry, births: int, metabolic: int, hearing: int, chd: int, defects: int
) -> list[Record]:
    live = split_total(rng, births, len(registry.areas), minimum=120)
    columns = {
        "metabolic_screened": within(live, metabolic),
        "hearing_screened": within(live, hearing),
        "chd_screened": within(live, chd),
        "severe_defects": within(live, defects),
    }
    return [
        {"area": area, "live_births": live[i], **{k: v[i] for k, v in columns.items()}}
        for i, area in enumerate(registry.areas)
    ]


@dataclass(frozen=True)
class Institutions:
    registered: int
    unregistered: int
    cancelled: int
    slots: int
    inclusive: int
    new_slots: int
    five_star: int
    four_star: int


def _institutions(rng: random.Random, registry: Registry, year: int, spec: Institutions) -> list[Record]:
    n = spec.registered
    slots = split_total(rng, spec.slots, n, minimum=15)
    inclusive = within(slots, spec.inclusive)
    new = within(slots, spec.new_slots)
    stars = [5] * spec.five_star + [4] * spec.four_star
    stars += [rng.choice((0, 0, 1, 2, 3)) for _ in range(n - len(stars))]
    rng.shuffle(stars)
    records = []
    for i in range(n):
        area = registry.areas[i % len(registry.areas)]
        records.append(
            {
                "institution_id": f"TY{330282}{i + 1:04d}",
                "name": f"{area}第{i // 17 + 1}托育园",
                "area": area,
                "status": "已备案",
                "registered_on": days_in(rng, date(year - 3, 1, 1), date(year, 12, 31)),
                "slots": slots[i],
                "inclusive_slots": inclusive[i],
                "star_rating": stars[i],
                "new_slots": new[i],
            }
        )
    for j in range(spec.unregistered + spec.cancelled):
        area = registry.areas[(j * 5) % len(registry.areas)]
        cancelled = j >= spec.unregistered
        slot = rng.randrange(20, 60)
        records.append(
            {
                "institution_id": f"TY{330282}{9000 + j:04d}",
                "name": f"{area}育儿中心{j + 1}",
                "area": area,
                "status": "已注销" if cancelled else "未备案",
                "registered_on": date(year - 2, 3, 1 + j) if cancelled else None,
                "slots": slot,
                "inclusive_slots": slot // 2,
                "star_rating": 0,
                "new_slots": 0 if cancelled else slot,
            }
        )
    return records


def _subsidies(
    rng: random.Random, institutions: list[Record], year: int, rounds: dict[int, tuple[int, int]]
) -> list[Record]:
    """rounds: round -> (payments, total in fen)."""
    registered = [r["institution_id"] for r in institutions if r["status"] == "已备案"]
    records = []
    for round_number, (payments, total_fen) in rounds.items():
        amounts = split_total(rng, total_fen, payments, minimum=500_000)
        for k, fen in enumerate(amounts):
            yuan, cents = divmod(fen, 100)
            records.append(
                {
                    "payment_id": f"BZ{year}{round_number}{k + 1:03d}",
                    "institution_id": registered[(k * 7 + round_number) % len(registered)],
                    "round": round_number,
                    "paid_on": days_in(
                        rng, date(year, 3 * round_number, 1), date(year, 3 * round_number + 2, 28)
                    ),
                    "amount_yuan": f"{yuan}.{cents:02d}" if cents else str(yuan),
                }
            )
    return records


def _stations(
    rng: random.Random, registry: Registry, year: int, opened_this_year: int, earlier: int, activities: int
) -> list[Record]:
    n = opened_this_year + earlier
    counts = split_total(rng, activities, n, minimum=2)
    records = []
    for i in range(n):
        area = registry.areas[(i * 3) % len(registry.areas)]
        opened = (
            days_in(rng, date(year, 1, 1), date(year, 12, 31))
            if i < opened_this_year
            else days_in(rng, date(year - 2, 1, 1), date(year - 1, 12, 31))
        )
        records.append(
            {
                "station_id": f"YZ{i + 1:03d}",
                "name": f"{area}婴幼儿照护驿站{i + 1}",
                "area": area,
                "opened_on": opened,
                "activities": counts[i],
            }
        )
    return records


def _events(
    rng: random.Random, registry: Registry, year: int, events: int, participants: int, citywide: int
) -> list[Record]:
    people = split_total(rng, participants, events, minimum=10)
    topics = ("适龄婚育", "优生优育", "科学育儿", "婴幼儿照护", "生育支持政策")
    records = []
    for i in range(events):
        area = registry.citywide if i < citywide else registry.areas[i % len(registry.areas)]
        records.append(
            {
                "event_id": f"XC{year}{i + 1:04d}",
                "held_on": days_in(rng, date(year, 1, 1), date(year, 12, 31)),
                "area": area,
                "topic": topics[i % len(topics)],
                "participants": people[i],
            }
        )
    return records


def _kindergartens(
    rng: random.Random,
    registry: Registry,
    public: int,
    private: int,
    public_enrolled: int,
    private_enrolled: int,
) -> list[Record]:
    sizes = split_total(rng, public_enrolled, public, minimum=60) + split_total(
        rng, private_enrolled, private, minimum=40
    )
    records = []
    for i, size in enumerate(sizes):
        area = registry.areas[i % len(registry.areas)]
        ownership = "公办" if i < public else "民办"
        records.append(
            {
                "kindergarten_id": f"YE{i + 1:03d}",
                "name": f"慈溪市{area}{'中心' if ownership == '公办' else '阳光'}幼儿园{i + 1}",
                "area": area,
                "ownership": ownership,
                "enrolled": size,
            }
        )
    return records


def _loans(
    rng: random.Random, registry: Registry, year: int, loans: int, total_hundredths: int
) -> list[Record]:
    amounts = split_total(rng, total_hundredths, loans, minimum=2_000)
    records = []
    for i, hundredths in enumerate(amounts):
        whole, part = divmod(hundredths, 100)
        records.append(
            {
                "loan_id": f"GJJ{year}{i + 1:04d}",
                "issued_on": days_in(rng, date(year, 1, 1), date(year, 12, 31)),
                "area": registry.areas[(i * 5) % len(registry.areas)],
                "children": 3 if i % 6 == 0 else 2,
                "amount_wan": f"{whole}.{part:02d}" if part else str(whole),
                "uplift": "是" if i % 9 else "否",
            }
        )
    return records


def _disputes(
    rng: random.Random, registry: Registry, year: int, cases: int, maternity: int, legal_aid: int
) -> list[Record]:
    aided = pick(rng, legal_aid, cases)
    records = []
    for i in range(cases):
        category = ("孕期", "产期", "哺乳期")[i % 3] if i < maternity else "其他"
        records.append(
            {
                "case_id": f"CZLZ{year}{i + 1:03d}",
                "filed_on": days_in(rng, date(year, 1, 1), date(year, 12, 31)),
                "area": registry.areas[(i * 4) % len(registry.areas)],
                "category": category,
                "legal_aid": "是" if aided[i] else "否",
                "status": "已结案" if i % 5 else "审理中",
            }
        )
    return records


def _elderly(rng: random.Random, registry: Registry, institutions: int, beds: int) -> list[Record]:
    counts = split_total(rng, beds, institutions, minimum=40)
    return [
        {
            "institution_id": f"YL{i + 1:03d}",
            "name": f"{registry.areas[i % len(registry.areas)]}颐养院{i + 1}",
            "area": registry.areas[i % len(registry.areas)],
            "beds": counts[i],
            "ownership": "公办" if i % 3 == 0 else "民办",
        }
        for i in range(institutions)
    ]


def _centers(rng: random.Random, registry: Registry, levels: dict[str, int]) -> list[Record]:
    sequence = [level for level, n in levels.items() for _ in range(n)]
    rng.shuffle(sequence)
    records = []
    for i, level in enumerate(sequence):
        area = registry.areas[i % len(registry.areas)]
        records.append(
            {
                "center_id": f"JJ{i + 1:03d}",
                "name": f"{area}居家养老服务中心{i + 1}",
                "area": area,
                "level": level,
                # the first centre of each area is its provincial regional centre
                "provincial_regional": "是" if i < len(registry.areas) else "否",
            }
        )
    return records


def _villages(rng: random.Random, registry: Registry, villages: int, covered: int) -> list[Record]:
    flags = pick(rng, covered, villages)
    return [
        {
            "village_id": f"CS{i + 1:04d}",
            "name": f"{registry.areas[i % len(registry.areas)]}{i + 1}号村社",
            "area": registry.areas[i % len(registry.areas)],
            "covered": "是" if flags[i] else "否",
        }
        for i in range(villages)
    ]


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
    institutions_2023 = _institutions(
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
    institutions_2022 = _institutions(
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
        ("prepregnancy_checks", "2023", "csv", csv_in("gb18030"), lambda: _prepregnancy(rng, r, 9870, 8309)),
        ("prepregnancy_checks", "2022", "csv", csv_in("utf-8"), lambda: _prepregnancy(rng, r, 9650, 7960)),
        (
            "newborn_screening",
            "2023",
            "xlsx",
            xlsx("2023年新生儿疾病筛查情况统计表"),
            lambda: _newborn(rng, r, 5012, 5012, 5007, 5002, 0),
        ),
        (
            "newborn_screening",
            "2022",
            "json",
            json_as(False),
            lambda: _newborn(rng, r, 5480, 5480, 5471, 5466, 1),
        ),
        ("childcare_institutions", "2023", "xlsx", xlsx("2023年全市托育机构名录"), lambda: institutions_2023),
        ("childcare_institutions", "2022", "csv", csv_in("utf-8-sig"), lambda: institutions_2022),
        (
            "childcare_subsidies",
            "2023",
            "json",
            json_as(True),
            lambda: _subsidies(rng, institutions_2023, 2023, {1: (96, 192_896_000), 2: (40, 81_240_050)}),
        ),
        (
            "childcare_subsidies",
            "2022",
            "xlsx",
            xlsx("2022年托育补助资金拨付明细"),
            lambda: _subsidies(rng, institutions_2022, 2022, {1: (80, 150_320_000)}),
        ),
        (
            "infant_care_stations",
            "2023",
            "csv",
            csv_in("utf-8"),
            lambda: _stations(rng, r, 2023, 27, 16, 460),
        ),
        ("infant_care_stations", "2022", "json", json_as(False), lambda: _stations(rng, r, 2022, 10, 6, 240)),
        (
            "publicity_events",
            "2023",
            "xlsx",
            xlsx("2023年生育宣传活动台账"),
            lambda: _events(rng, r, 2023, 322, 15236, 20),
        ),
        ("publicity_events", "2022", "csv", csv_in("gb18030"), lambda: _events(rng, r, 2022, 280, 13120, 16)),
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
            lambda: _kindergartens(rng, r, 52, 44, 12288, 9052),
        ),
        (
            "kindergartens",
            "2022",
            "xlsx",
            xlsx("2022年幼儿园及在园幼儿情况"),
            lambda: _kindergartens(rng, r, 50, 48, 12460, 9950),
        ),
        ("multi_child_loans", "2023", "json", json_as(False), lambda: _loans(rng, r, 2023, 176, 1_445_800)),
        ("multi_child_loans", "2022", "csv", csv_in("utf-8"), lambda: _loans(rng, r, 2022, 121, 935_050)),
        (
            "labor_disputes",
            "2023",
            "xlsx",
            xlsx("2023年女职工劳动争议仲裁案件"),
            lambda: _disputes(rng, r, 2023, 23, 14, 9),
        ),
        ("labor_disputes", "2022", "json", json_as(True), lambda: _disputes(rng, r, 2022, 19, 11, 6)),
        (
            "elderly_care_institutions",
            "2024-03",
            "xlsx",
            xlsx("截至2024年3月底养老机构情况"),
            lambda: _elderly(rng, r, 19, 3249),
        ),
        ("elderly_care_institutions", "2023-12", "csv", csv_in("utf-8"), lambda: _elderly(rng, r, 19, 3188)),
        (
            "home_care_centers",
            "2024-03",
            "csv",
            csv_in("gb18030"),
            lambda: _centers(rng, r, {"5A": 3, "4A": 9, "3A": 45, "2A": 4, "1A": 1, "未评级": 2}),
        ),
        (
            "home_care_centers",
            "2023-12",
            "xlsx",
            xlsx("2023年底居家养老服务中心"),
            lambda: _centers(rng, r, {"5A": 3, "4A": 8, "3A": 44, "2A": 5, "1A": 1, "未评级": 2}),
        ),
        ("village_coverage", "2024-03", "json", json_as(True), lambda: _villages(rng, r, 328, 328)),
        ("village_coverage", "2023-12", "csv", csv_in("utf-8-sig"), lambda: _villages(rng, r, 328, 326)),
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
