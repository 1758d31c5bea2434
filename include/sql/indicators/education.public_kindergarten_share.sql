-- education.public_kindergarten_share: sum enrolled of 公办 / sum enrolled x 100
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, coalesce(sum(enrolled) filter (where ownership = '公办'), 0) as numerator, sum(enrolled) as denominator
from education_kindergartens
where period = :period
union all
select area, coalesce(sum(enrolled) filter (where ownership = '公办'), 0) as numerator, sum(enrolled) as denominator
from education_kindergartens
where period = :period
group by area
