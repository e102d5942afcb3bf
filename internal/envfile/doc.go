// Package envfile reads the environment files of a container definition's
// environmentFiles, as the ECS agent does, from local files.
//
// On ECS an environment file is an S3 object. Locally its ARN maps to a file
// under a directory (by default <state-dir>/s3): arn:aws:s3:::BUCKET/KEY and
// s3://BUCKET/KEY are the file DIR/BUCKET/KEY. An absolute path or a file://
// URL names a local file directly. [Locate] makes that mapping; [Parse] reads
// a file with the agent's rules: lines starting with "#" are comments, a line
// without "=" or with an empty name or value is skipped, the first "="
// separates the name from the value, nothing is trimmed or unquoted (only a
// trailing carriage return is dropped), and a later line overrides an
// earlier one of the same name. [Merge] applies ECS's precedence between
// several files: the first file that sets a variable wins.
package envfile
