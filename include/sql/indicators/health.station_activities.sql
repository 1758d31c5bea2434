-- health.station_activities: sum activities of all stations
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, coalesce(sum(activities), 0) as numerator, null as denominator
from health_infant_care_stations
where period = :period
union all
select area, coalesce(sum(activities), 0) as numerator, null as denominator
from health_infant_care_stations
where period = :period
group by area
