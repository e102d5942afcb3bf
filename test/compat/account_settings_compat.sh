#!/usr/bin/env bash
# Account settings and cluster settings with the AWS CLI against a running
# `ecsrun serve`. Usage: account_settings_compat.sh ENDPOINT
set -uo pipefail
endpoint=$1
export AWS_ACCESS_KEY_ID=AKIDCOMPAT AWS_SECRET_ACCESS_KEY=compat-secret AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$endpoint" "$@"; }
failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=$((failed + 1)); fi; }
user=arn:aws:iam::000000000000:user/cli-compat

check "list-account-settings --effective-settings: ECS's defaults" '[ "$(aws ecs list-account-settings --effective-settings --name fargateTaskRetirementWaitPeriod --query "settings[0].value" --output text)" = 7 ]'
aws ecs put-account-setting-default --name containerInsights --value enhanced >/dev/null
check "put-account-setting-default, then the default" '[ "$(aws ecs list-account-settings --name containerInsights --query "settings[0].[value,principalArn]" --output text)" = "enhanced	arn:aws:iam::000000000000:root" ]'
aws ecs put-account-setting --name containerInsights --value disabled --principal-arn "$user" >/dev/null
check "a user's own setting over the default" '[ "$(aws ecs list-account-settings --effective-settings --principal-arn "$user" --name containerInsights --query "settings[0].value" --output text)" = disabled ]'
err=$(aws ecs put-account-setting --name taskLongArnFormat --value disabled 2>&1)
check "taskLongArnFormat disabled -> InvalidParameterException" '[[ "$err" == *InvalidParameterException* ]]'
err=$(aws ecs put-account-setting --name guardDutyActivate --value enabled 2>&1)
check "guardDutyActivate is read-only" '[[ "$err" == *read-only* ]]'
check "list-account-settings paginates (page size 2)" '[ "$(aws ecs list-account-settings --effective-settings --page-size 2 --query "length(settings)")" = 11 ]'
aws ecs create-cluster --cluster-name cli-insights >/dev/null
check "new cluster gets the containerInsights default" '[ "$(aws ecs describe-clusters --clusters cli-insights --include SETTINGS --query "clusters[0].settings[0].value" --output text)" = enhanced ]'
aws ecs update-cluster-settings --cluster cli-insights --settings name=containerInsights,value=enabled >/dev/null
check "update-cluster-settings" '[ "$(aws ecs describe-clusters --clusters cli-insights --include SETTINGS --query "clusters[0].settings[0].value" --output text)" = enabled ]'
aws ecs update-cluster --cluster cli-insights --configuration 'executeCommandConfiguration={logging=DEFAULT}' >/dev/null
check "update-cluster --configuration, describe-clusters --include CONFIGURATIONS" '[ "$(aws ecs describe-clusters --clusters cli-insights --include CONFIGURATIONS --query "clusters[0].configuration.executeCommandConfiguration.logging" --output text)" = DEFAULT ]'
aws ecs delete-account-setting --name containerInsights --principal-arn "$user" >/dev/null
aws ecs delete-account-setting --name containerInsights >/dev/null
aws ecs delete-cluster --cluster cli-insights >/dev/null
check "delete-account-setting: back to ECS's default" '[ "$(aws ecs list-account-settings --effective-settings --principal-arn "$user" --name containerInsights --query "settings[0].value" --output text)" = disabled ]'
echo "$failed failed"
[ $failed = 0 ]
