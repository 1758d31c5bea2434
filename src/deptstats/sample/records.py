"""The records of each sample delivery, made to totals chosen so that the pipeline computes the
figures of shared/spec/reply-2024-147.md (generate writes them in the departments' formats)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from deptstats.core import Registry, yes_no
from deptstats.sample.files import Record

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


# ------------------------------------------------------------------ the records of each extract


def prepregnancy(rng: random.Random, registry: Registry, target: int, checked: int) -> list[Record]:
    # the five 街道 are the most populous
    bias = [4.0 if area.endswith("街道") else 1.0 for area in registry.areas]
    targets = split_total(rng, target, len(registry.areas), minimum=200, bias=bias)
    checks = within(targets, checked)
    return [
        {"area": a, "target_people": t, "checked_people": c}
        for a, t, c in zip(registry.areas, targets, checks, strict=True)
    ]


def newborn(
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


def institutions(rng: random.Random, registry: Registry, year: int, spec: Institutions) -> list[Record]:
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


def subsidies(
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


def stations(
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


def events(
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


def kindergartens(
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


def loans(
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
                "uplift": yes_no(i % 9 != 0),
            }
        )
    return records


def disputes(
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
                "legal_aid": yes_no(aided[i]),
                "status": "已结案" if i % 5 else "审理中",
            }
        )
    return records


def elderly(rng: random.Random, registry: Registry, institutions: int, beds: int) -> list[Record]:
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


def centers(rng: random.Random, registry: Registry, levels: dict[str, int]) -> list[Record]:
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
                "provincial_regional": yes_no(i < len(registry.areas)),
            }
        )
    return records


def villages(rng: random.Random, registry: Registry, villages: int, covered: int) -> list[Record]:
    flags = pick(rng, covered, villages)
    return [
        {
            "village_id": f"CS{i + 1:04d}",
            "name": f"{registry.areas[i % len(registry.areas)]}{i + 1}号村社",
            "area": registry.areas[i % len(registry.areas)],
            "covered": yes_no(flags[i]),
        }
        for i in range(villages)
    ]
