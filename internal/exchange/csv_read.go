package exchange

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
)

// MaxCSVRecordBytes bounds one CSV record (a narrative may be long, a
// runaway quote must not read a 2 GB file into memory).
const MaxCSVRecordBytes = 1 << 20

// CSVReader reads a table from Truce's own CSV export (RFC 4180, a header
// row of column names, optionally an HXL hashtag row, a UTF-8 byte order
// mark allowed), typing each value by the table's column. It streams:
// one record in memory at a time.
//
// An error naming a line (an *errs.Error or errs.List) is about that
// record alone: Next may be called again for the next one. Any other
// error ends the file.
type CSVReader struct {
	table   Table
	src     *limitedLines
	csv     *csv.Reader
	header  []Column // by position in the file
	started bool
	done    bool
	// records is how many records followed the header; lastLine is the
	// line the last record read ended on.
	records  int
	lastLine int
}

// NewCSVReader reads a CSV file of table t from r.
func NewCSVReader(r io.Reader, t Table) *CSVReader {
	src := &limitedLines{r: bufio.NewReaderSize(r, 1<<16), max: MaxCSVRecordBytes}
	c := csv.NewReader(src)
	c.FieldsPerRecord = -1 // checked here, to name the line and both counts
	c.ReuseRecord = true
	return &CSVReader{table: t, src: src, csv: c}
}

// Unit names what Feature.Number counts.
func (c *CSVReader) Unit() string { return "line" }

// Columns are the file's column names, in order, once Next has been
// called.
func (c *CSVReader) Columns() []string {
	out := make([]string, len(c.header))
	for i, col := range c.header {
		out[i] = col.Name
	}
	return out
}

// Next returns the next record, io.EOF after the last.
func (c *CSVReader) Next() (Feature, error) {
	if c.done {
		return Feature{}, io.EOF
	}
	if !c.started {
		c.started = true
		if err := c.readHeader(); err != nil {
			c.done = true
			return Feature{}, err
		}
	}
	for {
		rec, line, err := c.read()
		if err != nil {
			return Feature{}, err
		}
		if len(rec) == 1 && rec[0] == "" {
			continue // a blank line
		}
		return c.feature(rec, line)
	}
}

// read reads one record and the line it starts on.
func (c *CSVReader) read() ([]string, int, error) {
	rec, err := c.csv.Read()
	if errors.Is(err, io.EOF) {
		c.done = true
		return nil, 0, io.EOF
	}
	if errors.Is(err, errLineTooLong) {
		c.done = true
		return nil, 0, errs.TooLarge(fmt.Sprintf("line %d", c.lastLine+1), "a record longer than %d bytes (an unclosed quote?)", MaxCSVRecordBytes)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		c.lastLine = pe.Line
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrQuote):
			msg = "a quoted field is not closed, or a quote inside it is not doubled"
			if c.src.eof {
				c.done = true
				msg = "the file ends inside a quoted field (truncated?)"
			}
		case errors.Is(pe.Err, csv.ErrBareQuote):
			msg = "a quote inside an unquoted field: quote the field and double the quote"
		}
		return nil, 0, errs.Invalid(fmt.Sprintf("line %d", pe.StartLine), "%s (column %d)", msg, pe.Column)
	}
	if err != nil {
		c.done = true
		return nil, 0, err
	}
	line, _ := c.csv.FieldPos(0)
	last, _ := c.csv.FieldPos(len(rec) - 1)
	c.lastLine = last
	return rec, line, nil
}

// readHeader reads the header row and skips an HXL row after it.
func (c *CSVReader) readHeader() error {
	if b, err := c.src.r.Peek(3); err == nil && string(b) == "\uFEFF" {
		c.src.r.Discard(3)
	}
	rec, line, err := c.read()
	if errors.Is(err, io.EOF) {
		return errs.Invalid("line 1", "the file is empty; a CSV export starts with a header row of column names")
	}
	if err != nil {
		return err
	}
	byName := make(map[string]Column, len(c.table.Columns))
	for _, col := range c.table.Columns {
		byName[col.Name] = col
	}
	var ce errs.Collector
	seen := map[string]int{}
	for i, name := range rec {
		name = strings.TrimSpace(name)
		col, ok := byName[name]
		switch {
		case !utf8.ValidString(name):
			ce.Add(errs.Invalid(fmt.Sprintf("line %d: column %d", line, i+1), "is not valid UTF-8"))
		case !ok:
			ce.Add(errs.Invalid(fmt.Sprintf("line %d: %s", line, name), "is not a column of %s (the header must use the export's column names, e.g. %s)", c.table.Name, c.table.Columns[min(1, len(c.table.Columns)-1)].Name))
		case seen[name] > 0:
			ce.Add(errs.Invalid(fmt.Sprintf("line %d: %s", line, name), "is named twice, columns %d and %d", seen[name], i+1))
		}
		seen[name] = i + 1
		c.header = append(c.header, col)
	}
	if err := ce.Err(); err != nil {
		return err
	}
	return nil
}

