// Package ecsmodel holds the wire shapes of the ecs service: one Go struct per
// structure of the botocore model, enumerations with their values, generated
// Validate methods for every request shape, and the operation table. The code
// is generated from ../shared/reference/aws-models/ecs/2014-11-13/service-2.json by
// internal/wiregen; the model itself is never copied into the repository.
package ecsmodel

//go:generate go run ../wiregen -model ../../../shared/reference/aws-models/ecs/2014-11-13/service-2.json -pkg ecsmodel -out zz_generated.go
