-- Every indicator value as the warehouse stood once a given load batch was done: for each
-- extract and period, its newest publication up to that batch, with the values computed from
-- it and the delivery behind it. A publication replaced before the indicators were computed
-- from it has no values: it comes back with indicator null.
with standing as (
  select b.extract, b.period, max(b.batch_id) as batch_id
  from load_batch b
  where b.outcome = 'published'
    and b.batch_id <= :batch_id
  group by b.extract, b.period
)
select
  h.indicator,
  s.extract,
  s.period,
  h.area,
  h.value_text as value,
  h.display,
  h.sql_file,
  s.batch_id,
  d.file,
  d.sha256,
  b.row_count as source_rows
from standing s
join load_batch b on b.batch_id = s.batch_id
join delivery d on d.delivery_id = b.delivery_id
left join indicator_history h on h.batch_id = s.batch_id
order by s.extract, s.period, h.indicator, h.area is not null, h.area
