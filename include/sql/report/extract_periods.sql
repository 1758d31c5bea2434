-- Each delivered extract and period: its publication (null when none) and its newest delivery,
-- to tell why a figure the draft quotes is missing.
select
  d.extract,
  d.period,
  p.batch_id as published_batch,
  d.file,
  d.status,
  d.message
from delivery d
left join publication p on p.extract = d.extract and p.period = d.period
where d.extract is not null
  and d.delivery_id = (
    select newer.delivery_id from delivery newer
    where newer.extract = d.extract and newer.period = d.period
    order by newer.last_seen_at desc, newer.delivery_id desc
    limit 1)
