package logsdelivery

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// Message is the decoded data of a subscription delivery.
type Message struct {
	MessageType         string     `json:"messageType"`
	Owner               string     `json:"owner"`
	LogGroup            string     `json:"logGroup"`
	LogStream           string     `json:"logStream"`
	SubscriptionFilters []string   `json:"subscriptionFilters"`
	LogEvents           []LogEvent `json:"logEvents"`
}

// LogEvent is one event of a Message.
type LogEvent struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// Payload is what a Lambda function subscribed to a log group receives.
type Payload struct {
	AWSLogs struct {
		Data string `json:"data"`
	} `json:"awslogs"`
}

// Encode builds the Lambda payload for events of one stream.
func Encode(owner, group, stream, filter string, events []logs.StoredEvent) ([]byte, error) {
	m := Message{MessageType: "DATA_MESSAGE", Owner: owner, LogGroup: group, LogStream: stream, SubscriptionFilters: []string{filter}}
	for _, e := range events {
		m.LogEvents = append(m.LogEvents, LogEvent{ID: e.EventID(), Timestamp: e.Timestamp, Message: e.Message})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	var p Payload
	p.AWSLogs.Data = base64.StdEncoding.EncodeToString(buf.Bytes())
	return json.Marshal(p)
}

// Decode reverses Encode (for tests and for functions written in Go).
func Decode(payload []byte) (Message, error) {
	var p Payload
	var m Message
	if err := json.Unmarshal(payload, &p); err != nil {
		return m, err
	}
	gz, err := base64.StdEncoding.DecodeString(p.AWSLogs.Data)
	if err != nil {
		return m, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return m, err
	}
	err = json.NewDecoder(zr).Decode(&m)
	return m, err
}
