-- Every failing row kept by validation, newest load first; the file parameter narrows to one delivered file,
-- batch_id to one load batch (null: all).
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
  p.rule_code,
  p.params,
  p.severity
from problem p
where (:file is null or p.file = :file)
  and (:batch_id is null or p.batch_id = cast(:batch_id as integer))
order by p.batch_id desc, p.severity, p.row_number is not null, p.row_number, p.problem_id
