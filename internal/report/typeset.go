package report

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/bidi"
)

// The text engine of the PDF. The PDF library draws the code points it is
// given, left to right, with the glyph the font's cmap gives each and its
// own advance widths; its ToUnicode map sends every code back to itself.
// So the engine hands it code points already in visual order and already
// shaped:
//
//  1. The Unicode Bidirectional Algorithm (golang.org/x/text/unicode/bidi)
//     resolves the direction of every character for the whole paragraph.
//  2. Each run of one direction and one script is shaped by HarfBuzz
//     (github.com/go-text/typesetting) with the embedded font; every glyph
//     it picks is written as the code point the font maps to it: the
//     Arabic presentation forms (Persian letters included), lam-alef
//     ligatures, mirrored brackets. pdftotext reads them back, and NFKC
//     folds the presentation forms to the letters typed.
//  3. The paragraph is broken into lines at spaces (inside a word only
//     when the word alone is wider than the line), and each line is
//     reordered for display (rules L1 and L2) from the paragraph's levels,
//     so that a wrapped second line keeps the paragraph's direction.

// shapedFont is one embedded font parsed once; a Font is read-only and safe
// for concurrent use (its Faces are not: each writer makes its own).
type shapedFont struct {
	font *font.Font
	// glyphRune is the inverse of the cmap: the code point that draws a
	// glyph (the smallest, when several do).
	glyphRune map[font.GID]rune
}

var parsedFonts = sync.OnceValues(func() ([2]*shapedFont, error) {
	var out [2]*shapedFont
	for i, data := range [][]byte{fontRegular, fontBold} {
		face, err := font.ParseTTF(bytes.NewReader(data))
		if err != nil {
			return out, fmt.Errorf("report: embedded font: %w", err)
		}
		inv := make(map[font.GID]rune)
		it := face.Font.Cmap.Iter()
		for it.Next() {
			r, g := it.Char()
			if old, ok := inv[g]; !ok || r < old {
				inv[g] = r
			}
		}
		out[i] = &shapedFont{font: face.Font, glyphRune: inv}
	}
	return out, nil
})

// typesetter shapes and lays out paragraphs for one PDF; it is not safe for
// concurrent use.
type typesetter struct {
	fonts  [2]*shapedFont
	faces  [2]*font.Face
	shaper shaping.HarfbuzzShaper
	// rtlDocument: paragraphs with no strong character are right to left.
	rtlDocument bool
	// measure gives the width of a string as the PDF library will draw it,
	// at the current font and size.
	measure func(string) float64
}

func newTypesetter(rtlDocument bool, measure func(string) float64) (*typesetter, error) {
	fonts, err := parsedFonts()
	if err != nil {
		return nil, err
	}
	t := &typesetter{fonts: fonts, rtlDocument: rtlDocument, measure: measure}
	for i, f := range fonts {
		t.faces[i] = font.NewFace(f.font)
	}
	return t, nil
}

// cluster is the smallest unit the engine moves: one or more characters
// (logical positions start..end) drawn as one or more glyphs.
type cluster struct {
	start, end int
	draw       string // code points to draw, in visual order
	level      int8
	space      bool // a break opportunity: the line may end after it
}

// typeLine is one line of a laid-out paragraph.
type typeLine struct {
	Visual string  // what to draw, left to right
	RTL    bool    // the paragraph is right to left: align the line right
	Width  float64 // as measured
}

