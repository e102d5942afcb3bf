package ecsapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
)

// clients returns SDK clients of both services talking in-process to a
// fresh API server whose answers are checked against the models.
func clients(t *testing.T) (*awsecs.Client, *cwl.Client) {
	t.Helper()
	srv := newAPI(t)
	modelcheck.Attach(t, srv)
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:       &http.Client{Transport: &inproc.Transport{Handler: srv}},
		RetryMaxAttempts: 1,
	}
	return awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://ecsrun") }),
		cwl.NewFromConfig(cfg, func(o *cwl.Options) { o.BaseEndpoint = aws.String("http://ecsrun") })
}

// pager is an SDK paginator.
type pager[O, Opt any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*Opt)) (O, error)
}

// pages runs a paginator to the end and returns the items of every page
// and the number of pages.
func pages[O, Opt any](t *testing.T, p pager[O, Opt], items func(O) []string) ([]string, int) {
	t.Helper()
	var out []string
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatalf("page %d: %v", n+1, err)
		}
		out = append(out, items(page)...)
		n++
	}
	return out, n
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func register(ctx context.Context, c *awsecs.Client, family string) (string, error) {
	out, err := c.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String(family),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(32)}},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn), nil
}

func registerFamily(t *testing.T, c *awsecs.Client, family string) string {
	t.Helper()
	arn, err := register(ctx(t), c, family)
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Errorf("error = %v; want %s", err, code)
	}
}

