package capacity

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	cp "github.com/ecsrun/ecsrun/internal/capacityproviders"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
	"github.com/ecsrun/ecsrun/internal/store"
)

// Clusters is what the registry needs of the control plane.
type Clusters interface {
	// ProviderClusters returns the ACTIVE clusters a provider is
	// associated with.
	ProviderClusters(provider string) []string
	// ProviderInUse says why a provider cannot be deleted ("" when it
	// can): a cluster it is associated with.
	ProviderInUse(provider string) string
	// GroupUsage reports the provider's registered instances (by key)
	// that run non-daemon tasks, and the tasks waiting for its capacity.
	GroupUsage(provider string) (busy map[string]bool, waiting []cp.Resources)
	// AddGroupInstance registers (or keeps) a group's instance in a
	// cluster for a provider.
	AddGroupInstance(ctx context.Context, cluster, provider string, in GroupInstance) error
	// RemoveGroupInstance deregisters a group's instance, stopping the
	// tasks on it.
	RemoveGroupInstance(ctx context.Context, key string) error
	// PlaceWaiting places the tasks waiting for capacity where they fit.
	PlaceWaiting(ctx context.Context)
}

// GroupInstance is one virtual instance of an Auto Scaling group.
type GroupInstance struct {
	// Key identifies it: "<group>/<n>".
	Key        string
	CPU        int64
	Memory     int64
	Attributes map[string]string
}

// Options configures a Registry.
type Options struct {
	DB      *sql.DB
	Account ecs.Account
	Now     func() time.Time
	Log     *slog.Logger
	Groups  []serveconfig.AutoScalingGroup
}

// Registry holds the capacity providers and the Auto Scaling groups.
type Registry struct {
	db   *sql.DB
	acct ecs.Account
	now  func() time.Time
	log  *slog.Logger

	mu        sync.Mutex
	providers map[string]*record
	groups    map[string]*group // by name
	clusters  Clusters
}

// record is a capacity provider as stored.
type record struct {
	Name               string                                `json:"name"`
	Status             ecsmodel.CapacityProviderStatus       `json:"status"`
	UpdateStatus       ecsmodel.CapacityProviderUpdateStatus `json:"updateStatus,omitempty"`
	UpdateStatusReason string                                `json:"updateStatusReason,omitempty"`
	ASG                ecsmodel.AutoScalingGroupProvider     `json:"autoScalingGroupProvider"`
	Group              string                                `json:"group"`
	Tags               []ecsmodel.Tag                        `json:"tags,omitempty"`
	Seq                int64                                 `json:"seq"`
	// deleting: a DeleteCapacityProvider call is checking it.
	deleting bool
}

var migrations = []string{
	`CREATE TABLE capacity_providers (name TEXT PRIMARY KEY, body TEXT NOT NULL);
	CREATE TABLE autoscaling_groups (name TEXT PRIMARY KEY, body TEXT NOT NULL);`,
}

// Open loads the providers and groups.
func Open(ctx context.Context, opts Options) (*Registry, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := store.Migrate(ctx, opts.DB, "capacity", migrations); err != nil {
		return nil, err
	}
	r := &Registry{db: opts.DB, acct: opts.Account, now: opts.Now, log: opts.Log, providers: map[string]*record{}, groups: map[string]*group{}}
	rows, err := r.db.QueryContext(ctx, `SELECT body FROM capacity_providers`)
	if err != nil {
		return nil, fmt.Errorf("capacity: load: %w", err)
	}
	for rows.Next() {
		var body []byte
		var rec record
		if err := rows.Scan(&body); err == nil {
			err = json.Unmarshal(body, &rec)
		}
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("capacity: load: %w", err)
		}
		r.providers[rec.Name] = &rec
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("capacity: load: %w", err)
	}
	for _, d := range opts.Groups {
		if d.ARN == "" {
			d.ARN = fmt.Sprintf("arn:aws:autoscaling:%s:%s:autoScalingGroup:%s:autoScalingGroupName/%s", r.acct.Region, r.acct.ID, groupUUID(d.Name), d.Name)
		}
		g := &group{decl: d}
		var body []byte
		err := r.db.QueryRowContext(ctx, `SELECT body FROM autoscaling_groups WHERE name = ?`, d.Name).Scan(&body)
		switch {
		case err == sql.ErrNoRows:
			g.state.Desired, g.state.Declared = d.Desired, d.Desired
		case err != nil:
			return nil, fmt.Errorf("capacity: load group %s: %w", d.Name, err)
		default:
			if err := json.Unmarshal(body, &g.state); err != nil {
				return nil, fmt.Errorf("capacity: load group %s: %w", d.Name, err)
			}
			if g.state.Declared != d.Desired {
				g.state.Desired, g.state.Declared = d.Desired, d.Desired
			}
			g.state.Desired = min(max(g.state.Desired, d.MinSize), d.MaxSize)
		}
		r.groups[d.Name] = g
	}
	return r, nil
}

