-- health.publicity_events: events (per area: events held in one area, not citywide ones)
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) as numerator, null as denominator
from health_publicity_events
where period = :period
union all
select area, count(*) as numerator, null as denominator
from health_publicity_events
where period = :period
  and area <> '全市'
group by area
