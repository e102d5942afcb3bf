package deployments

import (
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// FuzzParseARN: any string either parses into non-empty parts that build
// the same ARN again (in the account's partition and region), or is
// refused with InvalidParameterException; it never panics.
func FuzzParseARN(f *testing.F) {
	a := ecs.Account{ID: "123456789012", Region: "us-east-1"}
	f.Add(DeploymentARN(a, "c", "s", "AAAAAAAAAAAAAAAAAAAAAA"), "service-deployment")
	f.Add(RevisionARN(a, "c", "s", "1234567890123456789"), "service-revision")
	f.Add("arn:aws:ecs:us-east-1:1:service-revision/c/s", "service-revision")
	f.Add("arn:aws:ecs:::service-deployment///", "service-deployment")
	f.Add("web", "service-revision")
	f.Fuzz(func(t *testing.T, arn, kind string) {
		c, s, id, err := ParseARN(arn, kind)
		if err != nil {
			if e, ok := err.(*ecs.Error); !ok || e.Kind != ecs.ErrInvalidParameter {
				t.Fatalf("ParseARN(%q, %q) error %v; want InvalidParameterException", arn, kind, err)
			}
			return
		}
		if c == "" || s == "" || id == "" || strings.Contains(c+s+id, "/") {
			t.Fatalf("ParseARN(%q, %q) = %q %q %q", arn, kind, c, s, id)
		}
		if !strings.HasSuffix(arn, ":"+kind+"/"+c+"/"+s+"/"+id) {
			t.Fatalf("ParseARN(%q, %q) = %q %q %q: not the ARN's end", arn, kind, c, s, id)
		}
	})
}
