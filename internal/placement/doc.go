// Package placement is ecsrun's pure placement core for the EC2 launch
// type: given a snapshot of container instances and a request for Count
// identical tasks, it decides which instance runs each task, or why none
// can, with Amazon ECS's semantics and failure reasons. It does no I/O.
//
// # Pipeline
//
// A request is compiled once (validation, memberOf expressions compiled by
// package query) and its tasks form one equivalence class: the filters run
// once per instance per request, not per task.
//
//	Snapshot ──▶ filter, per instance, first failure wins:
//	              status ACTIVE ─▶ agent connected ─▶ required attributes
//	              ─▶ CPU ─▶ memory ─▶ ports (TCP, UDP) ─▶ GPUs
//	              ─▶ memberOf (every expression) ─▶ distinctInstance
//	                    │
//	                    ▼ feasible candidates (plan-local copies of what
//	                    │ changes: cpu, memory, GPUs, group tasks)
//	              for each task:
//	                choose the best candidate by the strategies in order,
//	                each later one breaking the earlier one's ties, then the
//	                registration order:
//	                  spread(attribute:x)  fewest group tasks with that value
//	                  spread(instanceId)   fewest group tasks on the instance
//	                  binpack(cpu|memory)  least left of it (that still fits)
//	                  random               seeded hash of (task, instance)
//	                place it; update that candidate and the spread counter;
//	                re-check that candidate (resources, ports, distinct,
//	                memberOf on task:group)
//	              no candidate left ─▶ Failure for this and later tasks
//
// Spread counts the tasks of the request's group: those already running
// anywhere in the snapshot (also on instances the filters exclude) and those
// placed earlier in the same request. Instances without the attribute form
// one bucket of their own.
//
// # Speed
//
// Counters per spread bucket are updated incrementally, so scoring a
// candidate is O(1) and allocates nothing. When every strategy key except a
// leading attribute spread belongs to one instance (binpack, spread on
// instanceId, in any order), placing a task changes one candidate and one
// counter only, so candidates sit in one binary heap per spread bucket and a
// task costs O(buckets + log n). Random, or an attribute spread after
// another strategy, changes many keys at once: those requests compare every
// candidate, lazily, strategy by strategy. Sampling (kube-scheduler's
// percentageOfNodesToScore) is not needed and would break perfect spread,
// with one exception: when random is the only strategy (RunTask's
// default), instances are drawn at random and the first that passes the
// filters is taken (rejection sampling, still uniform over the feasible
// instances), so a task costs O(1) instead of O(n); after 32 failed draws
// for one task the request is planned with the full filter and scan.
//
// # Failures
//
// A task that cannot be placed gets a Failure with ECS's reason and the ARN
// of a container instance. Each instance is rejected at the first pipeline
// stage it fails; the failure reports the deepest stage any instance
// reached (the obstacle nearest to success), naming the first such
// instance in registration order, and Detail counts the instances per
// reason. Identical tasks fail identically, so once one fails the rest of
// the request fails with the same Failure.
//
// # Concurrency
//
// State holds the cluster: instances, what is left of their resources and
// the tasks placed on them. Plans are made lock-free from immutable,
// copy-on-write snapshots; State.Apply commits through one mutex and
// re-checks every placement against the current state, re-planning under
// the lock the tasks whose placement no longer fits, so concurrent RunTask
// calls never overcommit an instance (see State). State.Place, what
// RunTask uses, plans and commits under the lock in one step.
//
// # Use from the control plane
//
//	state := placement.NewState()
//	state.AddInstance(placement.Instance{ARN: arn, AgentConnected: true,
//		Attributes: attrs, Free: placement.Free{CPU: 2048, Memory: 3943}})
//	res, err := state.Place(placement.Request{Group: "family:web", Count: 3,
//		Need: placement.Need{CPU: 256, Memory: 512}, TaskIDs: ids,
//		Strategies: []placement.Strategy{{Type: placement.Spread,
//			Field: "attribute:ecs.availability-zone"}}})
//	// res.Placements: task -> instance; res.Failures: RunTask failures[]
//	state.Release(taskID) // when the task stops
package placement