// TestAPI_PagingEveryListOperation pages through every list operation of
// the models' paginators (paginators-1.json) that ecsrun implements, with
// the SDK's paginators, and checks the items, their order and the number
// of pages.
func TestAPI_PagingEveryListOperation(t *testing.T) {
	ecsc, logsc := clients(t)
	c := ctx(t)
	base := time.Now().Add(-time.Hour).UnixMilli() // log events must be recent
	acct := "arn:aws:ecs:us-east-1:000000000000:"

	t.Run("ListClusters", func(t *testing.T) {
		want := []string{acct + "cluster/default"}
		for i := range 7 {
			name := fmt.Sprintf("pc-%d", i)
			must[*awsecs.CreateClusterOutput](t)(ecsc.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String(name)}))
			want = append(want, acct+"cluster/"+name)
		}
		slices.Sort(want)
		got, n := pages(t, awsecs.NewListClustersPaginator(ecsc, &awsecs.ListClustersInput{MaxResults: aws.Int32(3)}),
			func(o *awsecs.ListClustersOutput) []string { return o.ClusterArns })
		if !slices.Equal(got, want) || n != 3 {
			t.Errorf("got %d pages %v; want 3 pages %v", n, got, want)
		}
	})

	t.Run("ListTaskDefinitions", func(t *testing.T) {
		var want []string
		for range 7 {
			want = append(want, registerFamily(t, ecsc, "pt"))
		}
		registerFamily(t, ecsc, "pt2")
		got, n := pages(t, awsecs.NewListTaskDefinitionsPaginator(ecsc, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("pt"), MaxResults: aws.Int32(2)}),
			func(o *awsecs.ListTaskDefinitionsOutput) []string { return o.TaskDefinitionArns })
		if !slices.Equal(got, want) || n != 4 {
			t.Errorf("ascending: got %d pages %v; want 4 pages %v", n, got, want)
		}
		got, _ = pages(t, awsecs.NewListTaskDefinitionsPaginator(ecsc, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("pt"), Sort: types.SortOrderDesc, MaxResults: aws.Int32(3)}),
			func(o *awsecs.ListTaskDefinitionsOutput) []string { return o.TaskDefinitionArns })
		if rev := reversed(want); !slices.Equal(got, rev) {
			t.Errorf("descending: got %v; want %v", got, rev)
		}
		for _, arn := range want[:3] {
			must[*awsecs.DeregisterTaskDefinitionOutput](t)(ecsc.DeregisterTaskDefinition(c, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(arn)}))
		}
		got, n = pages(t, awsecs.NewListTaskDefinitionsPaginator(ecsc, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("pt"), Status: types.TaskDefinitionStatusInactive, MaxResults: aws.Int32(2)}),
			func(o *awsecs.ListTaskDefinitionsOutput) []string { return o.TaskDefinitionArns })
		if !slices.Equal(got, want[:3]) || n != 2 {
			t.Errorf("INACTIVE: got %d pages %v; want 2 pages %v", n, got, want[:3])
		}
	})

	t.Run("ListTaskDefinitionFamilies", func(t *testing.T) {
		var want []string
		for i := range 5 {
			f := fmt.Sprintf("pf-%d", i)
			registerFamily(t, ecsc, f)
			want = append(want, f)
		}
		got, n := pages(t, awsecs.NewListTaskDefinitionFamiliesPaginator(ecsc, &awsecs.ListTaskDefinitionFamiliesInput{FamilyPrefix: aws.String("pf-"), MaxResults: aws.Int32(2)}),
			func(o *awsecs.ListTaskDefinitionFamiliesOutput) []string { return o.Families })
		if !slices.Equal(got, want) || n != 3 {
			t.Errorf("got %d pages %v; want 3 pages %v", n, got, want)
		}
	})

	t.Run("ListTasks", func(t *testing.T) {
		registerFamily(t, ecsc, "ptask")
		var want []string
		for _, count := range []int32{10, 3} {
			out := must[*awsecs.RunTaskOutput](t)(ecsc.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("ptask"), Count: aws.Int32(count)}))
			for _, task := range out.Tasks {
				want = append(want, aws.ToString(task.TaskArn))
			}
		}
		got, n := pages(t, awsecs.NewListTasksPaginator(ecsc, &awsecs.ListTasksInput{Family: aws.String("ptask"), MaxResults: aws.Int32(4)}),
			func(o *awsecs.ListTasksOutput) []string { return o.TaskArns })
		if !slices.Equal(got, want) || n != 4 {
			t.Errorf("got %d pages %v; want 4 pages %v (start order)", n, got, want)
		}
	})

	t.Run("ListServices", func(t *testing.T) {
		registerFamily(t, ecsc, "psvc")
		var want []string
		for i := range 7 {
			name := fmt.Sprintf("ps-%d", i)
			must[*awsecs.CreateServiceOutput](t)(ecsc.CreateService(c, &awsecs.CreateServiceInput{ServiceName: aws.String(name), TaskDefinition: aws.String("psvc"), DesiredCount: aws.Int32(0)}))
			want = append(want, acct+"service/default/"+name)
		}
		got, n := pages(t, awsecs.NewListServicesPaginator(ecsc, &awsecs.ListServicesInput{MaxResults: aws.Int32(3)}),
			func(o *awsecs.ListServicesOutput) []string { return o.ServiceArns })
		if !slices.Equal(got, want) || n != 3 {
			t.Errorf("got %d pages %v; want 3 pages %v", n, got, want)
		}
		// Without maxResults, 10 a page as on ECS.
		for i := 7; i < 12; i++ {
			name := fmt.Sprintf("ps-%d", i)
			must[*awsecs.CreateServiceOutput](t)(ecsc.CreateService(c, &awsecs.CreateServiceInput{ServiceName: aws.String(name), TaskDefinition: aws.String("psvc"), DesiredCount: aws.Int32(0)}))
		}
		first := must[*awsecs.ListServicesOutput](t)(ecsc.ListServices(c, &awsecs.ListServicesInput{}))
		if len(first.ServiceArns) != 10 || first.NextToken == nil {
			t.Errorf("ListServices without maxResults: %d services, next token %v; want 10 and a token", len(first.ServiceArns), first.NextToken)
		}
	})

	t.Run("DescribeLogGroups", func(t *testing.T) {
		var want []string
		for i := range 7 {
			g := fmt.Sprintf("/pg/%d", i)
			must[*cwl.CreateLogGroupOutput](t)(logsc.CreateLogGroup(c, &cwl.CreateLogGroupInput{LogGroupName: aws.String(g)}))
			want = append(want, g)
		}
		got, n := pages(t, cwl.NewDescribeLogGroupsPaginator(logsc, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/pg/"), Limit: aws.Int32(3)}),
			func(o *cwl.DescribeLogGroupsOutput) []string {
				var names []string
				for _, g := range o.LogGroups {
					names = append(names, aws.ToString(g.LogGroupName))
				}
				return names
			})
		if !slices.Equal(got, want) || n != 3 {
			t.Errorf("got %d pages %v; want 3 pages %v", n, got, want)
		}
	})

	streamNames := func(o *cwl.DescribeLogStreamsOutput) []string {
		var names []string
		for _, s := range o.LogStreams {
			names = append(names, aws.ToString(s.LogStreamName))
		}
		return names
	}
	t.Run("DescribeLogStreams", func(t *testing.T) {
		must[*cwl.CreateLogGroupOutput](t)(logsc.CreateLogGroup(c, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/ps")}))
		var want []string
		for i := range 7 {
			s := fmt.Sprintf("s%d", i)
			must[*cwl.CreateLogStreamOutput](t)(logsc.CreateLogStream(c, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/ps"), LogStreamName: aws.String(s)}))
			must[*cwl.PutLogEventsOutput](t)(logsc.PutLogEvents(c, &cwl.PutLogEventsInput{LogGroupName: aws.String("/ps"), LogStreamName: aws.String(s),
				LogEvents: []cwltypes.InputLogEvent{{Timestamp: aws.Int64(base + int64(6-i)), Message: aws.String(s)}}}))
			want = append(want, s)
		}
		got, n := pages(t, cwl.NewDescribeLogStreamsPaginator(logsc, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ps"), Limit: aws.Int32(2)}), streamNames)
		if !slices.Equal(got, want) || n != 4 {
			t.Errorf("by name: got %d pages %v; want 4 pages %v", n, got, want)
		}
		// s6 has the earliest last event, s0 the latest.
		got, _ = pages(t, cwl.NewDescribeLogStreamsPaginator(logsc, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ps"), OrderBy: cwltypes.OrderByLastEventTime, Limit: aws.Int32(3)}), streamNames)
		if rev := reversed(want); !slices.Equal(got, rev) {
			t.Errorf("by last event time: got %v; want %v", got, rev)
		}
		got, _ = pages(t, cwl.NewDescribeLogStreamsPaginator(logsc, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ps"), Descending: aws.Bool(true), Limit: aws.Int32(3)}), streamNames)
		if rev := reversed(want); !slices.Equal(got, rev) {
			t.Errorf("by name, descending: got %v; want %v", got, rev)
		}
	})

	t.Run("FilterLogEvents", func(t *testing.T) {
		must[*cwl.CreateLogGroupOutput](t)(logsc.CreateLogGroup(c, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/pe")}))
		var want []string
		for s := range 3 {
			stream := fmt.Sprintf("e%d", s)
			must[*cwl.CreateLogStreamOutput](t)(logsc.CreateLogStream(c, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/pe"), LogStreamName: aws.String(stream)}))
			var ev []cwltypes.InputLogEvent
			for i := range 5 {
				ev = append(ev, cwltypes.InputLogEvent{Timestamp: aws.Int64(base + int64(i*3+s)), Message: aws.String(fmt.Sprintf("%02d", i*3+s))})
			}
			must[*cwl.PutLogEventsOutput](t)(logsc.PutLogEvents(c, &cwl.PutLogEventsInput{LogGroupName: aws.String("/pe"), LogStreamName: aws.String(stream), LogEvents: ev}))
		}
		for i := range 15 {
			want = append(want, fmt.Sprintf("%02d", i))
		}
		got, n := pages(t, cwl.NewFilterLogEventsPaginator(logsc, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/pe"), Limit: aws.Int32(4)}),
			func(o *cwl.FilterLogEventsOutput) []string {
				var msgs []string
				for _, e := range o.Events {
					msgs = append(msgs, aws.ToString(e.Message))
				}
				return msgs
			})
		if !slices.Equal(got, want) || n != 4 {
			t.Errorf("got %d pages %v; want 4 pages %v (time order across streams)", n, got, want)
		}
	})

	t.Run("bad tokens and page sizes", func(t *testing.T) {
		_, err := ecsc.ListTasks(c, &awsecs.ListTasksInput{NextToken: aws.String("not-a-token")})
		wantAPIError(t, err, "InvalidParameterException")
		_, err = ecsc.ListClusters(c, &awsecs.ListClustersInput{MaxResults: aws.Int32(101)})
		wantAPIError(t, err, "InvalidParameterException")
		_, err = ecsc.ListTasks(c, &awsecs.ListTasksInput{MaxResults: aws.Int32(0)})
		wantAPIError(t, err, "InvalidParameterException")
		_, err = ecsc.ListContainerInstances(c, &awsecs.ListContainerInstancesInput{MaxResults: aws.Int32(0)})
		wantAPIError(t, err, "InvalidParameterException")
		_, err = logsc.DescribeLogGroups(c, &cwl.DescribeLogGroupsInput{NextToken: aws.String("not-a-token")})
		wantAPIError(t, err, "InvalidParameterException")
		_, err = logsc.DescribeLogStreams(c, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ps"), Limit: aws.Int32(51)})
		wantAPIError(t, err, "InvalidParameterException")
	})
}

// churn writes until stopped: each write adds one item and removes the one
// it added before, so the listed set keeps changing around the items that
// exist throughout. It counts its writes.
type churn struct {
	writes atomic.Int64
	stop   chan struct{}
	done   sync.WaitGroup
	err    atomic.Value
}

func startChurn(write func(i int) error) *churn {
	c := &churn{stop: make(chan struct{})}
	c.done.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-c.stop:
				return
			default:
			}
			if err := write(i); err != nil {
				c.err.Store(err)
				return
			}
			c.writes.Add(1)
		}
	})
	return c
}

func (c *churn) finish(t *testing.T) {
	t.Helper()
	close(c.stop)
	c.done.Wait()
	if err := c.err.Load(); err != nil {
		t.Fatalf("concurrent writer: %v", err)
	}
}

// pageUnderChurn pages repeatedly while ch writes, until at least 30
// writes happened and at least one full paging saw writes in its middle.
// Every paging must list each of stable exactly once and nothing twice.
func pageUnderChurn(t *testing.T, ch *churn, stable []string, list func() []string) {
	t.Helper()
	defer ch.finish(t)
	interleaved := false
	for round := 0; ; round++ {
		before := ch.writes.Load()
		got := list()
		during := ch.writes.Load() - before
		seen := map[string]int{}
		for _, item := range got {
			seen[item]++
			if seen[item] == 2 {
				t.Fatalf("round %d: %s listed twice (%d writes during the paging)", round, item, during)
			}
		}
		for _, item := range stable {
			if seen[item] != 1 {
				t.Fatalf("round %d: %s, which existed throughout, was skipped (%d writes during the paging)", round, item, during)
			}
		}
		interleaved = interleaved || during > 0
		if interleaved && ch.writes.Load() >= 30 {
			return
		}
		if round > 10000 {
			t.Fatalf("the writer made %d writes in %d rounds; want paging interleaved with writes", ch.writes.Load(), round)
		}
	}
}

// TestAPI_PagingStableUnderConcurrentWrites pages with small pages while
// another client adds and removes items: no item that exists throughout is
// skipped or repeated.
func TestAPI_PagingStableUnderConcurrentWrites(t *testing.T) {
	ecsc, logsc := clients(t)
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	t.Run("ListClusters", func(t *testing.T) {
		var stable []string
		for i := range 6 {
			out := must[*awsecs.CreateClusterOutput](t)(ecsc.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String(fmt.Sprintf("s%d", i*2))}))
			stable = append(stable, aws.ToString(out.Cluster.ClusterArn))
		}
		ch := startChurn(func(i int) error {
			// New names sort between the stable ones.
			if _, err := ecsc.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String(fmt.Sprintf("s%d-%d", i%12, i))}); err != nil {
				return err
			}
			if i > 0 {
				_, err := ecsc.DeleteCluster(c, &awsecs.DeleteClusterInput{Cluster: aws.String(fmt.Sprintf("s%d-%d", (i-1)%12, i-1))})
				return err
			}
			return nil
		})
		pageUnderChurn(t, ch, stable, func() []string {
			got, _ := pages(t, awsecs.NewListClustersPaginator(ecsc, &awsecs.ListClustersInput{MaxResults: aws.Int32(2)}),
				func(o *awsecs.ListClustersOutput) []string { return o.ClusterArns })
			return got
		})
	})

	t.Run("ListTaskDefinitions and families", func(t *testing.T) {
		var stable, families []string
		for i := range 4 {
			f := fmt.Sprintf("sf%d", i*2)
			families = append(families, f)
			stable = append(stable, registerFamily(t, ecsc, f), registerFamily(t, ecsc, f))
		}
		listDefs := func(sort types.SortOrder) func() []string {
			return func() []string {
				got, _ := pages(t, awsecs.NewListTaskDefinitionsPaginator(ecsc, &awsecs.ListTaskDefinitionsInput{Sort: sort, MaxResults: aws.Int32(2)}),
					func(o *awsecs.ListTaskDefinitionsOutput) []string { return o.TaskDefinitionArns })
				return got
			}
		}
		// New revisions of the stable families, each deregistering the
		// previous one.
		var last string
		pageUnderChurn(t, startChurn(func(i int) error {
			arn, err := register(c, ecsc, fmt.Sprintf("sf%d", i%8))
			if err != nil {
				return err
			}
			if last != "" {
				if _, err := ecsc.DeregisterTaskDefinition(c, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(last)}); err != nil {
					return err
				}
			}
			last = arn
			return nil
		}), stable, listDefs(types.SortOrderAsc))
		// New families sorting between the stable ones, listed newest first.
		pageUnderChurn(t, startChurn(func(i int) error {
			_, err := register(c, ecsc, fmt.Sprintf("sf%d-%d", i%8, i))
			return err
		}), stable, listDefs(types.SortOrderDesc))
		pageUnderChurn(t, startChurn(func(i int) error {
			_, err := register(c, ecsc, fmt.Sprintf("sf%d-x%d", i%8, i))
			return err
		}), families, func() []string {
			got, _ := pages(t, awsecs.NewListTaskDefinitionFamiliesPaginator(ecsc, &awsecs.ListTaskDefinitionFamiliesInput{FamilyPrefix: aws.String("sf"), MaxResults: aws.Int32(2)}),
				func(o *awsecs.ListTaskDefinitionFamiliesOutput) []string { return o.Families })
			return got
		})
	})

	t.Run("ListTasks", func(t *testing.T) {
		registerFamily(t, ecsc, "st")
		out := must[*awsecs.RunTaskOutput](t)(ecsc.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("st"), Count: aws.Int32(7)}))
		var stable []string
		for _, task := range out.Tasks {
			stable = append(stable, aws.ToString(task.TaskArn))
		}
		var last string
		ch := startChurn(func(i int) error {
			out, err := ecsc.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("st")})
			if err != nil {
				return err
			}
			if last != "" {
				if _, err := ecsc.StopTask(c, &awsecs.StopTaskInput{Task: aws.String(last)}); err != nil {
					return err
				}
			}
			last = aws.ToString(out.Tasks[0].TaskArn)
			return nil
		})
		pageUnderChurn(t, ch, stable, func() []string {
			got, _ := pages(t, awsecs.NewListTasksPaginator(ecsc, &awsecs.ListTasksInput{MaxResults: aws.Int32(2)}),
				func(o *awsecs.ListTasksOutput) []string { return o.TaskArns })
			return got
		})
	})

	t.Run("ListServices", func(t *testing.T) {
		registerFamily(t, ecsc, "ssvc")
		create := func(name string) error {
			_, err := ecsc.CreateService(c, &awsecs.CreateServiceInput{Cluster: aws.String("ssc"), ServiceName: aws.String(name), TaskDefinition: aws.String("ssvc"), DesiredCount: aws.Int32(0)})
			return err
		}
		must[*awsecs.CreateClusterOutput](t)(ecsc.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("ssc")}))
		var stable []string
		for i := range 6 {
			name := fmt.Sprintf("s%d", i*2)
			if err := create(name); err != nil {
				t.Fatal(err)
			}
			stable = append(stable, "arn:aws:ecs:us-east-1:000000000000:service/ssc/"+name)
		}
		pageUnderChurn(t, startChurn(func(i int) error {
			// Services that come and go between the stable ones: created,
			// then deleted (INACTIVE services are not listed).
			name := fmt.Sprintf("s%d-%d", (i%5)*2+1, i/10)
			if i/5%2 == 0 {
				return create(name)
			}
			_, err := ecsc.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: aws.String("ssc"), Service: aws.String(name)})
			return err
		}), stable, func() []string {
			got, _ := pages(t, awsecs.NewListServicesPaginator(ecsc, &awsecs.ListServicesInput{Cluster: aws.String("ssc"), MaxResults: aws.Int32(2)}),
				func(o *awsecs.ListServicesOutput) []string { return o.ServiceArns })
			return got
		})
	})

	t.Run("ListContainerInstances and ListAttributes", func(t *testing.T) {
		cl := aws.String("sci")
		must[*awsecs.CreateClusterOutput](t)(ecsc.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: cl}))
		register := func(attrs ...types.Attribute) string {
			out := must[*awsecs.RegisterContainerInstanceOutput](t)(ecsc.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
				Cluster: cl, Attributes: attrs, TotalResources: []types.Resource{
					{Name: aws.String("CPU"), Type: aws.String("INTEGER"), IntegerValue: 1024},
					{Name: aws.String("MEMORY"), Type: aws.String("INTEGER"), IntegerValue: 1024},
				}}))
			return aws.ToString(out.ContainerInstance.ContainerInstanceArn)
		}
		// Stable instances (with the attribute "stable") interleaved with
		// others that come and go between them.
		var stable, others []string
		for range 6 {
			stable = append(stable, register(types.Attribute{Name: aws.String("stable"), Value: aws.String("yes")}))
			others = append(others, register())
		}
		pageUnderChurn(t, startChurn(func(i int) error {
			status := types.ContainerInstanceStatusDraining
			if i/len(others)%2 == 1 {
				status = types.ContainerInstanceStatusActive
			}
			_, err := ecsc.UpdateContainerInstancesState(c, &awsecs.UpdateContainerInstancesStateInput{Cluster: cl, ContainerInstances: []string{others[i%len(others)]}, Status: status})
			return err
		}), stable, func() []string {
			got, _ := pages(t, awsecs.NewListContainerInstancesPaginator(ecsc, &awsecs.ListContainerInstancesInput{Cluster: cl, Status: types.ContainerInstanceStatusActive, MaxResults: aws.Int32(2)}),
				func(o *awsecs.ListContainerInstancesOutput) []string { return o.ContainerInstanceArns })
			return got
		})
		pageUnderChurn(t, startChurn(func(i int) error {
			attrs := []types.Attribute{{Name: aws.String("stable"), Value: aws.String("yes"), TargetId: aws.String(others[i%len(others)])}}
			var err error
			if i/len(others)%2 == 0 {
				_, err = ecsc.PutAttributes(c, &awsecs.PutAttributesInput{Cluster: cl, Attributes: attrs})
			} else {
				_, err = ecsc.DeleteAttributes(c, &awsecs.DeleteAttributesInput{Cluster: cl, Attributes: attrs})
			}
			return err
		}), stable, func() []string {
			got, _ := pages(t, awsecs.NewListAttributesPaginator(ecsc, &awsecs.ListAttributesInput{Cluster: cl, TargetType: types.TargetTypeContainerInstance, AttributeName: aws.String("stable"), AttributeValue: aws.String("yes"), MaxResults: aws.Int32(2)}),
				func(o *awsecs.ListAttributesOutput) []string {
					var ids []string
					for _, a := range o.Attributes {
						ids = append(ids, aws.ToString(a.TargetId))
					}
					return ids
				})
			return got
		})
	})

	t.Run("DescribeLogGroups and DescribeLogStreams", func(t *testing.T) {
		var stable []string
		for i := range 6 {
			g := fmt.Sprintf("/s/%d", i*2)
			must[*cwl.CreateLogGroupOutput](t)(logsc.CreateLogGroup(c, &cwl.CreateLogGroupInput{LogGroupName: aws.String(g)}))
			stable = append(stable, g)
		}
		ch := startChurn(func(i int) error {
			if _, err := logsc.CreateLogGroup(c, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fmt.Sprintf("/s/%d-%d", i%12, i))}); err != nil {
				return err
			}
			if i > 0 {
				_, err := logsc.DeleteLogGroup(c, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(fmt.Sprintf("/s/%d-%d", (i-1)%12, i-1))})
				return err
			}
			return nil
		})
		pageUnderChurn(t, ch, stable, func() []string {
			got, _ := pages(t, cwl.NewDescribeLogGroupsPaginator(logsc, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/s/"), Limit: aws.Int32(2)}),
				func(o *cwl.DescribeLogGroupsOutput) []string {
					var names []string
					for _, g := range o.LogGroups {
						names = append(names, aws.ToString(g.LogGroupName))
					}
					return names
				})
			return got
		})

		g := aws.String("/s/0")
		stable = nil
		for i := range 6 {
			s := fmt.Sprintf("st%d", i*2)
			must[*cwl.CreateLogStreamOutput](t)(logsc.CreateLogStream(c, &cwl.CreateLogStreamInput{LogGroupName: g, LogStreamName: aws.String(s)}))
			stable = append(stable, s)
		}
		ch = startChurn(func(i int) error {
			if _, err := logsc.CreateLogStream(c, &cwl.CreateLogStreamInput{LogGroupName: g, LogStreamName: aws.String(fmt.Sprintf("st%d-%d", i%12, i))}); err != nil {
				return err
			}
			if i > 0 {
				_, err := logsc.DeleteLogStream(c, &cwl.DeleteLogStreamInput{LogGroupName: g, LogStreamName: aws.String(fmt.Sprintf("st%d-%d", (i-1)%12, i-1))})
				return err
			}
			return nil
		})
		pageUnderChurn(t, ch, stable, func() []string {
			got, _ := pages(t, cwl.NewDescribeLogStreamsPaginator(logsc, &cwl.DescribeLogStreamsInput{LogGroupName: g, Limit: aws.Int32(2)}),
				func(o *cwl.DescribeLogStreamsOutput) []string {
					var names []string
					for _, s := range o.LogStreams {
						names = append(names, aws.ToString(s.LogStreamName))
					}
					return names
				})
			return got
		})
	})
}
