-- health.four_star_institutions: 已备案 institutions with star_rating 4
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) filter (where status = '已备案' and star_rating = 4) as numerator, null as denominator
from health_childcare_institutions
where period = :period
union all
select area, count(*) filter (where status = '已备案' and star_rating = 4) as numerator, null as denominator
from health_childcare_institutions
where period = :period
group by area
