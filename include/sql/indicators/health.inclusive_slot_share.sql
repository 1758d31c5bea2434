-- health.inclusive_slot_share: sum inclusive_slots / sum slots, 已备案 only, x 100
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, sum(inclusive_slots) filter (where status = '已备案') as numerator, sum(slots) filter (where status = '已备案') as denominator
from health_childcare_institutions
where period = :period
union all
select area, sum(inclusive_slots) filter (where status = '已备案') as numerator, sum(slots) filter (where status = '已备案') as denominator
from health_childcare_institutions
where period = :period
group by area
