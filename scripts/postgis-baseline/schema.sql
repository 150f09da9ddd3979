set client_min_messages = warning;
-- The PostGIS baseline's tables (scripts/postgis-baseline/run.sh).
create extension if not exists postgis;
drop schema if exists postgis_baseline cascade;
create schema postgis_baseline;
create unlogged table postgis_baseline.raw (line text not null);
-- One row per report: its centre in UTM 38N (metres; the simulated line
-- lies near 46–47 E) and the middle of its time window.
create unlogged table postgis_baseline.reports (
	id text primary key,
	true_event text not null,
	geom geometry(Point, 32638) not null,
	t timestamptz not null
);
create unlogged table postgis_baseline.results (
	eps_m float8, minpoints int, bucket interval,
	pair_p float8, pair_r float8, pair_f1 float8, seconds float8
);
