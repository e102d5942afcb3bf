// Package fake implements runtime.Runtime in memory, with containers whose
// behaviour is scripted, for control-plane and agent tests and benchmarks.
// Nothing runs: a container "runs" until it is stopped, or until its script
// makes it exit. No operation sleeps; delays in scripts are timers.
//
// A Behavior says what a container does; rules choose the Behavior of each
// container from its spec (the most recently added matching rule wins, else
// the default, which runs until stopped):
//
//	rt := fake.New()
//	rt.OnImage("busybox", fake.Exits(3, "hi"))                   // prints hi, exits 3 at once
//	rt.OnImage("slow", fake.Exits(0).After(50*time.Millisecond)) // exits 0 after 50ms
//	rt.OnCommand("migrate", fake.RunsUntilStopped().OnStop("bye"))
//	rt.OnImage("big", fake.Exits(137).OOM())
//	rt.OnImage("private/x", fake.Behavior{PullErr: runtime.ErrPull})
//	rt.On(func(s runtime.ContainerSpec) bool { return s.Labels["k"] == "v" }, fake.IgnoresStop())
//
// A stopped container exits 143 (as a process ended by SIGTERM), or with the
// StopExitCode of a Behavior that TrapsStop, after StopDelay, or with 137 at the
// Stop timeout when it ignores the stop signal. Tests can also end a running
// container with Exit and add output with Print, and with Reserve hold a
// name as a create still under way inside the daemon would: taken, but not
// yet found.
package fake
