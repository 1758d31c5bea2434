-- One load batch with its file and how many problems it has (the problems page's heading).
select
  b.batch_id,
  b.extract,
  b.period,
  b.run_id,
  b.outcome,
  b.row_count,
  b.started_at,
  b.finished_at,
  d.file,
  d.sha256,
  (select count(*) from problem p where p.batch_id = b.batch_id) as problems,
  (select count(*) from problem p where p.batch_id = b.batch_id and p.severity = 'error') as errors,
  (select count(*) from problem p where p.batch_id = b.batch_id and p.severity = 'warning') as warnings
from load_batch b
join delivery d on d.delivery_id = b.delivery_id
where b.batch_id = :batch_id
