-- hrss.legal_aid_cases: cases with legal_aid 是
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) filter (where legal_aid) as numerator, null as denominator
from hrss_labor_disputes
where period = :period
union all
select area, count(*) filter (where legal_aid) as numerator, null as denominator
from hrss_labor_disputes
where period = :period
group by area
