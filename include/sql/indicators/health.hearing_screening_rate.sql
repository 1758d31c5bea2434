-- health.hearing_screening_rate: sum hearing_screened / sum live_births x 100
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, sum(hearing_screened) as numerator, sum(live_births) as denominator
from health_newborn_screening
where period = :period
union all
select area, sum(hearing_screened) as numerator, sum(live_births) as denominator
from health_newborn_screening
where period = :period
group by area
