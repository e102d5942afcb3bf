package ecsapi

// expressGateway is why the Express Gateway service operations are refused.
const expressGateway = "Express Gateway services are provisioned by AWS: an Application Load Balancer, a TLS certificate and a public URL in your account, none of which ecsrun can create on your machine. " +
	"Locally, run the same task definition as a service with CreateService (or a standalone task with RunTask) and reach it through its containers' network bindings (DescribeTasks); use Express Gateway services against AWS (--target aws)."

// Refusals are the ECS operations ecsrun refuses on purpose, each with the
// reason a user reads (answered with UnsupportedFeatureException).
var Refusals = map[string]string{
	"CreateExpressGatewayService":   expressGateway,
	"UpdateExpressGatewayService":   expressGateway,
	"DescribeExpressGatewayService": expressGateway,
	"DeleteExpressGatewayService":   expressGateway,
}
