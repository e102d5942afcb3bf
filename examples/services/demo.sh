#!/usr/bin/env bash
# The services walk-through of docs/services.md: a service of two greeter tasks that
# ecsrun keeps running. Needs `ecsrun serve`, the AWS CLI and the
# ecsrun-example/hello image (examples/hello/build.sh). The endpoint is $1,
# else $AWS_ENDPOINT_URL_ECS, else http://127.0.0.1:5757.
set -euo pipefail
cd "$(dirname "$0")"
endpoint=${1:-${AWS_ENDPOINT_URL_ECS:-http://127.0.0.1:5757}}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
ecs() { aws --endpoint-url "$endpoint" ecs "$@"; }
expect() { # what got want
  if [ "$2" != "$3" ]; then echo "demo: $1 is $2; want $3" >&2; exit 1; fi
  echo "$1: $2"
}

ecs register-task-definition --cli-input-json file://taskdef.json --query taskDefinition.taskDefinitionArn --output text
ecs create-service --service-name greeter --task-definition greeter --desired-count 2 \
  --query 'service.[serviceName,status,desiredCount]' --output text
ecs wait services-stable --services greeter
expect running "$(ecs describe-services --services greeter --query 'services[0].runningCount' --output text)" 2

# Stop one of its tasks: the scheduler starts a replacement, and the
# service is stable again once that one runs.
victim=$(ecs list-tasks --service-name greeter --query 'taskArns[0]' --output text)
ecs stop-task --task "$victim" --reason "demo: replace me" --query task.desiredStatus --output text
ecs wait tasks-stopped --tasks "$victim"
ecs wait services-stable --services greeter
expect "running after the stop" "$(ecs describe-services --services greeter --query 'services[0].runningCount' --output text)" 2
expect "the stopped task among the service's running ones" "$(ecs list-tasks --service-name greeter --output text | grep -c "$victim" || true)" 0
ecs describe-services --services greeter --query 'services[0].events[].message' --output text | tr '\t' '\n'

# Scale to zero and delete it.
ecs update-service --service greeter --desired-count 0 --query service.desiredCount --output text
ecs delete-service --service greeter --query service.status --output text
ecs wait services-inactive --services greeter
expect status "$(ecs describe-services --services greeter --query 'services[0].status' --output text)" INACTIVE
