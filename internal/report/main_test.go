package report_test

import (
	"os"
	"testing"

	"github.com/truce-monitoring/truce/internal/pgtest"
)

// TestMain runs the tests on SQLite, then on PostgreSQL (pgtest.Main).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