// Attach gives the registry the control plane; call before Run.
func (r *Registry) Attach(c Clusters) {
	r.mu.Lock()
	r.clusters = c
	r.mu.Unlock()
}

func (r *Registry) save(ctx context.Context, rec *record) error {
	b, _ := json.Marshal(rec)
	if _, err := r.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO capacity_providers(name, body) VALUES(?, ?)
		ON CONFLICT(name) DO UPDATE SET body = excluded.body`, rec.Name, b); err != nil {
		return fmt.Errorf("capacity: store: %w", err)
	}
	return nil
}

// Provider answers the control plane's questions about a provider.
func (r *Registry) Provider(name string) (cp.Info, bool) {
	if cp.IsFargate(name) {
		return cp.Info{Name: name, Usable: true, Fargate: true}, true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.providers[name]
	if rec == nil || rec.Status != ecsmodel.CapacityProviderStatusACTIVE {
		return cp.Info{}, false
	}
	return cp.Info{Name: name, Usable: !rec.deleting}, true
}

// nameOf accepts a provider's name or ARN.
func (r *Registry) nameOf(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		if i := strings.Index(ref, ":capacity-provider/"); i >= 0 {
			return ref[i+len(":capacity-provider/"):]
		}
	}
	return ref
}

// groupOf finds a declared group by name or ARN; callers hold r.mu.
func (r *Registry) groupOf(ref string) *group {
	for _, g := range r.groups {
		if g.decl.ARN == ref || g.decl.Name == ref {
			return g
		}
	}
	return nil
}

func int32p(v int32) *int32 { return &v }

// withDefaults fills managed scaling's defaults as ECS reports them.
func withDefaults(p ecsmodel.AutoScalingGroupProvider) ecsmodel.AutoScalingGroupProvider {
	ms := ecsmodel.ManagedScaling{}
	if p.ManagedScaling != nil {
		ms = *p.ManagedScaling
	}
	if ms.Status == "" {
		ms.Status = ecsmodel.ManagedScalingStatusDISABLED
	}
	if ms.TargetCapacity == nil {
		ms.TargetCapacity = int32p(100)
	}
	if ms.MinimumScalingStepSize == nil {
		ms.MinimumScalingStepSize = int32p(1)
	}
	if ms.MaximumScalingStepSize == nil {
		ms.MaximumScalingStepSize = int32p(10000)
	}
	if ms.InstanceWarmupPeriod == nil {
		ms.InstanceWarmupPeriod = int32p(300)
	}
	p.ManagedScaling = &ms
	if p.ManagedTerminationProtection == "" {
		p.ManagedTerminationProtection = ecsmodel.ManagedTerminationProtectionDISABLED
	}
	if p.ManagedDraining == "" {
		p.ManagedDraining = ecsmodel.ManagedDrainingENABLED
	}
	return p
}

// checkASG checks a provider's Auto Scaling group settings.
func checkASG(p ecsmodel.AutoScalingGroupProvider) error {
	ms := p.ManagedScaling
	if *ms.MinimumScalingStepSize > *ms.MaximumScalingStepSize {
		return ecs.Errorf(ecs.ErrInvalidParameter, "The managed scaling minimumScalingStepSize (%d) cannot be greater than maximumScalingStepSize (%d).", *ms.MinimumScalingStepSize, *ms.MaximumScalingStepSize)
	}
	if p.ManagedTerminationProtection == ecsmodel.ManagedTerminationProtectionENABLED && ms.Status != ecsmodel.ManagedScalingStatusENABLED {
		return ecs.Errorf(ecs.ErrInvalidParameter, "The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, managed scaling must also be enabled.")
	}
	return nil
}

// CreateCapacityProvider creates an Auto Scaling group provider.
func (r *Registry) CreateCapacityProvider(ctx context.Context, in *ecsmodel.CreateCapacityProviderRequest) (*ecsmodel.CreateCapacityProviderResponse, error) {
	if err := cp.ValidName(in.Name); err != nil {
		return nil, err
	}
	if in.ManagedInstancesProvider != nil {
		return nil, ecs.Errorf(ecs.ErrUnsupportedFeature, "managedInstancesProvider: ECS Managed Instances launch EC2 instances in an AWS account, which ecsrun cannot do. Use an autoScalingGroupProvider whose group is declared in the serve configuration (autoScalingGroups); its virtual instances run tasks on the local host.")
	}
	if in.AutoScalingGroupProvider == nil {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "autoScalingGroupProvider must be specified.")
	}
	if in.Cluster != "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "cluster can only be specified for a capacity provider with a managedInstancesProvider.")
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	asg := withDefaults(*in.AutoScalingGroupProvider)
	if err := checkASG(asg); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev := r.providers[in.Name]; prev != nil && prev.Status == ecsmodel.CapacityProviderStatusACTIVE {
		return nil, ecs.Errorf(ecs.ErrClient, "The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.")
	}
	g := r.groupOf(asg.AutoScalingGroupArn)
	if g == nil {
		return nil, ecs.Errorf(ecs.ErrClient, "The specified Auto Scaling group %s was not found. ecsrun has no Amazon EC2 Auto Scaling: declare the group in the serve configuration (autoScalingGroups: [{name, minSize, maxSize, cpu, memory}]) and name it by its name or ARN.", asg.AutoScalingGroupArn)
	}
	for _, p := range r.providers {
		if p.Status == ecsmodel.CapacityProviderStatusACTIVE && p.Group == g.decl.Name {
			return nil, ecs.Errorf(ecs.ErrClient, "The specified Auto Scaling group ARN is already being used by another capacity provider (%s). Specify a unique Auto Scaling group ARN and try again.", p.Name)
		}
	}
	asg.AutoScalingGroupArn = g.decl.ARN
	var seq int64
	for _, p := range r.providers {
		seq = max(seq, p.Seq)
	}
	rec := &record{Name: in.Name, Status: ecsmodel.CapacityProviderStatusACTIVE, ASG: asg, Group: g.decl.Name, Tags: in.Tags, Seq: seq + 1}
	if err := r.save(ctx, rec); err != nil {
		return nil, err
	}
	r.providers[rec.Name] = rec
	w := r.wire(rec, true)
	return &ecsmodel.CreateCapacityProviderResponse{CapacityProvider: &w}, nil
}

// UpdateCapacityProvider changes a provider's managed scaling, termination
// protection and draining.
func (r *Registry) UpdateCapacityProvider(ctx context.Context, in *ecsmodel.UpdateCapacityProviderRequest) (*ecsmodel.UpdateCapacityProviderResponse, error) {
	name := r.nameOf(in.Name)
	if cp.IsFargate(name) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The specified capacity provider %s is managed by AWS and cannot be updated.", name)
	}
	if in.ManagedInstancesProvider != nil {
		return nil, ecs.Errorf(ecs.ErrUnsupportedFeature, "managedInstancesProvider: ECS Managed Instances need an AWS account; ecsrun's capacity providers are Auto Scaling group providers.")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.providers[name]
	if rec == nil || rec.Status != ecsmodel.CapacityProviderStatusACTIVE {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The specified capacity provider does not exist. Specify a valid name or ARN and try again.")
	}
	upd := *rec
	if u := in.AutoScalingGroupProvider; u != nil {
		asg := upd.ASG
		if u.ManagedScaling != nil {
			ms := *u.ManagedScaling
			// Members left out keep their values.
			old := asg.ManagedScaling
			if ms.Status == "" {
				ms.Status = old.Status
			}
			if ms.TargetCapacity == nil {
				ms.TargetCapacity = old.TargetCapacity
			}
			if ms.MinimumScalingStepSize == nil {
				ms.MinimumScalingStepSize = old.MinimumScalingStepSize
			}
			if ms.MaximumScalingStepSize == nil {
				ms.MaximumScalingStepSize = old.MaximumScalingStepSize
			}
			if ms.InstanceWarmupPeriod == nil {
				ms.InstanceWarmupPeriod = old.InstanceWarmupPeriod
			}
			asg.ManagedScaling = &ms
		}
		if u.ManagedTerminationProtection != "" {
			asg.ManagedTerminationProtection = u.ManagedTerminationProtection
		}
		if u.ManagedDraining != "" {
			asg.ManagedDraining = u.ManagedDraining
		}
		if err := checkASG(asg); err != nil {
			return nil, err
		}
		upd.ASG = asg
	}
	upd.UpdateStatus = ecsmodel.CapacityProviderUpdateStatusUPDATECOMPLETE
	upd.UpdateStatusReason = ""
	if err := r.save(ctx, &upd); err != nil {
		return nil, err
	}
	*rec = upd
	w := r.wire(rec, false)
	w.UpdateStatus = ecsmodel.CapacityProviderUpdateStatusUPDATEINPROGRESS
	return &ecsmodel.UpdateCapacityProviderResponse{CapacityProvider: &w}, nil
}

// DeleteCapacityProvider deletes a provider no cluster is associated with;
// one a cluster has is answered with updateStatus DELETE_FAILED and the
// reason, as ECS does.
func (r *Registry) DeleteCapacityProvider(ctx context.Context, in *ecsmodel.DeleteCapacityProviderRequest) (*ecsmodel.DeleteCapacityProviderResponse, error) {
	name := r.nameOf(in.CapacityProvider)
	if cp.IsFargate(name) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The specified capacity provider %s is managed by AWS and cannot be deleted.", name)
	}
	r.mu.Lock()
	rec := r.providers[name]
	if rec == nil || rec.Status != ecsmodel.CapacityProviderStatusACTIVE || rec.deleting {
		r.mu.Unlock()
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The specified capacity provider does not exist. Specify a valid name or ARN and try again.")
	}
	rec.deleting = true // PutClusterCapacityProviders refuses it meanwhile
	clusters := r.clusters
	r.mu.Unlock()
	why := ""
	if clusters != nil {
		why = clusters.ProviderInUse(name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec.deleting = false
	upd := *rec
	if why != "" {
		upd.UpdateStatus = ecsmodel.CapacityProviderUpdateStatusDELETEFAILED
		upd.UpdateStatusReason = why
		if err := r.save(ctx, &upd); err != nil {
			return nil, err
		}
		*rec = upd
		w := r.wire(rec, false)
		return &ecsmodel.DeleteCapacityProviderResponse{CapacityProvider: &w}, nil
	}
	upd.Status = ecsmodel.CapacityProviderStatusINACTIVE
	upd.UpdateStatus = ecsmodel.CapacityProviderUpdateStatusDELETECOMPLETE
	upd.UpdateStatusReason = ""
	if err := r.save(ctx, &upd); err != nil {
		return nil, err
	}
	*rec = upd
	w := r.wire(rec, false)
	w.Status = ecsmodel.CapacityProviderStatusACTIVE
	w.UpdateStatus = ecsmodel.CapacityProviderUpdateStatusDELETEINPROGRESS
	return &ecsmodel.DeleteCapacityProviderResponse{CapacityProvider: &w}, nil
}

// wire builds the CapacityProvider answer; callers hold r.mu.
func (r *Registry) wire(rec *record, tags bool) ecsmodel.CapacityProvider {
	asg := rec.ASG
	w := ecsmodel.CapacityProvider{
		CapacityProviderArn: r.acct.CapacityProviderARN(rec.Name), Name: rec.Name, Status: rec.Status,
		AutoScalingGroupProvider: &asg, UpdateStatus: rec.UpdateStatus, UpdateStatusReason: rec.UpdateStatusReason,
		Type: ecsmodel.CapacityProviderTypeEC2AUTOSCALING,
	}
	if tags {
		w.Tags = rec.Tags
		if w.Tags == nil {
			w.Tags = []ecsmodel.Tag{}
		}
	}
	return w
}

func (r *Registry) fargateWire(name string, tags bool) ecsmodel.CapacityProvider {
	w := ecsmodel.CapacityProvider{CapacityProviderArn: r.acct.CapacityProviderARN(name), Name: name,
		Status: ecsmodel.CapacityProviderStatusACTIVE, Type: ecsmodel.CapacityProviderType(name)}
	if tags {
		w.Tags = []ecsmodel.Tag{}
	}
	return w
}

// DescribeCapacityProviders describes the named providers (names or ARNs;
// unknown ones are MISSING failures), or pages through all of them:
// FARGATE, FARGATE_SPOT, then the account's in creation order.
func (r *Registry) DescribeCapacityProviders(ctx context.Context, in *ecsmodel.DescribeCapacityProvidersRequest) (*ecsmodel.DescribeCapacityProvidersResponse, error) {
	tags := slices.Contains(in.Include, ecsmodel.CapacityProviderFieldTAGS)
	if in.Cluster != "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "cluster can only be given to describe ECS Managed Instances capacity providers, which ecsrun does not have; leave it out.")
	}
	out := &ecsmodel.DescribeCapacityProvidersResponse{CapacityProviders: []ecsmodel.CapacityProvider{}, Failures: []ecsmodel.Failure{}}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(in.CapacityProviders) > 0 {
		if len(in.CapacityProviders) > 100 {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "capacityProviders can have at most 100 entries; got %d.", len(in.CapacityProviders))
		}
		for _, ref := range in.CapacityProviders {
			name := r.nameOf(ref)
			if cp.IsFargate(name) {
				out.CapacityProviders = append(out.CapacityProviders, r.fargateWire(name, tags))
				continue
			}
			if rec := r.providers[name]; rec != nil {
				out.CapacityProviders = append(out.CapacityProviders, r.wire(rec, tags))
				continue
			}
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: r.acct.CapacityProviderARN(name), Reason: "MISSING"})
		}
		return out, nil
	}
	n := 10
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10 {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "maxResults must be between 1 and 10; got %d.", *in.MaxResults)
		}
		n = int(*in.MaxResults)
	}
	all := []string{cp.Fargate, cp.FargateSpot}
	var recs []*record
	for _, rec := range r.providers {
		if rec.Status == ecsmodel.CapacityProviderStatusACTIVE {
			recs = append(recs, rec)
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	for _, rec := range recs {
		all = append(all, rec.Name)
	}
	start := 0
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		i := slices.Index(all, string(b))
		if err != nil || i < 0 {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Invalid nextToken: pass the nextToken of the previous answer.")
		}
		start = i + 1
	}
	end := min(start+n, len(all))
	for _, name := range all[start:end] {
		if cp.IsFargate(name) {
			out.CapacityProviders = append(out.CapacityProviders, r.fargateWire(name, tags))
		} else {
			out.CapacityProviders = append(out.CapacityProviders, r.wire(r.providers[name], tags))
		}
	}
	if end < len(all) {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(all[end-1]))
	}
	return out, nil
}

// groupUUID derives a stable UUID-shaped id from a group name, so a
// group's default ARN stays the same across restarts.
func groupUUID(name string) string {
	var h uint64 = 14695981039346656037
	var out [16]byte
	for i := range out {
		for _, c := range []byte(name) {
			h ^= uint64(c)
			h *= 1099511628211
		}
		h ^= uint64(i)
		h *= 1099511628211
		out[i] = byte(h >> 56)
	}
	x := fmt.Sprintf("%x", out)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
