package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestCollectorReportsEveryField(t *testing.T) {
	var c Collector
	c.Add(nil)
	c.Add(Required("narrative"))
	c.Add(TooLong("narrative", 30, 20)) // one message per field: the first
	c.Add(Prefix("location.point", OutOfRange("lat", -90, 90)))
	err := fmt.Errorf("incident: lodge: %w", c.Err())
	if CodeOf(err) != CodeInvalid || FieldOf(err) != "narrative" || MessageOf(err) != "is required" {
		t.Fatalf("first error: %s %s %q", CodeOf(err), FieldOf(err), MessageOf(err))
	}
	all := All(err)
	if len(all) != 2 || all[1].Field != "location.point.lat" || all[1].Reason != ReasonOutOfRange || all[1].Params["max"] != 90 {
		t.Fatalf("all: %+v", all)
	}
	if !c.Has("location") || c.Has("time") {
		t.Fatal("Has")
	}
}

func TestCollectorOneErrorIsItself(t *testing.T) {
	var c Collector
	if c.Err() != nil || !c.Empty() {
		t.Fatal("an empty collector holds an error")
	}
	c.Add(Invalid("a", "bad"))
	var e *Error
	if !errors.As(c.Err(), &e) || e.Field != "a" {
		t.Fatalf("%v", c.Err())
	}
	internal := errors.New("disk")
	c.Add(internal)
	if !errors.Is(c.Err(), internal) || CodeOf(c.Err()) != CodeInternal {
		t.Fatal("an internal failure must win")
	}
}

func TestBecauseKeepsTheMessage(t *testing.T) {
	err := Because(Invalid("count", "must be at least 1"), ReasonTooSmall, "min", 1)
	all := All(err)
	if len(all) != 1 || all[0].Message != "must be at least 1" || all[0].Reason != ReasonTooSmall || all[0].Params["min"] != 1 {
		t.Fatalf("%+v", all)
	}
	if Because(errors.New("x"), ReasonRequired).Error() != "x" {
		t.Fatal("Because on a plain error")
	}
}