// paragraphLevels runs the bidirectional algorithm over a whole paragraph
// and returns its base level and the embedding level of every rune.
// x/text's Ordering tells each run's direction but not its level; the
// levels are rebuilt from the rules that make them (no explicit embeddings
// in report text): in a right-to-left paragraph (level 1) left-to-right runs
// are at 2; in a left-to-right one (level 0) right-to-left runs are at 1 and
// numbers that follow right-to-left text are at 2 (rules W2 and I1).
func paragraphLevels(runes []rune, rtlDefault bool) (int8, []int8) {
	levels := make([]int8, len(runes))
	base := int8(0)
	strong := false
	for _, r := range runes {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			strong = true
		case bidi.R, bidi.AL:
			base, strong = 1, true
		default:
			continue
		}
		break
	}
	if !strong && rtlDefault {
		base = 1
	}
	if len(runes) == 0 {
		return base, levels
	}
	var p bidi.Paragraph
	opts := []bidi.Option{bidi.DefaultDirection(bidi.LeftToRight)}
	if base == 1 {
		opts = []bidi.Option{bidi.DefaultDirection(bidi.RightToLeft)}
	}
	if _, err := p.SetString(string(runes), opts...); err != nil {
		return base, fill(levels, base)
	}
	o, err := p.Order()
	if err != nil || o.NumRuns() == 0 {
		return base, fill(levels, base)
	}
	covered := 0
	for i := 0; i < o.NumRuns(); i++ {
		run := o.Run(i)
		start, end := run.Pos()
		end++
		if start < 0 || end > len(runes) || start > end {
			return base, fill(levels, base)
		}
		lvl := int8(0)
		if run.Direction() == bidi.RightToLeft {
			lvl = 1
		} else if base == 1 {
			lvl = 2
		}
		for k := start; k < end; k++ {
			levels[k] = lvl
		}
		covered = max(covered, end)
	}
	for k := covered; k < len(runes); k++ {
		levels[k] = base
	}
	if base == 0 {
		raiseNumbers(runes, levels)
	}
	return base, levels
}

func fill(levels []int8, l int8) []int8 {
	for i := range levels {
		levels[i] = l
	}
	return levels
}

// raiseNumbers puts at level 2 the numbers (digits with the separators and
// terminators inside them) that, in a left-to-right paragraph, follow
// right-to-left text: they read left to right inside it.
func raiseNumbers(runes []rune, levels []int8) {
	lastStrongRTL := false
	for i := 0; i < len(runes); {
		cls := classAt(runes[i])
		switch cls {
		case bidi.L:
			lastStrongRTL = false
		case bidi.R, bidi.AL:
			lastStrongRTL = true
		}
		if !(cls == bidi.EN || cls == bidi.AN) || levels[i] != 0 {
			i++
			continue
		}
		j := i
		last := i
		for j < len(runes) && levels[j] == 0 {
			c := classAt(runes[j])
			if c == bidi.EN || c == bidi.AN {
				last = j
			} else if c != bidi.CS && c != bidi.ES && c != bidi.ET && c != bidi.NSM {
				break
			}
			j++
		}
		if lastStrongRTL || cls == bidi.AN {
			for k := i; k <= last; k++ {
				levels[k] = 2
			}
		}
		i = last + 1
	}
}

