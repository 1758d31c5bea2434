-- What one run did with each file it saw, with the file's validation (for its Data Docs page).
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
  v.validation_id,
  v.docs_page
from delivery_outcome o
join delivery d on d.delivery_id = o.delivery_id
left join validation_run v on v.batch_id = o.batch_id
where o.run_id = :run_id
order by o.status = 'rejected' desc, d.file, o.recorded_at
