// Package awsjson serves AWS JSON protocol services (awsJson1_0 and
// awsJson1_1) over HTTP: it routes on X-Amz-Target, decodes the request body
// into the model's input shape, checks it against the model, calls the
// operation's handler and writes the answer or the error in the form the AWS
// SDKs parse ({"__type", "message"} plus the X-Amzn-ErrorType header), with a
// request id on every answer. Several services can share one endpoint.
//
// Strings of a request that are not valid UTF-8 are refused with a
// SerializationException, as AWS does. A request meant for another AWS
// service (signed for another signing name, with another target prefix, or
// in the query protocol) gets an error in that service's protocol, XML for
// the query and REST-XML ones, naming the service and the services served.
package awsjson
