// Package sdkjson turns aws-sdk-go-v2 values (outputs and types) into JSON
// values: structure members under their names in a chosen case, absent
// members (nil pointers, nil slices and maps, empty enums) left out, lists
// and maps the service sent kept even when empty, timestamps in a chosen
// form. Step Functions shows ECS results this way (PascalCase, epoch
// milliseconds); the CLI prints Step Functions results the AWS CLI way
// (camelCase, RFC 3339). WithHTTPMetadata adds the HTTP metadata the AWS
// Java SDK adds to the results Step Functions shows.
package sdkjson
