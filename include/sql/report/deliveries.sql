-- Every delivered file (one row per distinct content of a path) for the steward: whether it is
-- the one published now, superseded by another, or refused (standing), and, apart from that,
-- whether the latest run found it unchanged.
select
  d.file,
  d.extract,
  d.period,
  d.sha256,
  d.status,
  case
    when pub.delivery_id = d.delivery_id then 'current'
    when d.status in ('published', 'skipped', 'superseded') then 'superseded'
    else d.status
  end as standing,
  case when d.status = 'skipped' then 1 else 0 end as unchanged,
  d.errors,
  d.warnings,
  d.row_count,
  d.message,
  d.batch_id,
  d.first_seen_at,
  d.last_seen_at
from delivery d
left join publication pub on pub.extract = d.extract and pub.period = d.period
order by d.file, d.first_seen_at, d.delivery_id
