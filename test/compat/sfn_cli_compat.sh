#!/usr/bin/env bash
# The AWS CLI's stepfunctions commands against a running `ecsrun serve`: a
# state machine whose runTask.sync state really runs an ECS task.
# Usage: sfn_cli_compat.sh ENDPOINT IMAGE
set -uo pipefail
endpoint=$1 image=$2
export AWS_ACCESS_KEY_ID=AKIDCOMPAT AWS_SECRET_ACCESS_KEY=compat-secret AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$endpoint" "$@"; }
failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=$((failed + 1)); fi; }
wait_done() {
  for _ in $(seq 1 600); do
    s=$(aws stepfunctions describe-execution --execution-arn "$1" --query status --output text)
    [ "$s" != RUNNING ] && { echo "$s"; return; }
    sleep 0.1
  done
  echo TIMEOUT
}

aws ecs register-task-definition --family sfn-cli --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"memory\":32,\"command\":[\"out\",\"step ran\",\"--\",\"exit\",\"0\"]}]" >/dev/null
def='{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"sfn-cli"},"ResultSelector":{"exit.$":"$.Containers[0].ExitCode","by.$":"$.StartedBy"},"Next":"Done"},"Done":{"Type":"Succeed"}}}'
sm=$(aws stepfunctions create-state-machine --name cli-flow --definition "$def" --role-arn arn:aws:iam::000000000000:role/sfn --query stateMachineArn --output text)
check "create-state-machine" '[ "$sm" = arn:aws:states:us-east-1:000000000000:stateMachine:cli-flow ]'
check "describe-state-machine" '[ "$(aws stepfunctions describe-state-machine --state-machine-arn "$sm" --query "[status,type]" --output text)" = "ACTIVE	STANDARD" ]'
check "list-state-machines" '[ "$(aws stepfunctions list-state-machines --query "stateMachines[?name==\`cli-flow\`].name" --output text)" = cli-flow ]'
ex=$(aws stepfunctions start-execution --state-machine-arn "$sm" --name first --input '{"from":"cli"}' --query executionArn --output text)
check "start-execution" '[ "$ex" = arn:aws:states:us-east-1:000000000000:execution:cli-flow:first ]'
check "describe-execution: SUCCEEDED" '[ "$(wait_done "$ex")" = SUCCEEDED ]'
check "describe-execution: output of the ECS task" '[ "$(aws stepfunctions describe-execution --execution-arn "$ex" --query output --output text)" = "{\"by\":\"AWS Step Functions\",\"exit\":0}" ]'
types=$(aws stepfunctions get-execution-history --execution-arn "$ex" --query "events[].type" --output text)
check "get-execution-history" '[ "$types" = "ExecutionStarted	TaskStateEntered	TaskScheduled	TaskStarted	TaskSubmitted	TaskSucceeded	TaskStateExited	SucceedStateEntered	SucceedStateExited	ExecutionSucceeded" ]'
check "list-executions --status-filter SUCCEEDED" '[ "$(aws stepfunctions list-executions --state-machine-arn "$sm" --status-filter SUCCEEDED --query "executions[0].name" --output text)" = first ]'
err=$(aws stepfunctions describe-execution --execution-arn arn:aws:states:us-east-1:000000000000:execution:cli-flow:nope 2>&1)
check "unknown execution -> ExecutionDoesNotExist" '[[ "$err" == *ExecutionDoesNotExist* ]]'
err=$(aws stepfunctions start-execution --state-machine-arn "$sm" --name first 2>&1)
check "same name again -> ExecutionAlreadyExists" '[[ "$err" == *ExecutionAlreadyExists* ]]'
wait_sm=$(aws stepfunctions create-state-machine --name cli-wait --definition '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}' --role-arn arn:aws:iam::000000000000:role/sfn --query stateMachineArn --output text)
wex=$(aws stepfunctions start-execution --state-machine-arn "$wait_sm" --query executionArn --output text)
aws stepfunctions stop-execution --execution-arn "$wex" --error Stopped --cause "by the cli" >/dev/null
check "stop-execution" '[ "$(aws stepfunctions describe-execution --execution-arn "$wex" --query "[status,error]" --output text)" = "ABORTED	Stopped" ]'
check "validate-state-machine-definition" '[ "$(aws stepfunctions validate-state-machine-definition --definition "{\"StartAt\":\"A\",\"States\":{}}" --query result --output text)" = FAIL ]'
# start-sync-execution: the CLI puts "sync-" before the endpoint's host (an
# IP address too), which does not resolve; AWS_DISABLE_HOST_PREFIX_INJECTION
# (or disable_host_prefix_injection = true in ~/.aws/config) turns that off.
exp=$(aws stepfunctions create-state-machine --name cli-express --type EXPRESS --definition '{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a, $.b)"},"End":true}}}' --role-arn arn:aws:iam::000000000000:role/sfn --query stateMachineArn --output text)
err=$(aws stepfunctions start-sync-execution --state-machine-arn "$exp" --input '{"a":1,"b":2}' 2>&1)
check "start-sync-execution: the sync- host prefix is why it needs the setting" '[[ "$err" == *"sync-"* ]]'
check "start-sync-execution with AWS_DISABLE_HOST_PREFIX_INJECTION=true" '[ "$(AWS_DISABLE_HOST_PREFIX_INJECTION=true aws stepfunctions start-sync-execution --state-machine-arn "$exp" --input "{\"a\":1,\"b\":2}" --query "[status,output]" --output text)" = "SUCCEEDED	{\"sum\":3}" ]'
err=$(aws stepfunctions list-tags-for-resource --resource-arn "$sm" 2>&1)
check "an unimplemented operation names itself" '[[ "$err" == *"ecsrun does not implement ListTagsForResource"* ]]'
# Versions and aliases: publish on create and with publish-state-machine-version,
# an alias that routes to version 1, an execution through it.
vdef() { echo "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"Result\":\"$1\",\"End\":true}}}"; }
vsm=$(aws stepfunctions create-state-machine --name cli-versions --definition "$(vdef one)" --role-arn arn:aws:iam::000000000000:role/sfn --publish --version-description first --query stateMachineVersionArn --output text)
check "create-state-machine --publish" '[ "$vsm" = arn:aws:states:us-east-1:000000000000:stateMachine:cli-versions:1 ]'
vbase=${vsm%:1}
aws stepfunctions update-state-machine --state-machine-arn "$vbase" --definition "$(vdef two)" >/dev/null
check "publish-state-machine-version" '[ "$(aws stepfunctions publish-state-machine-version --state-machine-arn "$vbase" --description second --query stateMachineVersionArn --output text)" = "$vbase:2" ]'
check "list-state-machine-versions" '[ "$(aws stepfunctions list-state-machine-versions --state-machine-arn "$vbase" --query "stateMachineVersions[].stateMachineVersionArn" --output text)" = "$vbase:2	$vbase:1" ]'
check "describe-state-machine of a version" '[ "$(aws stepfunctions describe-state-machine --state-machine-arn "$vbase:1" --query "[description,definition]" --output text)" = "first	$(vdef one)" ]'
alias=$(aws stepfunctions create-state-machine-alias --name live --routing-configuration "stateMachineVersionArn=$vbase:1,weight=100" --query stateMachineAliasArn --output text)
check "create-state-machine-alias" '[ "$alias" = "$vbase:live" ]'
aex=$(aws stepfunctions start-execution --state-machine-arn "$alias" --name by-alias --query executionArn --output text)
check "start-execution through the alias runs version 1" '[ "$(wait_done "$aex")" = SUCCEEDED ] && [ "$(aws stepfunctions describe-execution --execution-arn "$aex" --query "[output,stateMachineVersionArn,stateMachineAliasArn]" --output text)" = "\"one\"	$vbase:1	$alias" ]'
check "list-executions of the alias" '[ "$(aws stepfunctions list-executions --state-machine-arn "$alias" --query "executions[].name" --output text)" = by-alias ]'
err=$(aws stepfunctions delete-state-machine-version --state-machine-version-arn "$vbase:1" 2>&1)
check "delete-state-machine-version of a routed version -> ConflictException" '[[ "$err" == *ConflictException*"[live]"* ]]'
aws stepfunctions update-state-machine-alias --state-machine-alias-arn "$alias" --routing-configuration "stateMachineVersionArn=$vbase:1,weight=50" "stateMachineVersionArn=$vbase:2,weight=50" >/dev/null
check "update-state-machine-alias: two routes" '[ "$(aws stepfunctions describe-state-machine-alias --state-machine-alias-arn "$alias" --query "routingConfiguration[].weight" --output text)" = "50	50" ]'
aws stepfunctions delete-state-machine-alias --state-machine-alias-arn "$alias" >/dev/null
check "delete-state-machine-alias" '[ "$(aws stepfunctions list-state-machine-aliases --state-machine-arn "$vbase" --query "length(stateMachineAliases)" --output text)" = 0 ]'
echo "$failed failed"
[ "$failed" = 0 ]
