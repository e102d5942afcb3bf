package sdkjson

import (
	"encoding/json"
	"strconv"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// WithHTTPMetadata adds to v, the result of a service call, the
// SdkHttpMetadata (the response's headers and status code) and
// SdkResponseMetadata (its request id) the AWS Java SDK v1 adds to the
// results Step Functions shows, and returns v.
func WithHTTPMetadata(v map[string]any, md middleware.Metadata) map[string]any {
	if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && raw != nil {
		all := map[string]any{}
		single := map[string]any{}
		for k, vals := range raw.Header {
			name := k
			if strings.EqualFold(k, "X-Amzn-Requestid") {
				name = "x-amzn-RequestId" // as AWS spells it
			}
			list := make([]any, len(vals))
			for i, x := range vals {
				list[i] = x
			}
			all[name] = list
			single[name] = strings.Join(vals, ",")
		}
		v["SdkHttpMetadata"] = map[string]any{
			"AllHttpHeaders": all,
			"HttpHeaders":    single,
			"HttpStatusCode": json.Number(strconv.Itoa(raw.StatusCode)),
		}
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
		v["SdkResponseMetadata"] = map[string]any{"RequestId": id}
	}
	return v
}
