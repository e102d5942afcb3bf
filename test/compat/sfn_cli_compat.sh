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
err=$(aws stepfunctions create-activity --name a 2>&1)
check "an unimplemented operation names itself" '[[ "$err" == *"ecsrun does not implement CreateActivity"* ]]'
echo "$failed failed"
[ "$failed" = 0 ]
