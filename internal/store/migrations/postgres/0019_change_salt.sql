-- The salt of a change to a record that is not public: its leaf is a
-- commitment, SHA-256 over the opening (this salt and the change's fields),
-- so that the public log names no record, organisation or author. NULL for
-- a public record's change, whose leaf shows its fields in clear, and for
-- every change written before commitments.
ALTER TABLE changes ADD COLUMN salt BYTEA;
