-- The load batch each extract and period is published from now: a figure computed from
-- another batch was computed before a later delivery replaced it.
select
  p.extract,
  p.period,
  p.batch_id
from publication p
