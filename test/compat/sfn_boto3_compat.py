"""boto3's Step Functions client against a running `ecsrun serve`: a
runTask.sync state with a Retry really runs ECS tasks, the history
paginator, task tokens. Run by test/compat/run.sh.

Usage: python3 sfn_boto3_compat.py ENDPOINT IMAGE
"""
import json
import os
import sys
import time
import urllib.parse

import boto3
import botocore.config

from checks import check, error_code, finish

endpoint, image = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="AKIDCOMPAT", aws_secret_access_key="compat-secret", region_name="us-east-1")
ecs = session.client("ecs", endpoint_url=endpoint)
# StartSyncExecution's endpoint has a host prefix ("sync-"); a local
# endpoint has no such host, as with any endpoint_url.
sfn = session.client("stepfunctions", endpoint_url=endpoint, config=botocore.config.Config(inject_host_prefix=False))
role = "arn:aws:iam::000000000000:role/sfn"


def wait(arn):
    for _ in range(600):
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.1)
    raise SystemExit("execution still running: " + arn)


# A task that fails: Retry runs it three times more, then Catch parses the Cause.
ecs.register_task_definition(family="sfn-boto3", containerDefinitions=[{"name": "app", "image": image, "memory": 32, "command": ["exit", "4"]}])
definition = {
    "StartAt": "Run",
    "States": {
        "Run": {
            "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
            "Parameters": {"TaskDefinition": "sfn-boto3"},
            "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.5}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
            "End": True,
        },
        "Recover": {"Type": "Pass", "Parameters": {"task.$": "States.StringToJson($.error.Cause)"}, "OutputPath": "$.task.Containers[0]", "End": True},
    },
}
sm = sfn.create_state_machine(name="boto3-flow", definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
ex = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
d = wait(ex)
check(d["status"] == "SUCCEEDED" and json.loads(d["output"])["ExitCode"] == 4, "runTask.sync failing, retried, caught: " + d["status"])
events = [e for page in sfn.get_paginator("get_execution_history").paginate(executionArn=ex, PaginationConfig={"PageSize": 4}) for e in page["events"]]
types = [e["type"] for e in events]
check(types.count("TaskSubmitted") == 3 and types.count("TaskFailed") == 3, "history paginator: 3 ECS tasks, 3 failures")
check([e["id"] for e in events] == list(range(1, len(events) + 1)), "history paginator: every event once, in order")
failed = [json.loads(e["taskFailedEventDetails"]["cause"]) for e in events if e["type"] == "TaskFailed"]
check(all(t["LastStatus"] == "STOPPED" and t["StartedBy"] == "AWS Step Functions" for t in failed), "TaskFailed causes are the stopped tasks")
tasks = ecs.describe_tasks(tasks=[t["TaskArn"] for t in failed])["tasks"]
check(len(tasks) == 3 and all(t["containers"][0]["exitCode"] == 4 for t in tasks), "the ECS tasks ran and exited 4")

# Express: start_sync_execution.
exp = sfn.create_state_machine(name="boto3-express", type="EXPRESS", roleArn=role,
                               definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": True}}}))["stateMachineArn"]
r = sfn.start_sync_execution(stateMachineArn=exp, input='{"a": 2, "b": 3}')
check(r["status"] == "SUCCEEDED" and json.loads(r["output"]) == {"sum": 5}, "start_sync_execution")

# The same with the host prefix turned off by the environment
# (AWS_DISABLE_HOST_PREFIX_INJECTION, read when the client is made).
os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
plain = session.client("stepfunctions", endpoint_url=endpoint)
del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]
r = plain.start_sync_execution(stateMachineArn=exp, input='{"a": 1, "b": 1}')
check(r["status"] == "SUCCEEDED" and json.loads(r["output"]) == {"sum": 2}, "start_sync_execution with AWS_DISABLE_HOST_PREFIX_INJECTION=true")

# With the prefix, when "sync-HOST" reaches ecsrun serve (a DNS name with a
# wildcard, a proxy): here the request goes to the endpoint's address with
# the prefixed Host header it was signed with, and is accepted.
prefixed = session.client("stepfunctions", endpoint_url=endpoint)
hosts = []


def reroute(request, **kwargs):
    u = urllib.parse.urlsplit(request.url)
    if u.hostname.startswith("sync-"):
        hosts.append(u.netloc)
        request.headers["Host"] = u.netloc
        request.url = request.url.replace("//sync-", "//", 1)


prefixed.meta.events.register("before-send.states.StartSyncExecution", reroute)
r = prefixed.start_sync_execution(stateMachineArn=exp, input='{"a": 2, "b": 2}')
check(hosts == ["sync-" + urllib.parse.urlsplit(endpoint).netloc] and r["status"] == "SUCCEEDED" and json.loads(r["output"]) == {"sum": 4},
      "start_sync_execution: a request to the sync- host, signed for it, is accepted")

# Task tokens: a waitForTaskToken state answered with send_task_success.
cb = sfn.create_state_machine(name="boto3-callback", roleArn=role, definition=json.dumps({
    "StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.waitForTaskToken", "End": True,
    "Parameters": {"TaskDefinition": "sfn-boto3", "Overrides": {"ContainerOverrides": [{"Name": "app", "Environment": [{"Name": "TOKEN", "Value.$": "$$.Task.Token"}]}]}}}}}))["stateMachineArn"]
ex = sfn.start_execution(stateMachineArn=cb)["executionArn"]
token = None
for _ in range(100):
    for e in sfn.get_execution_history(executionArn=ex)["events"]:
        if e["type"] == "TaskSubmitted":
            task = json.loads(e["taskSubmittedEventDetails"]["output"])["Tasks"][0]
            token = task["Overrides"]["ContainerOverrides"][0]["Environment"][0]["Value"]
    if token:
        break
    time.sleep(0.1)
sfn.send_task_heartbeat(taskToken=token)
sfn.send_task_success(taskToken=token, output='{"answered": true}')
d = wait(ex)
check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"answered": True}, "waitForTaskToken + send_task_success")
check(error_code(sfn.send_task_success, taskToken=token, output="{}") == "TaskTimedOut", "late send_task_success -> TaskTimedOut")
check(error_code(sfn.describe_state_machine, stateMachineArn="arn:aws:states:us-east-1:000000000000:stateMachine:nope") == "StateMachineDoesNotExist", "unknown state machine -> StateMachineDoesNotExist")
check(error_code(sfn.create_state_machine, name="bad", roleArn=role, definition='{"StartAt": "X", "States": {}}') == "InvalidDefinition", "invalid definition -> InvalidDefinition")

finish()
