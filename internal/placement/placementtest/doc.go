// Package placementtest is the test harness of the placement scheduler,
// modelled on Nomad's scheduler/tests harness: an in-memory cluster built
// with a Builder, and a Harness whose Recorder commits plans to a
// placement.State while recording every plan and result, so tests insert
// instances, run one request and assert on what was planned.
//
//	Builder ──Instances()──▶ placement.State ──Snapshot()──▶ Planner.Plan
//	                                 ▲                            │
//	                                 └──── Recorder.Apply ◀───────┘
//	                                       (records plan + result)
package placementtest
