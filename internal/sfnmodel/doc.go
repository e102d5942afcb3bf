// Package sfnmodel holds the wire shapes of the sfn service: one Go struct per
// structure of the botocore model, enumerations with their values, generated
// Validate methods for every request shape, and the operation table. The code
// is generated from ../shared/reference/aws-models/stepfunctions/2016-11-23/service-2.json by
// internal/wiregen; the model itself is never copied into the repository.
package sfnmodel

//go:generate go run ../wiregen -model ../../../shared/reference/aws-models/stepfunctions/2016-11-23/service-2.json -pkg sfnmodel -out zz_generated.go
