// Package serveconfig reads the configuration file of `ecsrun serve
// --config FILE` (YAML or JSON): clusters to create and container instances
// to declare, each with resources, attributes (availability zone, instance
// type, custom ones), and a count that stamps out several alike, and the
// host directories and access points that stand in for EFS file systems
// (see EFSDecl and package efs), and the endpoints at which workflow Task
// states reach other services (lambda, sns, sqs, dynamodb, eventbridge).
// It is
// pure: Parse takes the file's bytes and returns a validated, expanded
// Config.
//
//	clusters:
//	  - name: demo
//	instances:
//	  - name: web              # web-1 ... web-9 with count 9
//	    cluster: demo          # default: default
//	    count: 9
//	    cpu: 2048              # CPU units, or "2 vCPU"
//	    memory: 4GB            # MiB, or "4GB"
//	    zones: [us-east-1a, us-east-1b, us-east-1c]   # round robin
//	    instanceType: m5.large
//	    attributes: {stack: blue}
//	endpoints:
//	  lambda: http://127.0.0.1:3001
//	allowHostPaths:            # bind mounts refused otherwise (package hostmounts)
//	  - /var/run/docker.sock
package serveconfig
