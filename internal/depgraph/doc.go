// Package depgraph decides, from what is known about the containers of one
// task, which containers may start now, which can never start, and which may
// stop, following ECS container dependencies: dependsOn with its four
// conditions, and the implicit START dependencies of links and volumesFrom.
// It is pure: the agent feeds it the observed state and acts on its answer.
//
// A container's life as the graph sees it:
//
//	PENDING ──every dependency met──> (created, started) ──> RUNNING ──exits──> STOPPED
//	   │
//	   └──a dependency can never be met, or timed out──> STOPPED
//	      (the agent reports exit code 143 and
//	       "CannotStartContainerError: dependency graph: ...")
//
// How a dependency on container T with a given condition resolves, by the
// state of T:
//
//	             T pending   T running            T stopped after running   T stopped, never ran
//	  START      wait        met                  met                       never
//	  COMPLETE   wait        wait*                met (it has an exit code)  never
//	  SUCCESS    wait        wait*                met if exit 0, else never never
//	  HEALTHY    wait        met if HEALTHY,      never                     never
//	                         else wait*
//
//	* never, once T's startTimeout has passed since T started.
//
// Containers that can never start count as "stopped, never ran" for the
// containers that wait on them, so one failure propagates down the graph in
// a single Plan.
//
// Shutdown runs in reverse dependency order: a container may be stopped only
// once every container that names it in dependsOn has stopped.
package depgraph
