-- health.severe_defect_rate: sum severe_defects / sum live_births x 10000
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, sum(severe_defects) as numerator, sum(live_births) as denominator
from health_newborn_screening
where period = :period
union all
select area, sum(severe_defects) as numerator, sum(live_births) as denominator
from health_newborn_screening
where period = :period
group by area
