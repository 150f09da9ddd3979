package store

// Spill writes the stored hashes the transaction has computed so far and
// forgets the changes it recorded but the last, so that a fn recording a
// very large number of changes in one transaction (an all-or-nothing
// import of a million rows) keeps its memory flat: without it each change
// holds its Recorded and about two stored hashes until the commit. Write
// then returns only the last change recorded before each Spill and those
// after it. Rolling back still undoes everything.
func (tx *Tx) Spill() error {
	if err := tx.flushHashes(); err != nil {
		return err
	}
	if n := len(tx.recorded); n > 1 {
		tx.recorded = append(make([]Recorded, 0, 1), tx.recorded[n-1])
	}
	return nil
}
