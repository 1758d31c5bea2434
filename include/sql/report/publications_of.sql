-- Every publication of one extract and period, oldest first, with its file: a refusal is fixed
-- by the first one loaded after it.
select
  b.batch_id,
  b.run_id,
  b.finished_at,
  d.file,
  d.sha256
from load_batch b
join delivery d on d.delivery_id = b.delivery_id
where b.extract = :extract
  and b.period = :period
  and b.outcome = 'published'
order by b.batch_id
