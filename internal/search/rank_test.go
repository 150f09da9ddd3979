package search

import (
	"slices"
	"testing"
)

func TestRank(t *testing.T) {
	ids := func(found []candidate) []string {
		var out []string
		for _, c := range found {
			out = append(out, c.hit.ID)
		}
		return out
	}
	cand := func(id, body string) candidate { return candidate{hit: Hit{ID: id}, body: body} }
	q := func(s string) Query {
		t.Helper()
		q, err := ParseQuery(s)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	t.Run("a rare word outweighs a common one", func(t *testing.T) {
		// mortar in 900 documents of 1,000, qizilqaya in 5.
		st := stats{docs: 1000, withWord: []int{900, 5}, meanLen: 20}
		found := []candidate{
			cand("a", "mortar mortar mortar qizilqaya heard near the post"),
			cand("b", "mortar qizilqaya qizilqaya heard near the post"),
		}
		rank(q("mortar qizilqaya"), st, found)
		if got := ids(found); !slices.Equal(got, []string{"b", "a"}) {
			t.Errorf("got %v, want b (the rare word twice) before a (the common word thrice)", got)
		}
	})
	t.Run("a shorter document with as many repeats comes first", func(t *testing.T) {
		st := stats{docs: 1000, withWord: []int{10}, meanLen: 20}
		found := []candidate{
			cand("long", "drone seen over the road near the village in the morning by the patrol of the post"),
			cand("short", "drone seen"),
			cand("many", "drone drone drone seen over the road near the village"),
		}
		rank(q("drone"), st, found)
		if got := ids(found); !slices.Equal(got, []string{"many", "short", "long"}) {
			t.Errorf("got %v, want many, short, long", got)
		}
	})
	t.Run("the last word counts the words it begins", func(t *testing.T) {
		st := stats{docs: 1000, withWord: []int{10}, meanLen: 10}
		found := []candidate{
			cand("once", "shelling heard near the post at night"),
			cand("thrice", "shelling shelled shells heard near the post"),
		}
		rank(q("shel"), st, found)
		if got := ids(found); !slices.Equal(got, []string{"thrice", "once"}) {
			t.Errorf("got %v, want thrice before once", got)
		}
	})
	t.Run("a word in every document weighs nothing but still orders; ties go by id", func(t *testing.T) {
		st := stats{docs: 1000, withWord: []int{1000}, meanLen: 10}
		found := []candidate{cand("c", "fire seen"), cand("b", "fire fire"), cand("a", "fire seen")}
		rank(q("fire"), st, found)
		if got := ids(found); !slices.Equal(got, []string{"b", "a", "c"}) {
			t.Errorf("got %v, want b, a, c", got)
		}
	})
	t.Run("counts", func(t *testing.T) {
		got := q("mortar ni").counts([]string{"mortar", "night", "nine", "mortars", "n", "mortar"})
		if !slices.Equal(got, []int{2, 2}) {
			t.Errorf("counts = %v, want [2 2] (mortars is not mortar: only the last word is a prefix)", got)
		}
	})
}
