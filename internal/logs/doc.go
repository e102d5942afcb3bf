// Package logs is ecsrun's CloudWatch Logs store: log groups, log streams and
// their events, persisted in the embedded SQLite database in tables of its own
// (component "logs"), with the query semantics of the CloudWatch Logs API.
//
// The agent writes every line a container prints through [Store.Append], the
// fast path: one transaction per batch, whose events are encoded into one row
// of logs_blocks (a block: block.go; a batch past 4,096 events or 1 MiB takes
// several), group and stream created on first use as the awslogs driver does
// with awslogs-create-group. Readers select blocks by stream, id range and
// time range and decode them; reads across streams merge blocks in order
// (merge.go). The API layer (internal/logsapi) calls the other methods, which
// follow the service's rules:
//
//   - Inside a stream, events keep the order they were stored in (a
//     monotonically increasing event id, global and never given twice, even
//     after the newest events are deleted), so a reader that follows the
//     stream never skips or repeats a line.
//   - GetLogEvents tokens are positions between events, written like AWS's
//     ("f/<digits>" forward, "b/<digits>" backward). Paging in one direction
//     ends when the token that comes back equals the token passed; polling
//     again later with that forward token returns exactly the events stored
//     since (this is how a client tails a running container).
//   - FilterLogEvents interleaves the chosen streams by timestamp, then by
//     ingestion order, and leaves nextToken empty when there is nothing more.
//
// Errors are wrapped kinds ([ErrNotFound], [ErrExists], [ErrInvalid]); the
// message of an [*Error] is the text the service would show, so the API layer
// only maps the kind to a wire error type. Times are milliseconds since the
// Unix epoch throughout, as on the wire.
package logs
