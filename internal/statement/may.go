package statement

import "github.com/truce-monitoring/truce/internal/access"

// What a reader may be offered, asked before a form is shown: nil or the
// error the write itself would return.

// MayRecordStatement answers whether p may record statements.
func (s *Service) MayRecordStatement(p access.Principal) error {
	return access.Decide(p, access.Create, kindStatement.New())
}

// MayRecordSource answers whether p may record sources.
func (s *Service) MayRecordSource(p access.Principal) error {
	return access.Decide(p, access.Create, kindSource.New())
}
