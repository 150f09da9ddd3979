package text

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		maxLen  int
		wantErr string // substring of the message; "" means accepted
	}{
		{"latin", "Ağdam", 50, ""},
		{"armenian", "Ստեփանակերտ", 50, ""},
		{"arabic with harakat", "أَغْدَام", 50, ""},
		{"persian with zwnj", "می\u200cخواهم", 50, ""},
		{"rlm inside", "abc\u200fdef", 50, ""},
		{"inner spaces", "Shusha  district", 50, ""},
		{"exactly max runes", "Şuşa", 4, ""},
		{"no limit", strings.Repeat("a", 10000), 0, ""},
		{"empty", "", 50, "must not be blank"},
		{"blank", "   ", 50, "must not be blank"},
		{"leading space", " Ağdam", 50, "must not begin with whitespace (U+0020)"},
		{"trailing nbsp", "Ağdam\u00a0", 50, "must not end with whitespace (U+00A0)"},
		{"leading lrm", "\u200eAğdam", 50, "must not begin with an invisible formatting character (U+200E)"},
		{"trailing zwj", "Ağdam\u200d", 50, "must not end with an invisible formatting character (U+200D)"},
		{"too long in runes", "Şuşa", 3, "is 4 characters long; at most 3 are allowed"},
		{"newline", "Ağ\ndam", 50, "a line break or tab (U+000A); it must be a single line at position 3"},
		{"tab", "Ağ\tdam", 50, "a line break or tab (U+0009)"},
		{"carriage return", "a\rb", 50, "a carriage return (U+000D)"},
		{"nul", "a\x00b", 50, "a control character U+0000 at position 2"},
		{"del", "a\x7fb", 50, "a control character U+007F"},
		{"c1 control", "a\u0085b", 50, "a control character U+0085"},
		{"right-to-left override", "abcd\u202etxt.exe", 50, "contains a bidirectional embedding or override character U+202E at position 5"},
		{"left-to-right embedding", "a\u202ab", 50, "U+202A"},
		{"pop directional formatting", "a\u202cb", 50, "U+202C"},
		{"first strong isolate", "a\u2068b", 50, "a bidirectional isolate character U+2068"},
		{"pop directional isolate", "a\u2069b", 50, "U+2069"},
		{"deprecated format control", "a\u206ab", 50, "an invisible formatting character U+206A"},
		{"interlinear annotation", "a\ufff9b", 50, "U+FFF9"},
		{"byte order mark", "\ufeffAğdam", 50, "a byte order mark (U+FEFF) at position 1"},
		{"line separator", "a\u2028b", 50, "line or paragraph separator U+2028"},
		{"noncharacter", "a\ufdd0b", 50, "a Unicode noncharacter U+FDD0"},
		{"supplementary noncharacter", "a\U0001fffeb", 50, "U+1FFFE"},
		{"invalid utf-8", "Ağ\xffdam", 50, "is not valid UTF-8 text (bad byte 0xFF at byte offset 3)"},
		{"utf-8 surrogate", "a\xed\xa0\x80b", 50, "bad byte 0xED at byte offset 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertCheck(t, CheckName("name", tt.in, tt.maxLen), tt.wantErr)
		})
	}
}

func TestCheckText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		maxLen  int
		wantErr string
	}{
		{"multi-line", "Shelling reported.\n\tThree rounds.\n", 100, ""},
		{"leading and trailing space allowed", "  note  ", 100, ""},
		{"arabic with alm", "نص\u061cعربي", 100, ""},
		{"empty", "", 100, "must not be blank"},
		{"only newlines", "\n\n\t", 100, "must not be blank"},
		{"crlf", "line one\r\nline two", 100, "a carriage return (U+000D); line breaks must be \\n alone at position 9"},
		{"vertical tab", "a\vb", 100, "a control character U+000B"},
		{"escape", "a\x1b[31mred", 100, "a control character U+001B"},
		{"right-to-left override", "a\u202eb", 100, "U+202E at position 2"},
		{"right-to-left isolate", "a\u2067b", 100, "U+2067"},
		{"paragraph separator", "a\u2029b", 100, "U+2029"},
		{"too long", strings.Repeat("ə", 11), 10, "is 11 characters long; at most 10 are allowed"},
		{"invalid utf-8", "\xc3", 100, "bad byte 0xC3 at byte offset 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertCheck(t, CheckText("narrative", tt.in, tt.maxLen), tt.wantErr)
		})
	}
}

func assertCheck(t *testing.T, err error, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want one containing %q", wantErr)
	}
	if errs.CodeOf(err) != errs.CodeInvalid {
		t.Errorf("code = %q, want %q", errs.CodeOf(err), errs.CodeInvalid)
	}
	if f := errs.FieldOf(err); f != "name" && f != "narrative" {
		t.Errorf("field = %q, want the field passed in", f)
	}
	if !strings.Contains(errs.MessageOf(err), wantErr) {
		t.Errorf("message = %q, want it to contain %q", errs.MessageOf(err), wantErr)
	}
}

func TestNormalizeNewlines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb", "a\nb"},
		{"a\rb", "a\nb"},
		{"a\r\r\nb", "a\n\nb"},
		{"a\nb", "a\nb"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeNewlines(tt.in); got != tt.want {
			t.Errorf("NormalizeNewlines(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := CheckText("narrative", NormalizeNewlines("x"+tt.in), 0); err != nil {
			t.Errorf("CheckText after NormalizeNewlines(%q): %v", tt.in, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"Ağdam", " x", "x\n", "a\u202eb", "\ufeff", "a\xffb", "a\u2066b", "\u200c", "a\rb", "\u0085",
	} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, maxLen int) {
		for _, c := range []struct {
			check     func(field, s string, maxLen int) error
			multiline bool
		}{{CheckName, false}, {CheckText, true}} {
			err := c.check("f", s, maxLen)
			if err != nil {
				if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != "f" {
					t.Fatalf("error %v has code %q field %q", err, errs.CodeOf(err), errs.FieldOf(err))
				}
				continue
			}
			if !utf8.ValidString(s) {
				t.Fatalf("accepted invalid UTF-8 %q", s)
			}
			if maxLen > 0 && utf8.RuneCountInString(s) > maxLen {
				t.Fatalf("accepted %q longer than %d", s, maxLen)
			}
			for _, r := range s {
				bidi := (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
				control := r < 0x20 || (r >= 0x7F && r <= 0x9F)
				if c.multiline && (r == '\n' || r == '\t') {
					control = false
				}
				if bidi || control || r == 0xFEFF {
					t.Fatalf("accepted %q containing %U (multiline %v)", s, r, c.multiline)
				}
			}
		}
	})
}
