#!/usr/bin/env bash
# Capacity providers with the AWS CLI against a running `ecsrun serve` whose
# configuration declares the Auto Scaling group compat-asg-cli (cpu 1024,
# memory 1GB, maxSize 4; see run.sh). Usage: capacity_cli_compat.sh ENDPOINT IMAGE
set -uo pipefail
endpoint=$1 image=$2
export AWS_ACCESS_KEY_ID=AKIDCOMPAT AWS_SECRET_ACCESS_KEY=compat-secret AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$endpoint" "$@"; }
failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=$((failed + 1)); fi; }

check "describe-capacity-providers lists FARGATE and FARGATE_SPOT" '[ "$(aws ecs describe-capacity-providers --capacity-providers FARGATE FARGATE_SPOT --query "capacityProviders[].[name,status]" --output text | tr "\t\n" "  ")" = "FARGATE ACTIVE FARGATE_SPOT ACTIVE " ]'
aws ecs create-capacity-provider --name cli-cp --tags key=team,value=cli \
  --auto-scaling-group-provider "autoScalingGroupArn=compat-asg-cli,managedScaling={status=ENABLED,targetCapacity=100,instanceWarmupPeriod=0},managedTerminationProtection=ENABLED" >/dev/null
check "create-capacity-provider, describe with --include TAGS" '[ "$(aws ecs describe-capacity-providers --capacity-providers cli-cp --include TAGS --query "capacityProviders[0].[status,autoScalingGroupProvider.managedScaling.status,tags[0].value]" --output text)" = "ACTIVE	ENABLED	cli" ]'
err=$(aws ecs create-capacity-provider --name cli-cp --auto-scaling-group-provider autoScalingGroupArn=compat-asg-cli 2>&1)
check "create-capacity-provider twice -> ClientException" '[[ "$err" == *ClientException*"already exists"* ]]'
err=$(aws ecs create-capacity-provider --name fargate-mine --auto-scaling-group-provider autoScalingGroupArn=compat-asg-cli 2>&1)
check "a reserved name -> InvalidParameterException" '[[ "$err" == *InvalidParameterException* ]]'
aws ecs update-capacity-provider --name cli-cp --auto-scaling-group-provider "managedScaling={status=ENABLED,targetCapacity=100,instanceWarmupPeriod=0,maximumScalingStepSize=4}" >/dev/null
check "update-capacity-provider" '[ "$(aws ecs describe-capacity-providers --capacity-providers cli-cp --query "capacityProviders[0].[updateStatus,autoScalingGroupProvider.managedScaling.maximumScalingStepSize]" --output text)" = "UPDATE_COMPLETE	4" ]'

aws ecs create-cluster --cluster-name cli-cap --capacity-providers cli-cp --default-capacity-provider-strategy capacityProvider=cli-cp,weight=1 >/dev/null
check "create-cluster --capacity-providers, describe-clusters" '[ "$(aws ecs describe-clusters --clusters cli-cap --query "clusters[0].[capacityProviders[0],defaultCapacityProviderStrategy[0].capacityProvider]" --output text)" = "cli-cp	cli-cp" ]'
err=$(aws ecs run-task --cluster cli-cap --task-definition none --launch-type EC2 --capacity-provider-strategy capacityProvider=cli-cp,weight=1 2>&1)
check "run-task with a launch type and a strategy -> InvalidParameterException" '[[ "$err" == *InvalidParameterException*"Specifying both a launch type and capacity provider strategy"* ]]'
err=$(aws ecs put-cluster-capacity-providers --cluster cli-cap --capacity-providers FARGATE cli-cp --default-capacity-provider-strategy capacityProvider=FARGATE,weight=1 capacityProvider=cli-cp,weight=1 2>&1)
check "a strategy mixing Fargate and an Auto Scaling group -> InvalidParameterException" '[[ "$err" == *InvalidParameterException*"mix"* ]]'

# Tasks wait in PROVISIONING until managed scaling has launched instances.
aws ecs register-task-definition --family cli-cap --cpu 512 --memory 256 --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"command\":[\"forever\"],\"stopTimeout\":2}]" >/dev/null
arns=$(aws ecs run-task --cluster cli-cap --task-definition cli-cap --count 3 --query 'tasks[].taskArn' --output text)
check "run-task by the default strategy: capacityProviderName" '[ "$(aws ecs describe-tasks --cluster cli-cap --tasks $arns --query "tasks[].capacityProviderName" --output text)" = "cli-cp	cli-cp	cli-cp" ]'
aws ecs wait tasks-running --cluster cli-cap --tasks $arns
check "managed scaling launched 2 instances for 3 tasks" '[ "$(aws ecs list-container-instances --cluster cli-cap --query "length(containerInstanceArns)")" = 2 ]'
ci=$(aws ecs list-container-instances --cluster cli-cap --query 'containerInstanceArns[0]' --output text)
check "the instances belong to the provider" '[ "$(aws ecs describe-container-instances --cluster cli-cap --container-instances "$ci" --query "containerInstances[0].capacityProviderName" --output text)" = cli-cp ]'
err=$(aws ecs put-cluster-capacity-providers --cluster cli-cap --capacity-providers FARGATE --default-capacity-provider-strategy capacityProvider=FARGATE,weight=1 2>&1)
check "removing a provider tasks use -> ResourceInUseException" '[[ "$err" == *ResourceInUseException* ]]'
check "delete-capacity-provider of an associated provider -> DELETE_FAILED" '[ "$(aws ecs delete-capacity-provider --capacity-provider cli-cp --query capacityProvider.updateStatus --output text)" = DELETE_FAILED ]'
for a in $arns; do aws ecs stop-task --cluster cli-cap --task "$a" >/dev/null; done
aws ecs wait tasks-stopped --cluster cli-cap --tasks $arns
aws ecs put-cluster-capacity-providers --cluster cli-cap --capacity-providers --default-capacity-provider-strategy '[]' >/dev/null
check "delete-capacity-provider -> DELETE_IN_PROGRESS, then INACTIVE" '[ "$(aws ecs delete-capacity-provider --capacity-provider cli-cp --query capacityProvider.updateStatus --output text)" = DELETE_IN_PROGRESS ] && [ "$(aws ecs describe-capacity-providers --capacity-providers cli-cp --query "capacityProviders[0].status" --output text)" = INACTIVE ]'
echo "$failed failed"
exit $((failed > 0))
