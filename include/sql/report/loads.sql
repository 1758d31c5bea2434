-- Every delivered file (one row per distinct content of a path) with its latest outcome.
select
  d.file,
  d.extract,
  d.period,
  d.sha256,
  d.status,
  d.errors,
  d.warnings,
  d.row_count,
  d.message,
  d.batch_id,
  d.first_seen_at,
  d.last_seen_at
from delivery d
order by d.file, d.first_seen_at, d.delivery_id
