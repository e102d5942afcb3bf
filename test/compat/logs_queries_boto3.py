"""boto3 against a running `ecsrun serve`: metric filters and a Logs
Insights query. Run by test/compat/run.sh, which starts the server.

Usage: python3 logs_queries_boto3.py ENDPOINT
"""
import sys
import time

import boto3

from checks import check, error_code, finish

endpoint = sys.argv[1]
session = boto3.session.Session(aws_access_key_id="AKIDCOMPAT", aws_secret_access_key="compat-secret", region_name="us-east-1")
logs = session.client("logs", endpoint_url=endpoint)

g = "/compat/boto3-queries"
logs.create_log_group(logGroupName=g)
logs.create_log_stream(logGroupName=g, logStreamName="s")
now = int(time.time() * 1000)
msgs = ['{"level":"ERROR","ms":900}', '{"level":"INFO","ms":20}', "10.0.0.1 GET /x 503 120"]
logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(msgs)])

logs.put_metric_filter(logGroupName=g, filterName="errors", filterPattern='{ $.level = "ERROR" }',
                       metricTransformations=[{"metricName": "Errors", "metricNamespace": "Compat", "metricValue": "1", "defaultValue": 0}])
logs.put_metric_filter(logGroupName=g, filterName="bytes", filterPattern="[ip, method, path, status=5*, size]",
                       metricTransformations=[{"metricName": "Bytes", "metricNamespace": "Compat", "metricValue": "$size", "dimensions": {"Status": "$status"}}])
filters = [f for p in logs.get_paginator("describe_metric_filters").paginate(logGroupName=g, PaginationConfig={"PageSize": 1}) for f in p["metricFilters"]]
check([f["filterName"] for f in filters] == ["bytes", "errors"], "describe_metric_filters paginator")
check(logs.describe_metric_filters(metricName="Bytes", metricNamespace="Compat")["metricFilters"][0]["metricTransformations"][0]["dimensions"] == {"Status": "$status"},
      "describe_metric_filters by metric, dimensions echoed")
check(error_code(logs.put_metric_filter, logGroupName=g, filterName="dims", filterPattern="ERROR",
                 metricTransformations=[{"metricName": "E", "metricNamespace": "Compat", "metricValue": "1", "dimensions": {"a": "$.a"}}]) == "InvalidParameterException",
      "dimensions on an unstructured pattern -> InvalidParameterException")
m = logs.test_metric_filter(filterPattern="[ip, method, path, status=5*, size]", logEventMessages=msgs)["matches"]
check(len(m) == 1 and m[0]["eventNumber"] == 3 and m[0]["extractedValues"]["$status"] == "503", "test_metric_filter")
check(logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["metricFilterCount"] == 2, "metricFilterCount")

qid = logs.start_query(logGroupName=g, startTime=now // 1000 - 60, endTime=now // 1000 + 60,
                       queryString="fields @timestamp, level, ms | filter ispresent(level) | sort ms desc | limit 1")["queryId"]
deadline = time.time() + 10
res = logs.get_query_results(queryId=qid)
while res["status"] in ("Scheduled", "Running") and time.time() < deadline:
    time.sleep(0.1)
    res = logs.get_query_results(queryId=qid)
row = {f["field"]: f["value"] for f in res["results"][0]} if res["results"] else {}
check(res["status"] == "Complete" and row.get("ms") == "900" and "@ptr" in row, "start_query, get_query_results")
check(res["statistics"]["recordsScanned"] == 3 and res["statistics"]["recordsMatched"] == 2, "query statistics")
check(any(q["queryId"] == qid for q in logs.describe_queries(logGroupName=g)["queries"]), "describe_queries")
try:
    logs.start_query(logGroupName=g, startTime=0, endTime=1, queryString="stats bogus(x)")
    check(False, "malformed query -> MalformedQueryException")
except logs.exceptions.MalformedQueryException as e:
    loc = e.response.get("queryCompileError", {}).get("location", {})
    check(loc.get("startCharOffset") == 6, "malformed query -> MalformedQueryException with the location")
qd = logs.put_query_definition(name="compat/errors", queryString="filter level = 'ERROR'", logGroupNames=[g])["queryDefinitionId"]
check([d["queryDefinitionId"] for d in logs.describe_query_definitions(queryDefinitionNamePrefix="compat/")["queryDefinitions"]] == [qd], "put/describe_query_definitions")
check(logs.delete_query_definition(queryDefinitionId=qd)["success"], "delete_query_definition")

# Scheduled queries: stored, listed, validated (runs take a minute: the Go tests drive them with a clock).
arn = logs.create_scheduled_query(name="compat-hourly", queryLanguage="CWLI", queryString="stats count(*) as n", logGroupIdentifiers=[g],
                                  scheduleExpression="cron(0 * * * ? *)", executionRoleArn="arn:aws:iam::000000000000:role/logs",
                                  destinationConfiguration={"s3Configuration": {"destinationIdentifier": "s3://compat/reports", "roleArn": "arn:aws:iam::000000000000:role/s3"}})["scheduledQueryArn"]
sq = logs.get_scheduled_query(identifier=arn)
check(sq["name"] == "compat-hourly" and sq["state"] == "ENABLED" and sq["destinationConfiguration"]["s3Configuration"]["destinationIdentifier"] == "s3://compat/reports",
      "create_scheduled_query, get_scheduled_query")
check([q["name"] for q in logs.list_scheduled_queries()["scheduledQueries"]] == ["compat-hourly"], "list_scheduled_queries")
check(error_code(logs.create_scheduled_query, name="compat-bad", queryLanguage="CWLI", queryString="stats count(*)", logGroupIdentifiers=[g],
                 scheduleExpression="whenever", executionRoleArn="arn:aws:iam::000000000000:role/logs") == "ValidationException", "bad schedule -> ValidationException")
logs.delete_scheduled_query(identifier=arn)
check(error_code(logs.get_scheduled_query, identifier=arn) == "ResourceNotFoundException", "delete_scheduled_query")
logs.delete_log_group(logGroupName=g)
finish()
