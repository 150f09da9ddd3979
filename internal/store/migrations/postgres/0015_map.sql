-- The map (GET /api/v1/map/features): one covering index per kind of
-- record holding every column the view filters or groups on (and the id,
-- which the policy's readers table is joined on), so that counting a whole
-- region into grid cells reads the index alone, never the table. It leads
-- with lat + 90, the expression the map's queries range on (and its grid
-- cells are counted from): other queries, which range on lat itself, keep
-- the indexes made for them.
CREATE INDEX allegations_map ON allegations ((lat + 90), lat, lon, classification, owner_org, on_behalf_of, category, status, day, start_at, id);
CREATE INDEX observations_map ON observations ((lat + 90), lat, lon, classification, owner_org, category, day, start_at, id);
CREATE INDEX incidents_map ON incidents ((lat + 90), lat, lon, classification, owner_org, attribution, category, status, day, start_at, id);
