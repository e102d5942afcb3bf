// Package ecsapi is the ECS API edge: it binds every implemented ECS
// operation (awsJson1_1, target prefix AmazonEC2ContainerServiceV20141113) to
// the control plane and translates the domain's error kinds to ECS error
// types. Operations of the model that ecsrun does not implement answer with
// an UnsupportedFeatureException naming the operation.
package ecsapi
