-- health.publicity_participants: sum participants (per area: as for events)
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, coalesce(sum(participants), 0) as numerator, null as denominator
from health_publicity_events
where period = :period
union all
select area, coalesce(sum(participants), 0) as numerator, null as denominator
from health_publicity_events
where period = :period
  and area <> '全市'
group by area
