// Package capacity holds the capacity providers of the local ECS and the
// virtual Auto Scaling groups behind them: the CreateCapacityProvider,
// UpdateCapacityProvider, DeleteCapacityProvider and
// DescribeCapacityProviders calls (FARGATE and FARGATE_SPOT built in), the
// providers' records in SQLite, and the groups declared in the serve
// configuration, whose instances register as container instances of the
// cluster their provider is associated with.
//
// A loop (Run, one Step at a time, clock injected) keeps each group at its
// desired size and, for providers with managed scaling ENABLED, changes
// that size as ECS does (package capacityproviders decides), then asks the
// control plane to place the tasks waiting in PROVISIONING for capacity.
//
// Lock order: the control plane calls Provider while holding its own lock,
// so this package never holds its lock while calling the control plane.
package capacity
