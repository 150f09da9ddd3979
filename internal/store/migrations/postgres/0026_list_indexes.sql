-- The numbered lists (issue 16): for each filter a list offers on many
-- rows and each order it offers, an index that leads with the filter or
-- the order, then the reported time and id (the lists' tie-break), then
-- the label columns the policy checks (and, for allegations, the side a
-- liaison sees first). A page is then a walk along one
-- index and a count an index-only scan, never a sort of the table; the
-- id is in each so that the readers table is joined from the index.
CREATE INDEX allegations_list_start ON allegations (start_at, id, classification, owner_org, on_behalf_of);
CREATE INDEX allegations_side_start ON allegations (on_behalf_of, start_at, id, classification, owner_org);
CREATE INDEX allegations_category_start ON allegations (category, start_at, id, classification, owner_org, on_behalf_of);
CREATE INDEX allegations_status_start ON allegations (status, start_at, id, classification, owner_org, on_behalf_of);
CREATE INDEX allegations_zone_start ON allegations (zone_id, start_at, id, classification, owner_org, on_behalf_of);
CREATE INDEX observations_kind_start ON observations (kind, start_at, id, classification, owner_org);
CREATE INDEX observations_category_start ON observations (category, start_at, id, classification, owner_org);
CREATE INDEX incidents_status_start ON incidents (status, start_at, id, classification, owner_org);
CREATE INDEX incidents_category_start ON incidents (category, start_at, id, classification, owner_org);
