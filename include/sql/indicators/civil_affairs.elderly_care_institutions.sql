-- civil_affairs.elderly_care_institutions: institutions
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) as numerator, null as denominator
from civil_affairs_elderly_care_institutions
where period = :period
union all
select area, count(*) as numerator, null as denominator
from civil_affairs_elderly_care_institutions
where period = :period
group by area
