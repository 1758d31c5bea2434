-- health.prepregnancy_check_rate: sum checked_people / sum target_people x 100
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, sum(checked_people) as numerator, sum(target_people) as denominator
from health_prepregnancy_checks
where period = :period
union all
select area, sum(checked_people) as numerator, sum(target_people) as denominator
from health_prepregnancy_checks
where period = :period
group by area
