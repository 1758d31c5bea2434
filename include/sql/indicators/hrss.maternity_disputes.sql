-- hrss.maternity_disputes: cases with category 孕期, 产期 or 哺乳期
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) filter (where category in ('孕期', '产期', '哺乳期')) as numerator, null as denominator
from hrss_labor_disputes
where period = :period
union all
select area, count(*) filter (where category in ('孕期', '产期', '哺乳期')) as numerator, null as denominator
from hrss_labor_disputes
where period = :period
group by area
