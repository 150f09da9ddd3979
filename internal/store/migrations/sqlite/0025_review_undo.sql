-- Package incident: a decision that opened an incident (new_incident, split)
-- is found from that incident too, for its timeline; an undone decision
-- keeps its row with decision 'undone' (see internal/incident/review.go).
ALTER TABLE reviews ADD COLUMN new_incident_id TEXT NOT NULL DEFAULT '';
CREATE INDEX reviews_incident ON reviews (incident_id);
CREATE INDEX reviews_new_incident ON reviews (new_incident_id);
