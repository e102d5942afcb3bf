// Package workflow parses, validates and interprets Amazon States Language
// (ASL) state machines, in JSONPath and JSONata (querylanguage.go,
// jsonata.go, jsonatastate.go), with workflow variables (variables.go).
//
// It is a pure core: the clock, the randomness, the task handlers (what a
// Task state's Resource does) and the sink that receives the execution's
// history events are all injected. Nothing here touches the network or disk.
//
// The main entry points are [Parse] (definition to [StateMachine], with
// statelint-style errors that name the offending field) and [Run] /
// [RunValue] (one execution, emitting Step Functions history events).
// Task resources come from a [TaskRegistry]; a registry that is also a
// [ParameterChecker] validates Task Parameters at parse time, and a handler
// that is a [ParameterAdjuster] changes them before TaskScheduled (the ECS
// integration, internal/sfnecs, is both). [Options].DelayScale shortens
// Wait states and retry delays, not timeouts.
//
// The life of a state, as the interpreter drives it:
//
//	entered ──► InputPath ──► Parameters ──► (Task/Map/Parallel work) ──►
//	ResultSelector ──► ResultPath ──► OutputPath ──► exited ──► Next | End
//	                         │ error
//	                         ▼
//	                Retry (delay on the clock) ──► again
//	                         │ exhausted / no match
//	                         ▼
//	                Catch ──► Next (error output via ResultPath) | execution fails
package workflow
