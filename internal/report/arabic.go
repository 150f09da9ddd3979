package report

import (
	"golang.org/x/text/unicode/bidi"
)

// The PDF library draws the code points it is given, left to right, one
// glyph each: it neither picks the contextual form of an Arabic letter nor
// reorders right-to-left text. Visual turns a line into what must be drawn:
// Arabic letters replaced by their presentation forms (Unicode Arabic
// Presentation Forms-B, which DejaVu Sans carries), lam-alef ligatures
// formed, and the line reordered for display by a reduced Unicode
// bidirectional algorithm (strong classes, numbers, neutrals between them,
// mirrored brackets; no explicit embeddings or isolates).

// arabicForms holds, for each letter of the basic Arabic block, its
// isolated, final, initial and medial presentation forms; zero where the
// letter has no such form (right-joining letters have no initial or medial).
var arabicForms = map[rune][4]rune{
	0x0621: {0xFE80, 0, 0, 0},
	0x0622: {0xFE81, 0xFE82, 0, 0},
	0x0623: {0xFE83, 0xFE84, 0, 0},
	0x0624: {0xFE85, 0xFE86, 0, 0},
	0x0625: {0xFE87, 0xFE88, 0, 0},
	0x0626: {0xFE89, 0xFE8A, 0xFE8B, 0xFE8C},
	0x0627: {0xFE8D, 0xFE8E, 0, 0},
	0x0628: {0xFE8F, 0xFE90, 0xFE91, 0xFE92},
	0x0629: {0xFE93, 0xFE94, 0, 0},
	0x062A: {0xFE95, 0xFE96, 0xFE97, 0xFE98},
	0x062B: {0xFE99, 0xFE9A, 0xFE9B, 0xFE9C},
	0x062C: {0xFE9D, 0xFE9E, 0xFE9F, 0xFEA0},
	0x062D: {0xFEA1, 0xFEA2, 0xFEA3, 0xFEA4},
	0x062E: {0xFEA5, 0xFEA6, 0xFEA7, 0xFEA8},
	0x062F: {0xFEA9, 0xFEAA, 0, 0},
	0x0630: {0xFEAB, 0xFEAC, 0, 0},
	0x0631: {0xFEAD, 0xFEAE, 0, 0},
	0x0632: {0xFEAF, 0xFEB0, 0, 0},
	0x0633: {0xFEB1, 0xFEB2, 0xFEB3, 0xFEB4},
	0x0634: {0xFEB5, 0xFEB6, 0xFEB7, 0xFEB8},
	0x0635: {0xFEB9, 0xFEBA, 0xFEBB, 0xFEBC},
	0x0636: {0xFEBD, 0xFEBE, 0xFEBF, 0xFEC0},
	0x0637: {0xFEC1, 0xFEC2, 0xFEC3, 0xFEC4},
	0x0638: {0xFEC5, 0xFEC6, 0xFEC7, 0xFEC8},
	0x0639: {0xFEC9, 0xFECA, 0xFECB, 0xFECC},
	0x063A: {0xFECD, 0xFECE, 0xFECF, 0xFED0},
	0x0641: {0xFED1, 0xFED2, 0xFED3, 0xFED4},
	0x0642: {0xFED5, 0xFED6, 0xFED7, 0xFED8},
	0x0643: {0xFED9, 0xFEDA, 0xFEDB, 0xFEDC},
	0x0644: {0xFEDD, 0xFEDE, 0xFEDF, 0xFEE0},
	0x0645: {0xFEE1, 0xFEE2, 0xFEE3, 0xFEE4},
	0x0646: {0xFEE5, 0xFEE6, 0xFEE7, 0xFEE8},
	0x0647: {0xFEE9, 0xFEEA, 0xFEEB, 0xFEEC},
	0x0648: {0xFEED, 0xFEEE, 0, 0},
	0x0649: {0xFEEF, 0xFEF0, 0, 0},
	0x064A: {0xFEF1, 0xFEF2, 0xFEF3, 0xFEF4},
}

// lamAlef maps the alef that follows a lam to the ligature's isolated and
// final forms.
var lamAlef = map[rune][2]rune{
	0x0622: {0xFEF5, 0xFEF6},
	0x0623: {0xFEF7, 0xFEF8},
	0x0625: {0xFEF9, 0xFEFA},
	0x0627: {0xFEFB, 0xFEFC},
}

const (
	tatweel = 0x0640 // join-causing
	lam     = 0x0644
)

// transparent reports whether r is an Arabic mark that joining skips
// over (harakat, superscript alef).
func transparent(r rune) bool {
	return (r >= 0x064B && r <= 0x065F) || r == 0x0670 || (r >= 0x0610 && r <= 0x061A)
}

// joinsBefore reports whether r connects to the letter after it (in
// logical order): dual-joining letters and tatweel.
func joinsBefore(r rune) bool {
	if r == tatweel {
		return true
	}
	f, ok := arabicForms[r]
	return ok && f[2] != 0
}

// joinsAfter reports whether r connects to the letter before it: every
// joining letter and tatweel.
func joinsAfter(r rune) bool {
	if r == tatweel {
		return true
	}
	f, ok := arabicForms[r]
	return ok && f[1] != 0
}

