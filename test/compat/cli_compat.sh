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
first=${arns%% *}
check "logs get-log-events" '[ "$(aws logs get-log-events --log-group-name /ecsrun/tasks --log-stream-name cli-run/app/${first##*/} --start-from-head --query "events[0].message" --output text)" = "hi from the cli" ]'
err=$(aws ecs list-tasks --cluster ghost 2>&1)
check "unknown cluster error" '[[ "$err" == *ClusterNotFoundException* ]]'
err=$(AWS_SECRET_ACCESS_KEY=wrong command aws --endpoint-url "$endpoint" ecs list-clusters 2>&1)
check "wrongly signed request" '[[ "$err" == *InvalidSignatureException* ]]'
echo "$failed failed"
[ "$failed" = 0 ]
