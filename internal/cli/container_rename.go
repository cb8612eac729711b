package cli

import (
	"context"
	"fmt"
	"strings"
)

// runRename is `hull rename CONTAINER NEW_NAME`.
func runRename(ctx context.Context, e *env, args []string) error {
	pos, err := e.newFlags("rename").parse(args)
	if err != nil {
		return err
	}
	if err := exactArgs("rename", 2, pos); err != nil {
		return err
	}
	if strings.TrimSpace(pos[1]) == "" {
		return fmt.Errorf("new name cannot be blank")
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	return docker(eng.Rename(pos[0], pos[1]))
}
