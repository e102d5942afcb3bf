// Package modelcheck checks API answers against the botocore service models
// they claim to follow: a success body against the operation's output shape
// (only members the model defines, each of the right JSON type, enum values
// from the enumeration, required members present, timestamps as epoch
// seconds), an error body against the protocol's error form and the
// operation's error list.
//
// The models are read at test time from ../shared/reference/aws-models
// beside the repository and never copied into it. Tests attach a Checker to
// an awsjson.Server (Attach), so every answer the test provokes is checked
// and any violation fails the test.
package modelcheck
