package logsdelivery

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// LambdaInvoker invokes functions through c. It waits for the function
// (RequestResponse, which local Lambda emulators serve; AWS invokes
// subscriptions asynchronously) and reports a function error as a failure,
// so the batch is delivered again.
func LambdaInvoker(c *lambda.Client) Invoker {
	return func(ctx context.Context, function string, payload []byte) error {
		out, err := c.Invoke(ctx, &lambda.InvokeInput{
			FunctionName:   aws.String(function),
			InvocationType: types.InvocationTypeRequestResponse,
			Payload:        payload,
		})
		if err != nil {
			return err
		}
		if out.FunctionError != nil {
			return fmt.Errorf("function error %s: %s", aws.ToString(out.FunctionError), out.Payload)
		}
		return nil
	}
}
