// Package opstable renders docs/operations.md: every operation of the ECS
// and CloudWatch Logs models with its status in ecsrun (implemented, or
// refused with the reason a user reads). Its test walks the models and the
// API services as the engine wires them (handlers and refusals), fails when an operation is neither implemented nor
// refused, and fails when the committed page is stale (go test
// ./internal/opstable -update rewrites it).
package opstable
