package docscheck

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Runner runs the runnable blocks of pages.
type Runner struct {
	// Root is the repository root, the blocks' working directory.
	Root string
	// BinDir holds the ecsrun to put first on PATH.
	BinDir string
	// Timeout bounds one page's run.
	Timeout time.Duration
}

// RunPage runs the blocks of page in order in one `bash -euo pipefail`
// process from the repository root, with r.BinDir first on PATH and
// XDG_STATE_HOME a fresh temporary directory (removed afterwards). On
// failure the error names the page, the block that failed (its line and
// code) and holds the whole output.
func (r Runner) RunPage(ctx context.Context, page string, blocks []Block) error {
	if len(blocks) == 0 {
		return nil
	}
	tmp, err := os.MkdirTemp("", "ecsrun-docs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	state := filepath.Join(tmp, "state")
	marker := filepath.Join(tmp, "block")
	var script strings.Builder
	for i, b := range blocks {
		// Record which block runs, so a failure can name it.
		fmt.Fprintf(&script, "printf %d > %s\n", i, strconv.Quote(marker))
		script.WriteString(b.Code)
	}
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script.String())
	cmd.Dir = r.Root
	cmd.Env = append(os.Environ(),
		"PATH="+r.BinDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"XDG_STATE_HOME="+state,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// A block that leaves a background process behind holding the output
	// must not hang the check.
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		i := 0
		if b, rerr := os.ReadFile(marker); rerr == nil {
			i, _ = strconv.Atoi(string(b))
		}
		if i >= len(blocks) {
			i = len(blocks) - 1
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (timed out after %s)", err, r.Timeout)
		}
		return fmt.Errorf("%s: runnable block %d of %d (line %d) failed: %v\n--- the block:\n%s--- the output of the page's blocks:\n%s",
			page, i+1, len(blocks), blocks[i].Line, err, blocks[i].Code, out.String())
	}
	return nil
}
