-- health.new_childcare_slots: sum new_slots of 已备案 institutions
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, coalesce(sum(new_slots) filter (where status = '已备案'), 0) as numerator, null as denominator
from health_childcare_institutions
where period = :period
union all
select area, coalesce(sum(new_slots) filter (where status = '已备案'), 0) as numerator, null as denominator
from health_childcare_institutions
where period = :period
group by area
