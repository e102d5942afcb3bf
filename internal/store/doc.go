// Package store opens the embedded SQLite database that holds ecsrun's state
// (WAL mode, a pure-Go driver so the binary stays static) and applies schema
// migrations. Each component owns its tables and registers its own ordered
// migration steps under a component name; the versions applied are recorded
// in the schema_migrations table.
package store
