-- The newest refused delivery of each extract and period the board asks for (batch_id null: a
-- file refused unread, its message says why).
select
  d.extract,
  d.period,
  d.file,
  d.sha256,
  d.batch_id,
  d.message,
  d.last_seen_at
from delivery d
where d.extract in :extracts
  and d.period is not null
  and d.status = 'rejected'
  and d.delivery_id = (
    select newer.delivery_id from delivery newer
    where newer.extract = d.extract and newer.period = d.period and newer.status = 'rejected'
    order by newer.last_seen_at desc, newer.delivery_id desc
    limit 1)
