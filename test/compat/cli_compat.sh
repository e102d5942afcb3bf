#!/usr/bin/env bash
# The AWS CLI against a running `ecsrun serve`. Usage: cli_compat.sh ENDPOINT IMAGE
set -uo pipefail
endpoint=$1 image=$2
export AWS_ACCESS_KEY_ID=AKIDCOMPAT AWS_SECRET_ACCESS_KEY=compat-secret AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$endpoint" "$@"; }
failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=$((failed + 1)); fi; }

aws ecs create-cluster --cluster-name cli >/dev/null
check "create-cluster, describe-clusters" '[ "$(aws ecs describe-clusters --clusters cli --query "clusters[0].status" --output text)" = ACTIVE ]'
aws ecs register-task-definition --family cli-run --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"memory\":32,\"command\":[\"out\",\"hi from the cli\",\"--\",\"exit\",\"5\"]}]" >/dev/null
arns=$(aws ecs run-task --cluster cli --task-definition cli-run --count 2 --query 'tasks[].taskArn' --output text)
check "run-task --count 2" '[ $(echo $arns | wc -w) = 2 ]'
aws ecs wait tasks-stopped --cluster cli --tasks $arns
check "wait tasks-stopped, exit codes" '[ "$(aws ecs describe-tasks --cluster cli --tasks $arns --query "tasks[].containers[0].exitCode" --output text)" = "5	5" ]'
check "list-tasks --desired-status STOPPED" '[ $(aws ecs list-tasks --cluster cli --desired-status STOPPED --query "length(taskArns)") = 2 ]'
first=$(echo $arns | awk "{print \$1}")
check "logs get-log-events" '[ "$(aws logs get-log-events --log-group-name /ecsrun/tasks --log-stream-name cli-run/app/${first##*/} --start-from-head --query "events[0].message" --output text)" = "hi from the cli" ]'
err=$(aws ecs list-tasks --cluster ghost 2>&1)
check "unknown cluster error" '[[ "$err" == *ClusterNotFoundException* ]]'
# Tags, include TAGS, DeleteTaskDefinitions.
td=$(aws ecs describe-task-definition --task-definition cli-run --query taskDefinition.taskDefinitionArn --output text)
aws ecs tag-resource --resource-arn "$td" --tags key=env,value=ci key=team,value=a >/dev/null
aws ecs untag-resource --resource-arn "$td" --tag-keys team >/dev/null
check "tag-resource, untag-resource, list-tags-for-resource" '[ "$(aws ecs list-tags-for-resource --resource-arn "$td" --query "tags[].key" --output text)" = env ]'
check "describe-task-definition --include TAGS" '[ "$(aws ecs describe-task-definition --task-definition "$td" --include TAGS --query "tags[0].value" --output text)" = ci ]'
aws ecs tag-resource --resource-arn "$first" --tags key=run,value=1 >/dev/null
check "describe-tasks --include TAGS" '[ "$(aws ecs describe-tasks --cluster cli --tasks "$first" --include TAGS --query "tasks[0].tags[0].key" --output text)" = run ]'
err=$(aws ecs tag-resource --resource-arn arn:aws:ecs:us-east-1:000000000000:cluster/ghost --tags key=a,value=b 2>&1)
check "tag-resource of an unknown cluster" '[[ "$err" == *ClusterNotFoundException* ]]'
check "delete-task-definitions of an ACTIVE revision -> failure" '[[ "$(aws ecs delete-task-definitions --task-definitions "$td" --query "failures[0].reason" --output text)" == *ACTIVE* ]]'
aws ecs deregister-task-definition --task-definition "$td" >/dev/null
check "delete-task-definitions of an INACTIVE revision" '[ "$(aws ecs delete-task-definitions --task-definitions "$td" --query "taskDefinitions[0].status" --output text)" = DELETE_IN_PROGRESS ]'
err=$(aws ecs run-task --cluster cli --task-definition "$td" 2>&1)
check "run-task of a deleted revision" '[[ "$err" == *InvalidParameterException* ]]'
err=$(AWS_SECRET_ACCESS_KEY=wrong command aws --endpoint-url "$endpoint" ecs list-clusters 2>&1)
check "wrongly signed request" '[[ "$err" == *InvalidSignatureException* ]]'
echo "$failed failed"
[ "$failed" = 0 ]
