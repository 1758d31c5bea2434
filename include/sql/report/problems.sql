-- Every failing row kept by validation, newest load first; the file parameter narrows to one delivered file
-- (null: all files).
select
  p.file,
  p.sha256,
  p.batch_id,
  p.row_number,
  p.row_key,
  p.column_name,
  p.value,
  p.other_column,
  p.other_value,
  p.rule,
  p.severity
from problem p
where :file is null or p.file = :file
order by p.batch_id desc, p.severity, p.row_number is not null, p.row_number, p.problem_id
