-- Parse the JSON lines into reports.
insert into postgis_baseline.reports (id, true_event, geom, t)
select j->>'id', j->>'true_event',
	ST_Transform(ST_SetSRID(ST_MakePoint((j->>'lon')::float8, (j->>'lat')::float8), 4326), 32638),
	(j->>'start')::timestamptz + ((j->>'end')::timestamptz - (j->>'start')::timestamptz) / 2
from (select line::jsonb j from postgis_baseline.raw where btrim(line) <> '') x;
truncate postgis_baseline.raw;
analyze postgis_baseline.reports;
