-- The GX Data Docs page of one validation run.
select v.docs_page
from validation_run v
where v.validation_id = :validation_id
