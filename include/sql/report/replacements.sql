-- The publications of one extract and period after one load batch up to another,
-- each with the delivery it came from and what it changed in the rows it replaced.
select
  b.batch_id,
  pc.replaced_batch_id,
  pc.rows_added,
  pc.rows_removed,
  d.file,
  d.sha256,
  replaced.row_count as rows_before,
  b.row_count as rows_after
from load_batch b
join delivery d on d.delivery_id = b.delivery_id
left join publication_change pc on pc.batch_id = b.batch_id
left join load_batch replaced on replaced.batch_id = pc.replaced_batch_id
where b.extract = :extract
  and b.period = :period
  and b.outcome = 'published'
  and b.batch_id > :after_batch_id
  and b.batch_id <= :batch_id
order by b.batch_id