// isHXL reports whether rec is an HXL hashtag row: every non-empty cell a
// tag, at least one.
func isHXL(rec []string) bool {
	tags := 0
	for _, v := range rec {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if v[0] != '#' {
			return false
		}
		tags++
	}
	return tags > 0
}

func (c *CSVReader) feature(rec []string, line int) (Feature, error) {
	c.records++
	if c.records == 1 && isHXL(rec) {
		return c.Next()
	}
	if len(rec) != len(c.header) {
		more := "missing"
		if len(rec) > len(c.header) {
			more = "extra"
		}
		return Feature{}, errs.Invalid(fmt.Sprintf("line %d", line), "has %d fields, the header %d (%s columns; a comma in a value needs quotes)", len(rec), len(c.header), more)
	}
	f := Feature{Number: line, Props: make(map[string]any, len(rec))}
	var ce errs.Collector
	for i, v := range rec {
		col := c.header[i]
		val, err := parseCell(col, v)
		if err != nil {
			ce.Add(errs.Invalid(fmt.Sprintf("line %d: %s", line, col.Name), "%s", errs.MessageOf(err)))
			continue
		}
		f.Props[col.Name] = val
	}
	return f, ce.Err()
}

// parseCell types one CSV value by its column; an empty cell is nil.
func parseCell(col Column, v string) (any, error) {
	if !utf8.ValidString(v) {
		return nil, errs.Invalid("", "is not valid UTF-8 (save the file as UTF-8)")
	}
	if col.Type != Text {
		v = strings.TrimSpace(v)
	}
	if v == "" {
		return nil, nil
	}
	switch col.Type {
	case Text:
		return unguardCell(v), nil
	case Integer:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, errs.Invalid("", "%q is not a whole number", v)
		}
		return n, nil
	case Real:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			if strings.Count(v, ",") == 1 && !strings.Contains(v, ".") {
				return nil, errs.Invalid("", "%q is not a number: use a point for decimals (%s)", v, strings.Replace(v, ",", ".", 1))
			}
			return nil, errs.Invalid("", "%q is not a number", v)
		}
		return x, nil
	case Bool:
		switch strings.ToLower(v) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, errs.Invalid("", "%q is not true or false", v)
	case Date:
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return nil, errs.Invalid("", "%q is not a date: %s", v, isoHint(v, false))
		}
		return t, nil
	case DateTime:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, errs.Invalid("", "%q is not a date and time: %s", v, isoHint(v, true))
		}
		return t.UTC(), nil
	}
	return nil, errs.Invalid("", "column type %d is unknown", col.Type)
}

// localDate matches the dates spreadsheets write in local formats:
// 12/06/2021, 12.06.2021, 12-06-2021, with an optional time.
var localDate = regexp.MustCompile(`^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$`)

// isoHint says how to write v in ISO 8601, reading a local date day first
// unless that cannot be (a first number over 12 is a day; a second over
// 12 means month first).
func isoHint(v string, withTime bool) string {
	want := "use ISO 8601, YYYY-MM-DD"
	if withTime {
		want = "use ISO 8601 (RFC 3339) with a zone, YYYY-MM-DDThh:mm:ssZ"
	}
	m := localDate.FindStringSubmatch(v)
	if m == nil {
		if withTime {
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				return fmt.Sprintf("%s, e.g. %s", want, d.Format(time.RFC3339))
			}
			for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
				if d, err := time.Parse(layout, v); err == nil {
					return fmt.Sprintf("%s: a time needs its zone, e.g. %s for UTC", want, d.Format(time.RFC3339))
				}
			}
		}
		return want
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	day, month := a, b
	if b > 12 && a <= 12 {
		day, month = b, a
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return want
	}
	iso := fmt.Sprintf("%s-%02d-%02d", m[3], month, day)
	if withTime {
		sec := m[6]
		if sec == "" {
			sec = "00"
		}
		hour := m[4]
		if hour == "" {
			hour = "0"
		}
		h, _ := strconv.Atoi(hour)
		iso = fmt.Sprintf("%sT%02d:%s:%sZ", iso, h, orZero(m[5]), sec)
	}
	return fmt.Sprintf("use ISO 8601, %s", iso)
}

func orZero(s string) string {
	if s == "" {
		return "00"
	}
	return s
}

var errLineTooLong = errors.New("record too long")

// limitedLines passes bytes through, failing when a record runs over max
// bytes without a line break outside quotes (counted roughly: bytes since
// the last line break while inside quotes), so that a stray quote cannot
// make the CSV reader buffer the rest of a huge file.
type limitedLines struct {
	r       *bufio.Reader
	max     int
	inQuote bool
	run     int // bytes since the last line break outside quotes
	eof     bool
}

func (l *limitedLines) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		switch {
		case b == '"':
			l.inQuote = !l.inQuote
		case b == '\n' && !l.inQuote:
			l.run = 0
			continue
		}
		l.run++
		if l.run > l.max {
			return 0, errLineTooLong
		}
	}
	if err == io.EOF {
		l.eof = true
	}
	return n, err
}
