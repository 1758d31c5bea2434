-- Every indicator value with where it came from: the published file, its load batch and the
-- validation run of that batch. Citywide rows have area null.
select
  iv.indicator,
  iv.period,
  iv.area,
  iv.value_text as value,
  iv.numerator,
  iv.denominator,
  iv.display,
  iv.status,
  iv.note,
  iv.sql_file,
  iv.batch_id,
  d.file,
  d.sha256,
  v.validation_id,
  v.suite,
  case when v.success then 'passed' else 'failed' end as validation,
  v.errors as validation_errors,
  v.warnings as validation_warnings,
  b.row_count as source_rows
from indicator_value iv
join load_batch b on b.batch_id = iv.batch_id
join delivery d on d.delivery_id = b.delivery_id
left join validation_run v on v.batch_id = iv.batch_id
order by iv.indicator, iv.period, iv.area is not null, iv.area
