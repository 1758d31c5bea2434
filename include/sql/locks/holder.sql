-- Who holds a PostgreSQL advisory lock taken with one bigint key (pg_locks splits it into
-- classid, the high 32 bits, and objid, the low 32 bits; objsubid 1 marks the bigint form).
select a.pid, a.application_name, a.client_addr, a.xact_start, a.state
from pg_locks l
join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'advisory'
  and l.granted
  and l.objsubid = 1
  and l.database = (select oid from pg_database where datname = current_database())
  and l.classid::bigint = :high
  and l.objid::bigint = :low
order by a.xact_start
limit 1
