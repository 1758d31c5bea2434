-- The load batches a run published.
select b.batch_id
from load_batch b
where b.run_id = :run_id and b.outcome = 'published'
order by b.batch_id
