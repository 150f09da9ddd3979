-- An exchange carries a classification (public or mission) so that a
-- reader without an account lists the publicly reported exchanges in SQL.
-- Bodies written before it have none and are mission, as the default says.
ALTER TABLE exchanges ADD COLUMN classification TEXT COLLATE "C" NOT NULL DEFAULT 'mission';
CREATE INDEX exchanges_public_day ON exchanges (day, id) WHERE classification = 'public';
