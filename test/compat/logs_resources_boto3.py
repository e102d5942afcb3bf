"""boto3 against a running `ecsrun serve`: CloudWatch Logs tags, subscription
filters, destinations, resource policies and export tasks. Run by
test/compat/logs_resources.sh, which starts the server.

Usage: python3 logs_resources_boto3.py ENDPOINT S3DIR
"""
import gzip
import os
import sys
import time

import boto3

from checks import check, error_code, finish

endpoint, s3dir = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="AKIDCOMPAT", aws_secret_access_key="compat-secret", region_name="us-east-1")
logs = session.client("logs", endpoint_url=endpoint)
group = "/boto3/app"
arn = "arn:aws:logs:us-east-1:000000000000:log-group:" + group

# Tags.
logs.create_log_group(logGroupName=group, tags={"team": "core"}, kmsKeyId="arn:aws:kms:us-east-1:000000000000:key/k1")
described = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
check(described["kmsKeyId"].endswith("key/k1") and described["arn"] == arn + ":*" and described["logGroupArn"] == arn, "create_log_group kmsKeyId, arn and logGroupArn")
logs.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(49)})
check(len(logs.list_tags_for_resource(resourceArn=arn)["tags"]) == 50, "tag_resource up to 50 tags")
check(error_code(logs.tag_resource, resourceArn=arn, tags={"one-more": "v"}) == "TooManyTagsException", "51st tag -> TooManyTagsException")
logs.untag_resource(resourceArn=arn, tagKeys=[f"k{i}" for i in range(49)])
check(logs.list_tags_log_group(logGroupName=group)["tags"] == {"team": "core"}, "untag_resource, list_tags_log_group")
check(error_code(logs.list_tags_for_resource, resourceArn=arn + "-missing") == "ResourceNotFoundException", "tags of a missing group -> ResourceNotFoundException")

# Subscription filters and destinations.
dest = logs.put_destination(destinationName="central", targetArn="arn:aws:kinesis:us-east-1:000000000000:stream/central", roleArn="arn:aws:iam::000000000000:role/cwl")["destination"]
check(dest["arn"] == "arn:aws:logs:us-east-1:000000000000:destination:central", "put_destination arn")
logs.put_destination_policy(destinationName="central", accessPolicy='{"Version":"2012-10-17","Statement":[]}')
logs.put_subscription_filter(logGroupName=group, filterName="to-central", filterPattern="ERROR", destinationArn=dest["arn"])
filters = [f for page in logs.get_paginator("describe_subscription_filters").paginate(logGroupName=group) for f in page["subscriptionFilters"]]
check([f["filterName"] for f in filters] == ["to-central"] and filters[0]["filterPattern"] == "ERROR", "put_subscription_filter to a destination, paginator")
check(error_code(logs.put_subscription_filter, logGroupName=group, filterName="x", filterPattern="", destinationArn="arn:aws:sqs:us-east-1:000000000000:q") == "InvalidParameterException", "SQS destination -> InvalidParameterException")
dests = [d["destinationName"] for page in logs.get_paginator("describe_destinations").paginate() for d in page["destinations"]]
check(dests == ["central"], "describe_destinations paginator")

# Resource policies.
doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"es.amazonaws.com"},"Action":"logs:PutLogEvents","Resource":"*"}]}'
logs.put_resource_policy(policyName="opensearch", policyDocument=doc)
check([p["policyName"] for p in logs.describe_resource_policies()["resourcePolicies"]] == ["opensearch"], "put_resource_policy, describe_resource_policies")
logs.delete_resource_policy(policyName="opensearch")
check(error_code(logs.delete_resource_policy, policyName="opensearch") == "ResourceNotFoundException", "delete_resource_policy twice -> ResourceNotFoundException")

# Export to the local S3 directory.
logs.create_log_stream(logGroupName=group, logStreamName="web")
now = int(time.time() * 1000)
logs.put_log_events(logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": "hello export"}])
task = logs.create_export_task(logGroupName=group, fromTime=0, to=now + 1, destination="archive", destinationPrefix="exports")["taskId"]
deadline = time.time() + 20
while True:
    status = logs.describe_export_tasks(taskId=task)["exportTasks"][0]["status"]["code"]
    if status == "COMPLETED" or time.time() > deadline:
        break
    time.sleep(0.1)
check(status == "COMPLETED", "create_export_task completes")
path = os.path.join(s3dir, "archive", "exports", task, "web", "000000.gz")
line = gzip.open(path).read().decode() if os.path.exists(path) else ""
check(line.endswith(" hello export\n") and line[:4].isdigit(), "exported object exports/TASK/web/000000.gz holds the event")
check(error_code(logs.cancel_export_task, taskId=task) == "InvalidOperationException", "cancel a finished export -> InvalidOperationException")

# Transformers.
config = [{"grok": {"match": "%{WORD:verb} %{URIPATHPARAM:path} %{INT:status}"}}, {"typeConverter": {"entries": [{"key": "status", "type": "integer"}]}}]
out = logs.test_transformer(transformerConfig=config, logEventMessages=["GET /health 200", "garbage"])["transformedLogs"]
check(out[0]["transformedEventMessage"] == '{"path":"/health","status":200,"verb":"GET"}' and out[1]["transformedEventMessage"] == "garbage", "test_transformer grok + typeConverter")
logs.put_transformer(logGroupIdentifier=group, transformerConfig=config)
check(logs.get_transformer(logGroupIdentifier=group)["transformerConfig"][0]["grok"]["match"] == config[0]["grok"]["match"], "put_transformer, get_transformer")

# Deliveries.
logs.put_delivery_source(name="cf", resourceArn="arn:aws:cloudfront::000000000000:distribution/E1", logType="ACCESS_LOGS")
dd = logs.put_delivery_destination(name="s3", deliveryDestinationConfiguration={"destinationResourceArn": "arn:aws:s3:::logs"})["deliveryDestination"]
delivery = logs.create_delivery(deliverySourceName="cf", deliveryDestinationArn=dd["arn"])["delivery"]
check(delivery["deliveryDestinationType"] == "S3" and logs.get_delivery(id=delivery["id"])["delivery"]["deliverySourceName"] == "cf", "delivery source, destination, create_delivery, get_delivery")
check(error_code(logs.delete_delivery_source, name="cf") == "ConflictException", "delete a delivery source in use -> ConflictException")

# Refusals name the operation and the local alternative.
try:
    logs.list_integrations()
    check(False, "list_integrations is refused")
except logs.exceptions.InvalidOperationException as e:
    check("ListIntegrations" in str(e) and "OpenSearch" in str(e), "list_integrations refused with a reason")
finish()
