// Package capacityproviders is the pure core of ECS capacity providers:
// the checks of a capacity provider strategy (one base, weights, no mix of
// Fargate and Auto Scaling group providers, providers associated with the
// cluster), the base/weight arithmetic that decides which provider each new
// task of a RunTask call or a service uses (Distribute), and the managed
// scaling decision of an Auto Scaling group provider (Scale): the
// CapacityProviderReservation metric ECS computes from M (instances needed)
// and N (instances running), and the instances to add or remove within the
// group's bounds, step sizes, warm-up period and termination protection.
//
// Nothing here does I/O or reads a clock: callers pass the time in.
package capacityproviders
