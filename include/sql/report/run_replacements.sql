-- The batches a run published over an earlier publication of the same extract and period.
select b.batch_id
from publication_change pc
join load_batch b on b.batch_id = pc.batch_id
where b.run_id = :run_id
order by b.batch_id
