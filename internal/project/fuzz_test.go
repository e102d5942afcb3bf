package project

import (
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// FuzzDecode checks that no project file crashes the decoder or the
// checks: it is either refused with an error or accepted.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{project, "environments: {a: {env: {\"x:\": y}}}", "tasks: {m: {retry: {maxAttempts: 1e99}}}", "{", "version: 1\ntasks: {m: {count: -1}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pf := new(File)
		if err := ecs.DecodeStrictFile(data, pf); err != nil {
			return
		}
		pf.Path = "/project/ecsrun.yaml"
		pf.check()
	})
}
