-- health.first_round_subsidy: sum amount_yuan of round 1 / 10000 (the registry's multiplier)
-- Payments carry no area: citywide only. Parameter bound by the caller: period.
select null as area, coalesce(sum(amount_yuan), 0) as numerator, null as denominator
from health_childcare_subsidies
where period = :period
  and round = 1
