-- housing_fund.multi_child_loan_amount: sum amount_wan
-- One citywide row (area null), then one row per area that has rows in the period.
-- Parameters bound by the caller: period, first_day, last_day.
select null as area, coalesce(sum(amount_wan), 0) as numerator, null as denominator
from housing_fund_multi_child_loans
where period = :period
union all
select area, coalesce(sum(amount_wan), 0) as numerator, null as denominator
from housing_fund_multi_child_loans
where period = :period
group by area
