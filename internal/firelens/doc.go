// Package firelens is the pure core of FireLens, ECS's log routing through a
// Fluent Bit or Fluentd container of the task (the log router: the container
// with a firelensConfiguration). It builds what the ECS agent builds for such
// a task, without any I/O:
//
//   - the router's configuration file ([Generate]): a forward input on the
//     unix socket /var/run/fluent.sock (Fluentd: the unix input), a forward
//     input on TCP port 24224 (0.0.0.0 with bridge networking, 127.0.0.1 with
//     awsvpc; none with host or none) and, for Fluent Bit, the health check
//     input on 127.0.0.1:8877 with its null output; a record modifier adding
//     ecs_cluster, ecs_task_arn, ecs_task_definition and, on the EC2 launch
//     type, ec2_instance_id to every record (unless the option
//     enable-ecs-log-metadata is false); the grep filters of include-pattern
//     and exclude-pattern; the user's own file (config-file-type file or s3)
//     included after the filters; and one output section per container
//     logging with the awsfirelens driver, matching the tag
//     "<container>-firelens*" ("**" for Fluentd), whose plugin is the
//     option Name (Fluentd: @type) and whose other keys are the container's
//     other options, secretOptions as variables of the router's environment;
//   - where the router reads it ([ConfigPath]), and where an S3 file goes
//     ([ExternalConfigPath]);
//   - the Docker fluentd log driver options of each awsfirelens container
//     ([DriverOptions]): tag "<container>-firelens-<task id>", the socket
//     address, sub-second precision and asynchronous connection;
//   - the names of the router's environment variables that carry secret
//     log options ([SecretEnv]);
//   - the checks ECS makes of these options ([Check]).
package firelens
