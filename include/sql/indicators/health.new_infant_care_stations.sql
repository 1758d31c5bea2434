-- health.new_infant_care_stations: stations with opened_on inside the period
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) filter (where opened_on between :first_day and :last_day) as numerator, null as denominator
from health_infant_care_stations
where period = :period
union all
select area, count(*) filter (where opened_on between :first_day and :last_day) as numerator, null as denominator
from health_infant_care_stations
where period = :period
group by area
