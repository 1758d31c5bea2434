-- What one run did with each file it saw, refused ones first, with the file's standing now.
select
  d.file,
  d.extract,
  d.period,
  d.sha256,
  d.row_count,
  o.status,
  o.message,
  o.batch_id,
  o.recorded_at,
  d.status as current_status,
  case
    when pub.delivery_id = d.delivery_id then 'current'
    when d.status in ('published', 'skipped', 'superseded') then 'superseded'
    else d.status
  end as standing
from delivery_outcome o
join delivery d on d.delivery_id = o.delivery_id
left join publication pub on pub.extract = d.extract and pub.period = d.period
where o.run_id = :run_id
order by o.status = 'rejected' desc, d.file, o.recorded_at
