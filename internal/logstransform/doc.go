// Package logstransform is CloudWatch Logs' log transformer: a list of
// processors (parseJSON, grok, csv, parseKeyValue, then mutations such as
// addKeys, renameKeys, typeConverter or dateTimeConverter) that turns a log
// event's message into a JSON object. It is a pure core: Compile checks a
// configuration (the JSON of the API's transformerConfig) and Transform
// applies it to one message. TestTransformer and PutTransformer in
// internal/logsapi use it.
//
// The parsers of AWS vended logs (parseCloudfront, parseRoute53,
// parsePostgres, parseVPC, parseWAF, parseToOCSF) are accepted in a
// configuration but not run: Transform reports ErrUnsupported for them.
package logstransform
