// Package mapruns holds the pure parts of a distributed Map state (a Map
// whose ItemProcessor runs in DISTRIBUTED mode): reading items from the
// bytes of an S3 object (JSON, JSON Lines, CSV, an S3 inventory manifest)
// or from an S3 listing, MaxItems, batching items (ItemBatcher), the
// tolerated-failure arithmetic, the ARNs of a Map Run and of its child
// executions, and the files ResultWriter lays out in S3
// (<prefix>/<map run id>/manifest.json, SUCCEEDED_0.json, FAILED_0.json,
// PENDING_0.json).
//
// Nothing here does I/O: internal/workflow drives a Map Run and
// internal/executions reads and writes the objects (in the local S3
// directory) and runs the child executions.
//
// Errors are *ReaderError values whose Cause is worded as Step Functions
// words the States.ItemReaderFailed cause.
package mapruns
