-- The first problem of each refused load batch, in the order of its problems page: errors first,
-- file-level ones before rows.
select
  ranked.batch_id,
  ranked.row_number,
  ranked.column_name,
  ranked.rule,
  ranked.rule_code,
  ranked.params
from (
  select
    p.batch_id,
    p.row_number,
    p.column_name,
    p.rule,
    p.rule_code,
    p.params,
    row_number() over (
      partition by p.batch_id
      order by p.severity, p.row_number is not null, p.row_number, p.problem_id
    ) as place
  from problem p
  where p.batch_id in :batches
) ranked
where ranked.place = 1
