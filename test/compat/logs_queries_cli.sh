#!/usr/bin/env bash
# The AWS CLI against a running `ecsrun serve`: metric filters and a Logs
# Insights query. Usage: logs_queries_cli.sh ENDPOINT
set -uo pipefail
endpoint=$1
export AWS_ACCESS_KEY_ID=AKIDCOMPAT AWS_SECRET_ACCESS_KEY=compat-secret AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$endpoint" "$@"; }
failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=$((failed + 1)); fi; }

g=/compat/cli-queries
aws logs create-log-group --log-group-name $g
aws logs create-log-stream --log-group-name $g --log-stream-name web
now=$(($(date +%s) * 1000))
events=$(mktemp)
trap 'rm -f "$events"' EXIT
cat >"$events" <<JSON
[{"timestamp": $now, "message": "{\\"level\\":\\"ERROR\\",\\"latency\\":480,\\"path\\":\\"/b\\"}"},
 {"timestamp": $((now + 1)), "message": "{\\"level\\":\\"INFO\\",\\"latency\\":120,\\"path\\":\\"/a\\"}"},
 {"timestamp": $((now + 2)), "message": "{\\"level\\":\\"ERROR\\",\\"latency\\":30,\\"path\\":\\"/a\\"}"}]
JSON
aws logs put-log-events --log-group-name $g --log-stream-name web --log-events "file://$events" >/dev/null

aws logs put-metric-filter --log-group-name $g --filter-name slow --filter-pattern '{ $.latency > 100 }' \
  --metric-transformations metricName=Slow,metricNamespace=Compat,metricValue='$.latency',unit=Milliseconds
check "put-metric-filter, describe-metric-filters" '[ "$(aws logs describe-metric-filters --log-group-name $g --query "metricFilters[0].[filterName,metricTransformations[0].metricValue]" --output text)" = "slow	\$.latency" ]'
err=$(aws logs put-metric-filter --log-group-name $g --filter-name bad --filter-pattern '{ $.latency > }' \
  --metric-transformations metricName=X,metricNamespace=Compat,metricValue=1 2>&1)
check "put-metric-filter with a bad pattern -> InvalidParameterException" '[[ "$err" == *InvalidParameterException*"Invalid metric filter pattern"* ]]'
check "test-metric-filter extractedValues" '[ "$(aws logs test-metric-filter --filter-pattern "[ip, user, status=5*, size]" --log-event-messages "1.2.3.4 bob 503 12" "1.2.3.4 bob 200 12" --query "matches[].[eventNumber,extractedValues.\"\$size\"]" --output text)" = "1	12" ]'
check "filter-log-events with a JSON pattern" '[ "$(aws logs filter-log-events --log-group-name $g --filter-pattern "{ \$.level = \"ERROR\" && \$.latency < 100 }" --query "length(events)")" = 1 ]'

qid=$(aws logs start-query --log-group-name $g --start-time $((now / 1000 - 60)) --end-time $((now / 1000 + 60)) \
  --query-string 'filter level = "ERROR" | stats count(*) as errors, max(latency) as worst by path | sort path' --query queryId --output text)
status=Scheduled
for _ in $(seq 1 100); do
  status=$(aws logs get-query-results --query-id "$qid" --query status --output text)
  [ "$status" = Complete ] && break
  sleep 0.1
done
check "start-query, get-query-results Complete" '[ "$status" = Complete ]'
worst=$(aws logs get-query-results --query-id "$qid" --query "results[*][?field=='worst'].value[]" --output text)
check "stats by path (sort is descending by default)" '[ "$worst" = "480	30" ]'
err=$(aws logs start-query --log-group-name $g --start-time 0 --end-time 1 --query-string 'fields @message | nope' 2>&1)
check "malformed query -> MalformedQueryException" '[[ "$err" == *MalformedQueryException* ]]'
aws logs delete-metric-filter --log-group-name $g --filter-name slow
check "delete-metric-filter" '[ "$(aws logs describe-metric-filters --log-group-name $g --query "length(metricFilters)")" = 0 ]'
aws logs delete-log-group --log-group-name $g
echo "$failed failed"
exit $((failed > 0))
