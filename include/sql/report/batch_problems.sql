-- The failing rows of one load batch as the steward sees them, errors first (max_rows of them).
select
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
where p.batch_id = :batch_id
order by p.severity, p.row_number is not null, p.row_number, p.problem_id
limit :max_rows
