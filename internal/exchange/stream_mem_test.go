package exchange

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// genReader produces a file of head, n bodies and tail without holding
// it: a large import file that never sits in memory.
type genReader struct {
	head, tail string
	body       func(i int) string
	n, i       int
	buf        strings.Reader
	done       bool
}

func (g *genReader) Read(p []byte) (int, error) {
	for g.buf.Len() == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.i == 0 && g.head != "":
			g.buf.Reset(g.head)
			g.head = ""
		case g.i < g.n:
			g.buf.Reset(g.body(g.i))
			g.i++
		default:
			g.buf.Reset(g.tail)
			g.done = true
		}
	}
	return g.buf.Read(p)
}

// readHeapPeak reads every feature of r and returns how many there were
// and the largest live heap seen at samples every 10,000 features.
func readHeapPeak(t *testing.T, r FeatureReader) (int, uint64) {
	t.Helper()
	var peak uint64
	var ms runtime.MemStats
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n, peak
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n%10_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
}

// TestReadersStream: 50,000 placemarks (about 20 MB of KML) and as many
// ACLED rows are read with the live heap staying within a few megabytes.
func TestReadersStream(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 50,000 records of each format")
	}
	const n = 50_000
	const limit = 16 << 20
	cols := kmlTestTable("t", "").Columns
	kml := &genReader{head: kmlHead + "<Folder>", tail: "</Folder></Document></kml>", n: n, body: func(i int) string {
		return fmt.Sprintf(`<Placemark><name>p%d</name><ExtendedData><Data name="count"><value>%d</value></Data>`+
			`<Data name="narrative"><value>%s</value></Data></ExtendedData>`+
			`<LineString><coordinates>46.%d,39.5 46.6,39.%d 46.7,39.7</coordinates></LineString></Placemark>`+"\n",
			i, i, strings.Repeat("words ", 30), i%1000, i%1000)
	}}
	got, peak := readHeapPeak(t, NewKMLReader(kml, cols))
	if got != n || peak > limit {
		t.Errorf("KML: %d placemarks, heap peak %d MB", got, peak>>20)
	}
	t.Logf("KML: heap peak %.1f MB", float64(peak)/(1<<20))
	acled := &genReader{head: "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,notes,fatalities\n", n: n, body: func(i int) string {
		return fmt.Sprintf("E%d,2021-06-12,Battles,Armed clash,39.%d,46.5,\"%s\",0\n", i, i%1000, strings.Repeat("words ", 30))
	}}
	r, err := NewACLEDReader(acled, TableAllegations, ACLEDReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, peak = readHeapPeak(t, r)
	if got != n || peak > limit {
		t.Errorf("ACLED: %d rows, heap peak %d MB", got, peak>>20)
	}
	t.Logf("ACLED: heap peak %.1f MB", float64(peak)/(1<<20))
}
