// Package logsmodel holds the wire shapes of the logs service: one Go struct per
// structure of the botocore model, enumerations with their values, generated
// Validate methods for every request shape, and the operation table. The code
// is generated from ../shared/reference/aws-models/logs/2014-03-28/service-2.json by
// internal/wiregen; the model itself is never copied into the repository.
package logsmodel

//go:generate go run ../wiregen -model ../../../shared/reference/aws-models/logs/2014-03-28/service-2.json -pkg logsmodel -out zz_generated.go
