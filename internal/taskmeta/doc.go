// Package taskmeta serves what the ECS agent serves to the containers of a
// task at 169.254.170.2: the task metadata endpoint (versions 3 and 4) and
// the credentials endpoint of the task role.
//
//	GET /v4/<id>                  the container's metadata
//	GET /v4/<id>/task             the task's metadata and all its containers
//	GET /v4/<id>/taskWithTags     the same with TaskTags
//	GET /v4/<id>/stats            the container's Docker stats (one sample)
//	GET /v4/<id>/task/stats       Docker stats of every container, by DockerId
//	GET /v3/<id>...               the same paths, version 3
//	GET /v2/credentials/<id>      {"RoleArn","AccessKeyId","SecretAccessKey","Token","Expiration"}
//	GET|PUT /api/<id>/task-protection/v1/state   the task's scale-in protection
//
// Each container gets ECS_CONTAINER_METADATA_URI and
// ECS_CONTAINER_METADATA_URI_V4 (and ECS_AGENT_URI, /api/<id>) with an id
// of its own, and a task with a
// task role gets AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (when the server
// holds port 80 of 169.254.170.2, where the SDKs look) or
// AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN
// (any other port; the SDKs accept plain HTTP to 169.254.170.2 and loopback).
// Every id and token is an HMAC of the task id under a key kept in the state
// directory: unguessable, and the same after an engine restart, so adopted
// containers keep working. A task's credentials are answered only while it
// runs (Unregister revokes them), only with its token when it has one, and,
// on the Docker runtime, only to callers whose source address belongs to one
// of the task's containers (or to the host, for host-network tasks), so a
// task cannot read another's even if it learns the other's URI and token.
//
// [Listen] decides where the server listens. In link-local mode (the
// default when the host allows it) the address 169.254.170.2 is added to
// the loopback interface if no interface has it (this needs root or
// CAP_NET_ADMIN once; ecsrun leaves it in place), and containers on Docker
// bridge networks reach it through their default route, as on ECS. The
// server listens on a port of that address other than 80, and the engine
// that holds [HostLockFile] (one per host, like the ECS agent) redirects
// 169.254.170.2:80 there with nftables rules (internal/natredirect), so
// every host port stays free for the tasks; without the privileges for the
// rules it listens on port 80 itself when it can. In
// loopback mode the server listens on 127.0.0.1: reachable only by the
// process runtime and host-network containers; the others get their task
// role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN instead, and no metadata URI.
package taskmeta
