package witnessclient

// Metrics returns each witness's state, in the order configured, and the
// size of the latest checkpoint the policy publishes (-1: none), for the
// server's /metrics, which has its own access rule (any account); none
// when the centre has no witness (s is nil). Status is the same state for
// the pages and the API, for admins and co-chairs only.
func (s *Service) Metrics() (witnesses []Status, publishedSize int64) {
	if s == nil {
		return nil, -1
	}
	return s.statuses(), s.published.Load()
}