func classAt(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

// simple reports whether s needs neither shaping nor reordering: left-to-
// right letters that map one to one to glyphs (Latin and Cyrillic without
// combining marks).
func simple(s string) bool {
	for _, r := range s {
		if r >= 0x0300 && (r < 0x0370 || r >= 0x0530) && r != '…' && r != '–' && r != '—' && r != '·' && r != '’' && r != '“' && r != '”' && r != '€' && r != '−' {
			return false
		}
	}
	return true
}

// clusters shapes one paragraph (no line separators) into clusters in
// logical order, and returns the paragraph's base level.
func (t *typesetter) clusters(para string, bold bool) (int8, []cluster) {
	runes := []rune(para)
	if simple(para) {
		base := int8(0)
		if t.rtlDocument && !hasStrong(runes) {
			base = 1
		}
		out := make([]cluster, len(runes))
		for i, r := range runes {
			out[i] = cluster{start: i, end: i + 1, draw: string(r), level: base, space: r == ' '}
			if base == 1 && (r >= '0' && r <= '9') {
				out[i].level = 2
			}
		}
		return base, out
	}
	base, levels := paragraphLevels(runes, t.rtlDocument)
	fi := 0
	if bold {
		fi = 1
	}
	face, inv := t.faces[fi], t.fonts[fi].glyphRune
	var out []cluster
	for start := 0; start < len(runes); {
		// A run: one level, one script (common characters join their
		// neighbours' script).
		script := language.Common
		end := start
		for end < len(runes) && levels[end] == levels[start] {
			s := language.LookupScript(runes[end])
			if s != language.Common && s != language.Inherited {
				if script != language.Common && s != script {
					break
				}
				script = s
			}
			end++
		}
		dir := di.DirectionLTR
		if levels[start]%2 == 1 {
			dir = di.DirectionRTL
		}
		res := t.shaper.Shape(shaping.Input{Text: runes, RunStart: start, RunEnd: end, Direction: dir, Face: face, Size: fixed.I(16), Script: script})
		out = append(out, runClusters(runes, start, end, levels[start], res.Glyphs, dir == di.DirectionRTL, inv)...)
		start = end
	}
	return base, out
}

// covered replaces, in every cluster, the characters the font has no glyph
// for by U+FFFD: a PDF/A file may not draw the .notdef glyph.
func (t *typesetter) covered(cs []cluster, bold bool) []cluster {
	face := t.faces[0]
	if bold {
		face = t.faces[1]
	}
	for i, c := range cs {
		ok := true
		for _, r := range c.draw {
			if _, has := face.NominalGlyph(r); !has {
				ok = false
				break
			}
		}
		if !ok {
			cs[i].draw = strings.Map(func(r rune) rune {
				if _, has := face.NominalGlyph(r); has {
					return r
				}
				return '\uFFFD'
			}, c.draw)
		}
	}
	return cs
}

func hasStrong(runes []rune) bool {
	for _, r := range runes {
		switch classAt(r) {
		case bidi.L, bidi.R, bidi.AL:
			return true
		}
	}
	return false
}

// runClusters turns the glyphs HarfBuzz gave for runes[start:end] into
// clusters in logical order. A glyph with no code point of its own (none in
// DejaVu Sans for these scripts, but a font may have them) is written as
// the characters of its cluster.
func runClusters(runes []rune, start, end int, level int8, glyphs []shaping.Glyph, rtl bool, inv map[font.GID]rune) []cluster {
	type acc struct {
		end   int
		draw  []rune
		whole bool // some glyph has no code point: draw the characters
	}
	byStart := make(map[int]*acc)
	for _, g := range glyphs {
		c := g.ClusterIndex
		if c < start || c >= end {
			continue
		}
		a := byStart[c]
		if a == nil {
			a = &acc{end: c + 1}
			byStart[c] = a
		}
		a.end = max(a.end, min(c+max(g.RuneCount, 1), end))
		if r, ok := inv[g.GlyphID]; ok && g.GlyphID != 0 {
			a.draw = append(a.draw, r)
		} else {
			a.whole = true
		}
	}
	var out []cluster
	for i := start; i < end; {
		a := byStart[i]
		if a == nil {
			// Characters that made no glyph (default ignorables), or that
			// belong to the cluster before.
			out = append(out, cluster{start: i, end: i + 1, level: level, space: runes[i] == ' '})
			i++
			continue
		}
		draw := a.draw
		if a.end-i == 1 && unicode.Is(unicode.Cf, runes[i]) {
			// HarfBuzz hides format characters (ZWNJ, ZWJ, marks of
			// direction) behind a space glyph: keep the character itself,
			// which draws nothing and keeps it in the text.
			draw = []rune{runes[i]}
		} else if a.whole {
			draw = append([]rune(nil), runes[i:a.end]...)
			if rtl {
				for x, y := 0, len(draw)-1; x < y; x, y = x+1, y-1 {
					draw[x], draw[y] = draw[y], draw[x]
				}
			}
		}
		out = append(out, cluster{start: i, end: a.end, draw: string(draw), level: level, space: a.end-i == 1 && runes[i] == ' '})
		i = a.end
	}
	return out
}

// layout shapes text and breaks it into lines no wider than width
// (measured by t.measure at the caller's current font). Each "\n" starts a
// paragraph; an empty text gives one empty line.
func (t *typesetter) layout(text string, width float64, bold bool) []typeLine {
	text = strings.ToValidUTF8(text, "\uFFFD")
	var lines []typeLine
	for _, para := range strings.Split(strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2029", "\n", "\u0085", "\n", "\u001c", "\n", "\u001d", "\n", "\u001e", "\n").Replace(text), "\n") {
		para = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\u000b' || r == '\u001f' {
				return ' '
			}
			return r
		}, para)
		lines = append(lines, t.paragraph(para, width, bold)...)
	}
	return lines
}

