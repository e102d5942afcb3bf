// Package awsjson serves AWS JSON protocol services (awsJson1_0 and
// awsJson1_1) over HTTP: it routes on X-Amz-Target, decodes the request body
// into the model's input shape, checks it against the model, calls the
// operation's handler and writes the answer or the error in the form the AWS
// SDKs parse ({"__type", "message"} plus the X-Amzn-ErrorType header), with a
// request id on every answer. Several services can share one endpoint.
package awsjson
