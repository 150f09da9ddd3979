package main

import (
	"context"
	"fmt"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	return fmt.Errorf("not yet")
}
