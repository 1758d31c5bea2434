-- The publication of each extract and period the board asks for: when, how many rows, and the
-- delivery (file, sha256) it was loaded from.
select
  p.extract,
  p.period,
  p.batch_id,
  p.row_count,
  p.warnings,
  p.published_at,
  d.file,
  d.sha256
from publication p
join delivery d on d.delivery_id = p.delivery_id
where p.extract in :extracts