// shapeArabic replaces Arabic letters by their contextual presentation
// forms, in logical order.
func shapeArabic(in []rune) []rune {
	out := make([]rune, 0, len(in))
	// neighbour returns the nearest non-transparent rune in direction step.
	neighbour := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(in); j += step {
			if !transparent(in[j]) {
				return in[j]
			}
		}
		return 0
	}
	for i := 0; i < len(in); i++ {
		r := in[i]
		forms, ok := arabicForms[r]
		if !ok {
			out = append(out, r)
			continue
		}
		prev := neighbour(i, -1)
		joinPrev := prev != 0 && joinsBefore(prev)
		if r == lam {
			// lam followed (marks aside) by an alef forms one ligature.
			j := i + 1
			for j < len(in) && transparent(in[j]) {
				j++
			}
			if j < len(in) {
				if lig, ok := lamAlef[in[j]]; ok {
					if joinPrev {
						out = append(out, lig[1])
					} else {
						out = append(out, lig[0])
					}
					out = append(out, in[i+1:j]...)
					i = j
					continue
				}
			}
		}
		next := neighbour(i, 1)
		joinNext := next != 0 && joinsAfter(next) && forms[2] != 0
		form := forms[0]
		switch {
		case joinPrev && joinNext && forms[3] != 0:
			form = forms[3]
		case joinPrev && forms[1] != 0:
			form = forms[1]
		case joinNext:
			form = forms[2]
		}
		out = append(out, form)
	}
	return out
}

// The reduced bidi classes Visual works with.
type bidiClass uint8

const (
	classL       bidiClass = iota // left-to-right strong
	classR                        // right-to-left strong (Hebrew, Arabic letters)
	classEN                       // European digits
	classAN                       // Arabic-Indic digits
	classNeutral                  // spaces, punctuation, separators
)

func classOf(r rune) bidiClass {
	p, _ := bidi.LookupRune(r)
	switch p.Class() {
	case bidi.L:
		return classL
	case bidi.R, bidi.AL:
		return classR
	case bidi.EN:
		return classEN
	case bidi.AN:
		return classAN
	case bidi.NSM:
		return classR // marks only occur on Arabic letters here
	}
	return classNeutral
}

// hasRTL reports whether s holds any right-to-left character; only such
// lines need Visual.
func hasRTL(s string) bool {
	for _, r := range s {
		if r >= 0x0590 && r <= 0x08FF || r >= 0xFB1D && r <= 0xFEFC {
			return true
		}
	}
	return false
}

var mirrored = map[rune]rune{'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«'}

// Visual returns line as it must be drawn left to right: shaped and in
// visual order. A line without right-to-left text is returned unchanged.
// The paragraph direction is that of its first strong character.
func Visual(line string) string {
	if !hasRTL(line) {
		return line
	}
	runes := shapeArabic([]rune(line))
	n := len(runes)
	classes := make([]bidiClass, n)
	paraRTL := false
	foundStrong := false
	for i, r := range runes {
		classes[i] = classOf(r)
		if !foundStrong && (classes[i] == classL || classes[i] == classR) {
			paraRTL, foundStrong = classes[i] == classR, true
		}
	}
	base := 0
	if paraRTL {
		base = 1
	}
	// W2/W7 reduced: a number takes the direction of the strong text
	// before it (European digits after Arabic letters read as Arabic
	// numbers, and digits after Latin as Latin).
	lastStrong := classL
	if paraRTL {
		lastStrong = classR
	}
	numberRTL := make([]bool, n)
	for i, c := range classes {
		switch c {
		case classL, classR:
			lastStrong = c
		case classEN, classAN:
			numberRTL[i] = c == classAN || lastStrong == classR
		}
	}
	// Strong direction of each position for neutral resolution: numbers
	// count as right-to-left when they sit in right-to-left context (N1).
	dir := make([]int8, n) // 1 rtl, -1 ltr, 0 neutral
	for i, c := range classes {
		switch c {
		case classL:
			dir[i] = -1
		case classR:
			dir[i] = 1
		case classEN, classAN:
			if numberRTL[i] {
				dir[i] = 1
			} else {
				dir[i] = -1
			}
		}
	}
	// N1/N2: a run of neutrals between two characters of the same
	// direction takes it; otherwise the paragraph's.
	for i := 0; i < n; {
		if dir[i] != 0 {
			i++
			continue
		}
		j := i
		for j < n && dir[j] == 0 {
			j++
		}
		before, after := int8(-1), int8(-1)
		if paraRTL {
			before, after = 1, 1
		}
		if i > 0 {
			before = dir[i-1]
		}
		if j < n {
			after = dir[j]
		}
		d := int8(-1)
		if paraRTL {
			d = 1
		}
		if before == after {
			d = before
		}
		for k := i; k < j; k++ {
			dir[k] = d
		}
		i = j
	}
	// Levels (I1/I2): right-to-left text is odd; left-to-right text in a
	// right-to-left paragraph and numbers in right-to-left text go one up.
	levels := make([]int, n)
	for i := range runes {
		switch {
		case classes[i] == classEN || classes[i] == classAN:
			if base == 1 || numberRTL[i] {
				levels[i] = 2
			} else {
				levels[i] = 0
			}
		case dir[i] == 1:
			levels[i] = 1
		default:
			levels[i] = 2 * base // left-to-right: 0 in a ltr paragraph, 2 in a rtl one
		}
	}
	// L1: trailing whitespace goes to the paragraph level.
	for i := n - 1; i >= 0 && runes[i] == ' '; i-- {
		levels[i] = base
	}
	// L4: mirror brackets at odd levels.
	for i, r := range runes {
		if levels[i]%2 == 1 {
			if m, ok := mirrored[r]; ok {
				runes[i] = m
			}
		}
	}
	// L2: from the highest level down to 1, reverse every run at or above it.
	maxLevel := 0
	for _, l := range levels {
		maxLevel = max(maxLevel, l)
	}
	for lvl := maxLevel; lvl >= 1; lvl-- {
		for i := 0; i < n; {
			if levels[i] < lvl {
				i++
				continue
			}
			j := i
			for j < n && levels[j] >= lvl {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				runes[a], runes[b] = runes[b], runes[a]
				levels[a], levels[b] = levels[b], levels[a]
			}
			i = j
		}
	}
	return string(runes)
}
