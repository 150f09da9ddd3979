-- The dashboard's tallies (incident.Service.Tallies) count allegations per
-- day, side and category within a window: an index that holds every
-- column those counts and the need-to-know filter read, so that a month
-- of a million-allegation log is counted from the index alone.
CREATE INDEX allegations_tally ON allegations (day, source_kind, status, on_behalf_of, category, classification, owner_org, start_at, id);
