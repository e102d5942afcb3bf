package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// FamilyRow is a task definition family.
type FamilyRow struct {
	Family string
	Active bool
}

func (c *Console) loadFamilies(r *http.Request) (loaded, error) {
	ctx := r.Context()
	var rows []FamilyRow
	for _, st := range []types.TaskDefinitionFamilyStatus{types.TaskDefinitionFamilyStatusActive, types.TaskDefinitionFamilyStatusInactive} {
		p := awsecs.NewListTaskDefinitionFamiliesPaginator(c.opts.ECS, &awsecs.ListTaskDefinitionFamiliesInput{Status: st})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return loaded{}, err
			}
			for _, f := range out.Families {
				rows = append(rows, FamilyRow{Family: f, Active: st == types.TaskDefinitionFamilyStatusActive})
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Family < rows[j].Family })
	return loaded{title: "Task definitions", nav: "taskdefs", data: rows}, nil
}

// RevisionRow is a revision of a family.
type RevisionRow struct {
	Revision int
	Status   string
}

// FamilyView is a family's page.
type FamilyView struct {
	Family    string
	Revisions []RevisionRow
}

func (c *Console) revisions(r *http.Request, family string) ([]RevisionRow, error) {
	var rows []RevisionRow
	for _, st := range []types.TaskDefinitionStatus{types.TaskDefinitionStatusActive, types.TaskDefinitionStatusInactive} {
		p := awsecs.NewListTaskDefinitionsPaginator(c.opts.ECS, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: st})
		for p.HasMorePages() {
			out, err := p.NextPage(r.Context())
			if err != nil {
				return nil, err
			}
			for _, a := range out.TaskDefinitionArns {
				fam, rev := familyRevision(a)
				n, err := strconv.Atoi(rev)
				if fam != family || err != nil {
					continue // another family with this prefix
				}
				rows = append(rows, RevisionRow{Revision: n, Status: string(st)})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Revision > rows[j].Revision })
	return rows, nil
}

func (c *Console) loadFamily(r *http.Request) (loaded, error) {
	family := r.PathValue("family")
	revs, err := c.revisions(r, family)
	if err != nil {
		return loaded{}, err
	}
	if len(revs) == 0 {
		return loaded{}, notFound("task definition family %s has no revisions", family)
	}
	return loaded{title: "Task definition " + family, nav: "taskdefs", data: FamilyView{Family: family, Revisions: revs}}, nil
}

// TaskDefView is a revision's page.
type TaskDefView struct {
	Family, Revision, Arn, Status string
	JSON                          string
	Previous                      string
}

// taskDefJSON reads a revision as the JSON the API answers (field names
// in lower camel case, unset fields left out).
func (c *Console) taskDefJSON(r *http.Request, family, revision string) (*types.TaskDefinition, string, error) {
	out, err := c.opts.ECS.DescribeTaskDefinition(r.Context(), &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(family + ":" + revision)})
	if err != nil {
		return nil, "", err
	}
	js, err := wireJSON(out.TaskDefinition)
	if err != nil {
		return nil, "", err
	}
	return out.TaskDefinition, js, nil
}

func (c *Console) loadTaskDef(r *http.Request) (loaded, error) {
	family, revision := r.PathValue("family"), r.PathValue("revision")
	if _, err := strconv.Atoi(revision); err != nil {
		return loaded{}, notFound("revision %q of %s: revisions are numbers", revision, family)
	}
	td, js, err := c.taskDefJSON(r, family, revision)
	if err != nil {
		return loaded{}, err
	}
	v := TaskDefView{Family: family, Revision: revision, Arn: aws.ToString(td.TaskDefinitionArn), Status: string(td.Status), JSON: js}
	if n, _ := strconv.Atoi(revision); n > 1 {
		v.Previous = strconv.Itoa(n - 1)
	}
	return loaded{title: family + ":" + revision, nav: "taskdefs", data: v}, nil
}

// DiffView is the difference between two revisions.
type DiffView struct {
	Family    string
	A, B      string
	Revisions []RevisionRow
	Lines     []DiffLine
	Same      bool
}

func (c *Console) loadDiff(r *http.Request) (loaded, error) {
	family := r.PathValue("family")
	q := r.URL.Query()
	v := DiffView{Family: family, A: q.Get("a"), B: q.Get("b")}
	revs, err := c.revisions(r, family)
	if err != nil {
		return loaded{}, err
	}
	v.Revisions = revs
	if len(revs) == 0 {
		return loaded{}, notFound("task definition family %s has no revisions", family)
	}
	if v.B == "" {
		v.B = strconv.Itoa(revs[0].Revision)
	}
	if v.A == "" {
		v.A = v.B
		if len(revs) > 1 {
			v.A = strconv.Itoa(revs[1].Revision)
		}
	}
	for _, rev := range []string{v.A, v.B} {
		if _, err := strconv.Atoi(rev); err != nil {
			return loaded{}, badRequest("revision %q: revisions are numbers", rev)
		}
	}
	_, a, err := c.taskDefJSON(r, family, v.A)
	if err != nil {
		return loaded{}, err
	}
	_, b, err := c.taskDefJSON(r, family, v.B)
	if err != nil {
		return loaded{}, err
	}
	v.Lines = diffLines(withoutRevision(a), withoutRevision(b))
	v.Same = true
	for _, l := range v.Lines {
		if l.Op != " " {
			v.Same = false
		}
	}
	return loaded{title: "Diff " + family + ":" + v.A + " → " + v.B, nav: "taskdefs", data: v}, nil
}

// withoutRevision drops the members that always differ between
// revisions (ARN, revision, registration time), so the diff shows what
// changed.
func withoutRevision(js string) string {
	var doc map[string]any
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	if d.Decode(&doc) != nil {
		return js
	}
	for _, k := range []string{"taskDefinitionArn", "revision", "registeredAt", "deregisteredAt", "registeredBy"} {
		delete(doc, k)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return js
	}
	return string(out)
}

// wireJSON marshals an SDK shape as the API's JSON: the SDK's field names
// with a lower-case first letter (as the ECS wire names are), and no
// unset (null) or empty members.
func wireJSON(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var doc any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return "", err
	}
	doc = lowerKeys(doc)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// lowerKeys renames object keys to lower camel case and drops null and
// empty members.
func lowerKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			e = lowerKeys(e)
			if empty(e) {
				continue
			}
			out[lowerFirst(k)] = e
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			out = append(out, lowerKeys(e))
		}
		return out
	}
	return v
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return x == "" // an unset enumeration
	}
	return false
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// DiffLine is a line of a diff: Op is " " (in both), "-" (only in the
// first) or "+" (only in the second).
type DiffLine struct {
	Op, Text string
}

// maxDiffLines bounds the size of a diff (an LCS table is quadratic).
const maxDiffLines = 4000

// diffLines is the line diff of a and b by their longest common
// subsequence.
func diffLines(a, b string) []DiffLine {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(x) > maxDiffLines || len(y) > maxDiffLines {
		return []DiffLine{{Op: "-", Text: "(too long to compare line by line)"}}
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{" ", x[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{"-", x[i]})
			i++
		default:
			out = append(out, DiffLine{"+", y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, DiffLine{"-", x[i]})
	}
	for ; j < len(y); j++ {
		out = append(out, DiffLine{"+", y[j]})
	}
	return out
}