func (t *typesetter) paragraph(para string, width float64, bold bool) []typeLine {
	base, cs := t.clusters(para, bold)
	cs = t.covered(cs, bold)
	if len(cs) == 0 {
		return []typeLine{{RTL: base == 1}}
	}
	widths := make([]float64, len(cs))
	for i, c := range cs {
		widths[i] = t.measure(c.draw)
	}
	var lines []typeLine
	for start := 0; start < len(cs); {
		// Greedy: take clusters while they fit; end the line after the
		// last space that fits, or inside the word if none does.
		end, w, lastBreak := start, 0.0, -1
		for end < len(cs) {
			if w+widths[end] > width && end > start && !cs[end].space {
				break
			}
			w += widths[end]
			if cs[end].space {
				lastBreak = end + 1
			}
			end++
		}
		if end < len(cs) && lastBreak > start {
			end = lastBreak
		}
		// Spaces at the start of a continuation line are dropped.
		lines = append(lines, t.line(cs[start:end], widths[start:end], base))
		start = end
		for start < len(cs) && start > 0 && cs[start].space && len(lines) > 0 {
			start++
		}
	}
	return lines
}

// line reorders one line's clusters for display: trailing spaces go to the
// paragraph level (L1), then from the highest level down to the lowest odd
// one every run at that level or above is reversed (L2).
func (t *typesetter) line(cs []cluster, widths []float64, base int8) typeLine {
	order := make([]int, len(cs))
	levels := make([]int8, len(cs))
	maxLevel, minOdd := int8(0), int8(127)
	for i := range cs {
		order[i] = i
		levels[i] = cs[i].level
	}
	for i := len(cs) - 1; i >= 0 && cs[i].space; i-- {
		levels[i] = base
	}
	for _, l := range levels {
		maxLevel = max(maxLevel, l)
		if l%2 == 1 {
			minOdd = min(minOdd, l)
		}
	}
	for lvl := maxLevel; lvl >= minOdd && lvl >= 1; lvl-- {
		for i := 0; i < len(order); {
			if levels[order[i]] < lvl {
				i++
				continue
			}
			j := i
			for j < len(order) && levels[order[j]] >= lvl {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				order[a], order[b] = order[b], order[a]
			}
			i = j
		}
	}
	var b strings.Builder
	w := 0.0
	for _, k := range order {
		b.WriteString(cs[k].draw)
		w += widths[k]
	}
	return typeLine{Visual: b.String(), RTL: base == 1, Width: w}
}

// Visual returns a single line of text as it must be drawn left to right:
// shaped by HarfBuzz with the embedded font and in visual order by the
// bidirectional algorithm. It is the engine's entry point for text that is
// never wrapped (chart labels).
func (t *typesetter) Visual(line string) string {
	base, cs := t.clusters(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) || r == '\n' || r == '\r' || r == '\t' || r == 0x85 || (r >= 0x1c && r <= 0x1f) || r == '\u000b' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(line, "\uFFFD")), false)
	cs = t.covered(cs, false)
	return t.line(cs, make([]float64, len(cs)), base).Visual
}
