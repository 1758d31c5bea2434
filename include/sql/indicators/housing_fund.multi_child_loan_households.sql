-- housing_fund.multi_child_loan_households: loans
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, count(*) as numerator, null as denominator
from housing_fund_multi_child_loans
where period = :period
union all
select area, count(*) as numerator, null as denominator
from housing_fund_multi_child_loans
where period = :period
group by area
