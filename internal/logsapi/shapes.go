package logsapi

import (
	"github.com/ecsrun/ecsrun/internal/logs"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
)

// Output shapes. They follow the model's member names; they exist beside the
// generated ones because the service always sends its lists (even empty:
// Python clients index response["events"]) and leaves out numbers it has no
// value for (a new stream has no firstEventTimestamp; a rejected-events index
// of 0 would name the first event).

type logGroup struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	RetentionInDays   *int32 `json:"retentionInDays,omitempty"`
	MetricFilterCount *int32 `json:"metricFilterCount,omitempty"`
	Arn               string `json:"arn"`
	StoredBytes       *int64 `json:"storedBytes,omitempty"`
	LogGroupClass     string `json:"logGroupClass,omitempty"`
	LogGroupArn       string `json:"logGroupArn,omitempty"`
	// Set from internal/logsres by withSettings.
	KmsKeyID                  string `json:"kmsKeyId,omitempty"`
	DeletionProtectionEnabled *bool  `json:"deletionProtectionEnabled,omitempty"`
	DataProtectionStatus      string `json:"dataProtectionStatus,omitempty"`
	BearerTokenAuthentication *bool  `json:"bearerTokenAuthenticationEnabled,omitempty"`
}

// toLogGroup converts a group; brief is the reduced form DescribeLogGroups
// answers to a logGroupNamePattern (arn, creationTime and logGroupName only).
func toLogGroup(g logs.Group, brief bool) logGroup {
	out := logGroup{LogGroupName: g.Name, CreationTime: g.CreationTime, Arn: g.ARN + ":*"}
	if brief {
		return out
	}
	var zero int32
	stored := g.StoredBytes
	out.MetricFilterCount = &zero
	out.StoredBytes = &stored
	out.LogGroupClass = string(lm.LogGroupClassSTANDARD)
	out.LogGroupArn = g.ARN
	if g.RetentionInDays > 0 {
		days := g.RetentionInDays
		out.RetentionInDays = &days
	}
	return out
}

type describeLogGroupsOutput struct {
	LogGroups []logGroup `json:"logGroups"`
	NextToken string     `json:"nextToken,omitempty"`
}

type logStream struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken,omitempty"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

func toLogStream(s logs.Stream) logStream {
	return logStream{
		LogStreamName:       s.Name,
		CreationTime:        s.CreationTime,
		FirstEventTimestamp: s.FirstEventTimestamp,
		LastEventTimestamp:  s.LastEventTimestamp,
		LastIngestionTime:   s.LastIngestionTime,
		UploadSequenceToken: s.UploadSequenceToken,
		Arn:                 s.ARN,
		StoredBytes:         s.StoredBytes,
	}
}

type describeLogStreamsOutput struct {
	LogStreams []logStream `json:"logStreams"`
	NextToken  string      `json:"nextToken,omitempty"`
}

type getLogEventsOutput struct {
	Events            []lm.OutputLogEvent `json:"events"`
	NextForwardToken  string              `json:"nextForwardToken"`
	NextBackwardToken string              `json:"nextBackwardToken"`
}

type filterLogEventsOutput struct {
	Events             []lm.FilteredLogEvent  `json:"events"`
	SearchedLogStreams []lm.SearchedLogStream `json:"searchedLogStreams"`
	NextToken          string                 `json:"nextToken,omitempty"`
}

type putLogEventsOutput struct {
	NextSequenceToken     string                 `json:"nextSequenceToken,omitempty"`
	RejectedLogEventsInfo *rejectedLogEventsInfo `json:"rejectedLogEventsInfo,omitempty"`
}

type rejectedLogEventsInfo struct {
	TooNewLogEventStartIndex *int32 `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int32 `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int32 `json:"expiredLogEventEndIndex,omitempty"`
}
