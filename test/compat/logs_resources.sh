#!/usr/bin/env bash
# CloudWatch Logs resources (tags, subscription filters, destinations,
# deletion protection, export tasks) with the AWS CLI and boto3 against
# `ecsrun serve` (SigV4 credentials, a free loopback port, a local S3
# directory). Needs bin/ecsrun. Usage: test/compat/logs_resources.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
state=$(mktemp -d)
export ECSRUN_ACCESS_KEY_ID=AKIDCOMPAT ECSRUN_SECRET_ACCESS_KEY=compat-secret
mkdir -p "$state/s3/archive"
./bin/ecsrun serve --state-dir "$state" --listen 127.0.0.1:0 --s3-dir "$state/s3" >"$state/serve.out" 2>"$state/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$state"' EXIT
for _ in $(seq 1 100); do
  [ -f "$state/serve.json" ] && break
  sleep 0.1
done
endpoint=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$state/serve.json")
echo "ecsrun serve at $endpoint"

export AWS_ACCESS_KEY_ID=AKIDCOMPAT AWS_SECRET_ACCESS_KEY=compat-secret AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$endpoint" "$@"; }
failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=$((failed + 1)); fi; }
arn=arn:aws:logs:us-east-1:000000000000:log-group:/cli/app

echo "-- AWS CLI ($(aws --version 2>&1))"
aws logs create-log-group --log-group-name /cli/app --tags team=core,env=dev --log-group-class INFREQUENT_ACCESS
check "create-log-group --tags, list-tags-for-resource" '[ "$(aws logs list-tags-for-resource --resource-arn $arn --query tags.team --output text)" = core ]'
check "describe-log-groups: logGroupClass, logGroupArn" '[ "$(aws logs describe-log-groups --log-group-name-prefix /cli/ --query "logGroups[0].[logGroupClass,logGroupArn]" --output text)" = "INFREQUENT_ACCESS	$arn" ]'
aws logs tag-resource --resource-arn $arn --tags owner=ops
aws logs untag-resource --resource-arn $arn --tag-keys env
check "tag-resource, untag-resource" '[ "$(aws logs list-tags-for-resource --resource-arn $arn --query "keys(tags)" --output text | tr "\t" " ")" = "owner team" ] || [ "$(aws logs list-tags-for-resource --resource-arn $arn --query "keys(tags)" --output text | tr "\t" " ")" = "team owner" ]'
aws logs tag-log-group --log-group-name /cli/app --tags legacy=yes
check "tag-log-group, list-tags-log-group" '[ "$(aws logs list-tags-log-group --log-group-name /cli/app --query tags.legacy --output text)" = yes ]'
err=$(aws logs tag-resource --resource-arn "$arn:*" --tags a=b 2>&1 || true)
check "tag-resource with the :* ARN -> InvalidParameterException" '[[ "$err" == *InvalidParameterException* ]]'
err=$(aws logs tag-resource --resource-arn $arn --tags aws:x=y 2>&1 || true)
check "reserved aws: tag key -> InvalidParameterException" '[[ "$err" == *InvalidParameterException*reserved* ]]'

aws logs put-subscription-filter --log-group-name /cli/app --filter-name all --filter-pattern "" --destination-arn arn:aws:lambda:us-east-1:000000000000:function:ship
aws logs put-subscription-filter --log-group-name /cli/app --filter-name errors --filter-pattern "?ERROR ?WARN" --destination-arn arn:aws:kinesis:us-east-1:000000000000:stream/s --role-arn arn:aws:iam::000000000000:role/r --distribution Random
check "put-subscription-filter (empty pattern), describe-subscription-filters" '[ "$(aws logs describe-subscription-filters --log-group-name /cli/app --query "subscriptionFilters[].[filterName,distribution]" --output text | tr "\t\n" "  ")" = "all ByLogStream errors Random " ]'
err=$(aws logs put-subscription-filter --log-group-name /cli/app --filter-name third --filter-pattern "" --destination-arn arn:aws:lambda:us-east-1:000000000000:function:ship 2>&1 || true)
check "third subscription filter -> LimitExceededException" '[[ "$err" == *LimitExceededException* ]]'
aws logs delete-subscription-filter --log-group-name /cli/app --filter-name all
err=$(aws logs delete-subscription-filter --log-group-name /cli/app --filter-name all 2>&1 || true)
check "delete-subscription-filter twice -> ResourceNotFoundException" '[[ "$err" == *ResourceNotFoundException* ]]'

aws logs put-log-group-deletion-protection --log-group-identifier /cli/app --deletion-protection-enabled
err=$(aws logs delete-log-group --log-group-name /cli/app 2>&1 || true)
check "delete-log-group with deletion protection -> ValidationException" '[[ "$err" == *ValidationException* ]]'
aws logs put-log-group-deletion-protection --log-group-identifier /cli/app --no-deletion-protection-enabled
aws logs delete-log-group --log-group-name /cli/app
check "delete-log-group after protection is off" '[ "$(aws logs describe-log-groups --log-group-name-prefix /cli/ --query "length(logGroups)")" = 0 ]'
if [ $failed != 0 ]; then echo "$failed failed"; cat "$state/serve.err"; exit 1; fi

echo "-- boto3"
python3 test/compat/logs_resources_boto3.py "$endpoint" "$state/s3" || { cat "$state/serve.err"; exit 1; }
