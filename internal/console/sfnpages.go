package console

import (
	"encoding/json"
	"html/template"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/flowgraph"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// MachineRow is a state machine.
type MachineRow struct {
	Name, Arn, Type string
	Created         *time.Time
}

func (c *Console) loadWorkflows(r *http.Request) (loaded, error) {
	var rows []MachineRow
	p := sfn.NewListStateMachinesPaginator(c.opts.SFN, &sfn.ListStateMachinesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(r.Context())
		if err != nil {
			return loaded{}, err
		}
		for _, sm := range out.StateMachines {
			rows = append(rows, MachineRow{Name: aws.ToString(sm.Name), Arn: aws.ToString(sm.StateMachineArn), Type: string(sm.Type), Created: sm.CreationDate})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return loaded{title: "Workflows", nav: "workflows", data: rows, live: true}, nil
}

// ExecutionRow is an execution in a list.
type ExecutionRow struct {
	Name, Arn, Status string
	Start, Stop       *time.Time
}

// WorkflowView is a state machine's page.
type WorkflowView struct {
	MachineRow
	Graph      template.HTML
	Executions []ExecutionRow
}

// executionLimit bounds the executions a state machine's page lists.
const executionLimit = 100

func (c *Console) loadWorkflow(r *http.Request) (loaded, error) {
	ctx := r.Context()
	arn := r.URL.Query().Get("arn")
	if arn == "" {
		return loaded{}, badRequest("which state machine? give its ARN as ?arn=")
	}
	d, err := c.opts.SFN.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		return loaded{}, err
	}
	v := WorkflowView{MachineRow: MachineRow{Name: aws.ToString(d.Name), Arn: arn, Type: string(d.Type), Created: d.CreationDate}}
	if sm, err := workflow.Parse([]byte(aws.ToString(d.Definition)), workflow.ParseOptions{}); err == nil {
		v.Graph = template.HTML(flowgraph.New(sm).ThemedSVG(""))
	}
	out, err := c.opts.SFN.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn), MaxResults: executionLimit})
	if err != nil {
		return loaded{}, err
	}
	for _, ex := range out.Executions {
		v.Executions = append(v.Executions, ExecutionRow{Name: aws.ToString(ex.Name), Arn: aws.ToString(ex.ExecutionArn), Status: string(ex.Status), Start: ex.StartDate, Stop: ex.StopDate})
	}
	return loaded{title: "Workflow " + v.Name, nav: "workflows", data: v, live: true}, nil
}

// HistoryRow is an event of an execution's history.
type HistoryRow struct {
	ID     int64
	At     *time.Time
	Type   string
	Detail string
	Failed bool
}

// TaskLink is an ECS task an execution ran.
type TaskLink struct {
	Cluster, ID string
}

// ExecutionView is an execution's page.
type ExecutionView struct {
	ExecutionRow
	Machine, MachineArn string
	Input, Output       string
	Error, Cause        string
	Graph               template.HTML
	History             []HistoryRow
	Tasks               []TaskLink
}

// historyLimit bounds the events an execution's page reads.
const historyLimit = 5000

func (c *Console) loadExecution(r *http.Request) (loaded, error) {
	ctx := r.Context()
	arn := r.URL.Query().Get("arn")
	if arn == "" {
		return loaded{}, badRequest("which execution? give its ARN as ?arn=")
	}
	ex, err := c.opts.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return loaded{}, err
	}
	v := ExecutionView{
		ExecutionRow: ExecutionRow{Name: aws.ToString(ex.Name), Arn: arn, Status: string(ex.Status), Start: ex.StartDate, Stop: ex.StopDate},
		MachineArn:   aws.ToString(ex.StateMachineArn), Input: prettyJSON(aws.ToString(ex.Input)), Output: prettyJSON(aws.ToString(ex.Output)),
		Error: aws.ToString(ex.Error), Cause: aws.ToString(ex.Cause),
	}
	v.Machine = shortArn(v.MachineArn)
	var evs []sfntypes.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(c.opts.SFN, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
	for p.HasMorePages() && len(evs) < historyLimit {
		out, err := p.NextPage(ctx)
		if err != nil {
			return loaded{}, err
		}
		evs = append(evs, out.Events...)
	}
	d, err := c.opts.SFN.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return loaded{}, err
	}
	if sm, err := workflow.Parse([]byte(aws.ToString(d.Definition)), workflow.ParseOptions{}); err == nil {
		g := flowgraph.New(sm)
		g.Color(historyEvents(evs))
		v.Graph = template.HTML(g.ThemedSVG(""))
	}
	v.History, v.Tasks = history(evs)
	return loaded{title: "Execution " + v.Name, nav: "workflows", data: v, live: true}, nil
}

// historyEvents converts SDK history events for the graph.
func historyEvents(evs []sfntypes.HistoryEvent) []flowgraph.Event {
	out := make([]flowgraph.Event, len(evs))
	for i, ev := range evs {
		fe := flowgraph.Event{ID: ev.Id, Prev: ev.PreviousEventId, Type: string(ev.Type)}
		if d := ev.StateEnteredEventDetails; d != nil {
			fe.State = aws.ToString(d.Name)
		}
		if d := ev.StateExitedEventDetails; d != nil {
			fe.State = aws.ToString(d.Name)
		}
		out[i] = fe
	}
	return out
}

// taskArnRE matches ECS task ARNs in events' details.
var taskArnRE = regexp.MustCompile(`arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task/([A-Za-z0-9_-]+)/([A-Za-z0-9]+)`)

// detailLimit bounds the detail of an event a history row shows.
const detailLimit = 600

// history is the rows of an execution's history, newest first, and the
// ECS tasks its events name, in the order they appear.
func history(evs []sfntypes.HistoryEvent) ([]HistoryRow, []TaskLink) {
	var rows []HistoryRow
	var tasks []TaskLink
	seen := map[string]bool{}
	for _, ev := range evs {
		row := HistoryRow{ID: ev.Id, At: ev.Timestamp, Type: string(ev.Type), Failed: strings.HasSuffix(string(ev.Type), "Failed") || strings.HasSuffix(string(ev.Type), "TimedOut")}
		detail := eventDetail(ev)
		for _, m := range taskArnRE.FindAllStringSubmatch(detail, -1) {
			if !seen[m[0]] {
				seen[m[0]] = true
				tasks = append(tasks, TaskLink{Cluster: m[1], ID: m[2]})
			}
		}
		if len(detail) > detailLimit {
			detail = detail[:detailLimit] + "…"
		}
		row.Detail = detail
		rows = append(rows, row)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows, tasks
}

// eventDetail is an event's details as compact JSON (the set one of its
// ...EventDetails members).
func eventDetail(ev sfntypes.HistoryEvent) string {
	ev.Id, ev.PreviousEventId, ev.Timestamp, ev.Type = 0, 0, nil, ""
	js, err := wireJSON(ev)
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(js), &m) != nil {
		return ""
	}
	delete(m, "id")
	delete(m, "previousEventId")
	for _, d := range m {
		b, _ := json.Marshal(d)
		return string(b)
	}
	return ""
}

// prettyJSON indents a JSON document ("" stays "").
func prettyJSON(s string) string {
	if s == "" {
		return ""
	}
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return s
	}
	return string(b)
}
