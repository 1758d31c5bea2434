-- civil_affairs.villages_covered: villages with covered 是
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) filter (where covered) as numerator, null as denominator
from civil_affairs_village_coverage
where period = :period
union all
select area, count(*) filter (where covered) as numerator, null as denominator
from civil_affairs_village_coverage
where period = :period
group by area
