// Package sigv4 verifies AWS Signature Version 4 on requests to ecsrun's API
// server the way AWS's JSON protocol services (ECS, CloudWatch Logs, Step
// Functions) do, so that the AWS CLI, boto3 and the AWS SDKs work unmodified
// and a missing or wrong signature is refused with the errors they know.
//
// # Verifying
//
// NewVerifier returns a *Verifier, an awsjson.Authenticator:
//
//	creds, err := sigv4.Load(os.LookupEnv, credentialsFile)
//	...
//	if creds != nil {
//		v, err := sigv4.NewVerifier(sigv4.Options{Credentials: creds})
//		...
//		server.Auth = v
//	}
//
// Both forms of SigV4 are verified:
//
//   - the Authorization header, "AWS4-HMAC-SHA256 Credential=AKID/20261122/
//     us-east-1/ecs/aws4_request, SignedHeaders=..., Signature=...", with
//     X-Amz-Date (or Date), an optional X-Amz-Security-Token and an optional
//     X-Amz-Content-Sha256 (UNSIGNED-PAYLOAD leaves the body unsigned);
//   - the presigned query string: X-Amz-Algorithm, X-Amz-Credential,
//     X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature and X-Amz-Expires
//     (at most seven days; without it the clock skew rule applies).
//
// The canonical request follows the SigV4 specification for services other
// than S3: the path as sent, normalised (dot segments and repeated slashes
// removed) and URI-encoded a second time (aws-sdk-go-v2 does not normalise,
// so the path as sent is accepted too); the query string decoded, encoded
// again and sorted (without X-Amz-Signature when presigned); the signed
// headers lower-cased, trimmed, inner runs of spaces collapsed, repeated
// headers joined with commas, host taken from the request's Host; and the
// SHA-256 of the body received. Signatures are compared in constant time and
// signing keys are cached per secret, date, region and service.
//
// Every region is accepted (Options.Observe reports it); the service in the
// credential scope must be one of Options.Services ("ecs", "logs" and
// "states" by default). The signing time may differ from the server's clock
// by Options.MaxSkew (five minutes, as in AWS) in either direction.
//
// # Errors
//
// Refusals are *awsjson.Fault values with HTTP status 400, the status AWS's
// JSON protocol services use for them (see FaultStatus), and AWS's wording:
//
//	MissingAuthenticationTokenException  no Authorization header and no presigned query:
//	                                     "Missing Authentication Token"
//	IncompleteSignatureException         a malformed Authorization header or query, e.g.
//	                                     "Authorization header requires 'Credential' parameter.
//	                                     Authorization=...", "Credential must have exactly 5
//	                                     slash-delimited elements, ...", "'Host' or ':authority'
//	                                     must be a 'SignedHeader' in the AWS Authorization."
//	UnrecognizedClientException          an unknown access key id, or a session token that is
//	                                     not the key's: "The security token included in the
//	                                     request is invalid."
//	InvalidSignatureException            a wrong signature ("The request signature we calculated
//	                                     does not match the signature you provided. ..." followed
//	                                     by the canonical request and string to sign the server
//	                                     computed, as AWS prints them), a scope for another service
//	                                     ("Credential should be scoped to correct service: ..."),
//	                                     a scope date other than the signing date, and a signing
//	                                     time out of bounds: "Signature expired: 20261122T100000Z
//	                                     is now earlier than 20261122T100500Z (20261122T101000Z -
//	                                     5 min.)" or "Signature not yet current: ... is still later
//	                                     than ... (... + 5 min.)"; an expired presigned request
//	                                     reads the same with its X-Amz-Expires in place of 5 min.
//
// A failure of the credentials source itself is returned as a plain error
// (awsjson answers it as an internal failure).
//
// # Configuring credentials
//
// Keys come from the environment, from a credentials file, or both (Load):
//
//	ECSRUN_ACCESS_KEY_ID=ecsrunlocal ECSRUN_SECRET_ACCESS_KEY=s3cret ecsrun serve
//
// Setting one variable without the other is an error. The credentials file
// has the layout of ~/.aws/credentials, so several keys can be configured:
//
//	# ecsrun credentials: one section per key
//	[ci]
//	aws_access_key_id     = ecsrunci
//	aws_secret_access_key = ci-secret
//
//	[alice]
//	aws_access_key_id     = ecsrunalice
//	aws_secret_access_key = alice-secret
//	aws_session_token     = optional; when set, clients must send it
//
// Section names are free and must be unique. Lines starting with '#' or ';'
// are comments. Names are case-insensitive; values are trimmed. Settings
// other than the three above (region, output, ...) are ignored, and so are
// sections holding neither aws_access_key_id nor aws_secret_access_key, so a
// file shared with the AWS CLI can be used; a section with only one of them,
// a repeated setting or section, or a file holding no key at all is an
// error. An access key id may be configured in several places only with the
// same secret. Keep the file readable by its owner only.
//
// Clients sign with the same pair, for example:
//
//	AWS_ACCESS_KEY_ID=ecsrunci AWS_SECRET_ACCESS_KEY=ci-secret AWS_REGION=us-east-1 \
//	  aws ecs list-clusters --endpoint-url http://127.0.0.1:8080
package sigv4
