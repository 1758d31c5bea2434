-- After the indicators are computed: each value from a batch not yet in the history is kept
-- there, so the figure stays known after a later delivery replaces the batch. Two runs
-- computing at once keep one copy.
insert into indicator_history (
  batch_id, indicator, area_key, period, area, value_text, numerator, denominator, display,
  sql_file, computed_at
)
select
  iv.batch_id,
  iv.indicator,
  coalesce(iv.area, ''),
  iv.period,
  iv.area,
  iv.value_text,
  iv.numerator,
  iv.denominator,
  iv.display,
  iv.sql_file,
  iv.computed_at
from indicator_value iv
where not exists (
  select 1
  from indicator_history h
  where h.batch_id = iv.batch_id
    and h.indicator = iv.indicator
    and h.area_key = coalesce(iv.area, '')
)
on conflict do nothing
