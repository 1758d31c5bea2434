-- civil_affairs.home_care_centers: centres
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) as numerator, null as denominator
from civil_affairs_home_care_centers
where period = :period
union all
select area, count(*) as numerator, null as denominator
from civil_affairs_home_care_centers
where period = :period
group by area
