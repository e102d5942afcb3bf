"""boto3 against a running `ecsrun serve`: the client, its paginators and
waiters work unmodified. Run by test/compat/run.sh, which starts the server.

Usage: python3 boto3_compat.py ENDPOINT IMAGE
"""
import sys

import boto3

from checks import check, error_code, finish

endpoint, image = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="AKIDCOMPAT", aws_secret_access_key="compat-secret", region_name="us-east-1")
ecs = session.client("ecs", endpoint_url=endpoint)
logs = session.client("logs", endpoint_url=endpoint)


# Cluster lifecycle.
ecs.create_cluster(clusterName="boto3")
check("arn:aws:ecs:us-east-1:000000000000:cluster/boto3" in ecs.list_clusters()["clusterArns"], "create_cluster/list_clusters")
check(error_code(ecs.run_task, cluster="ghost", taskDefinition="x") == "ClusterNotFoundException", "unknown cluster -> ClusterNotFoundException")

# Many revisions through the paginator.
for i in range(12):
    ecs.register_task_definition(family="boto3-pages", containerDefinitions=[{"name": "app", "image": image, "memory": 32, "command": ["exit", "0"]}])
arns = [a for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix="boto3-pages", PaginationConfig={"PageSize": 5}) for a in page["taskDefinitionArns"]]
check(len(arns) == 12 and arns[0].endswith(":1") and arns[-1].endswith(":12"), "list_task_definitions paginator over 12 revisions in 3 pages")
check(error_code(ecs.register_task_definition, family="bad", containerDefinitions=[{"name": "app", "image": image}]) == "ClientException", "definition without memory -> ClientException")

# Run with count, wait with the waiter, read the logs.
ecs.register_task_definition(family="boto3-run", containerDefinitions=[{"name": "app", "image": image, "memory": 32, "command": ["out", "hello from boto3", "--", "exit", "3"]}])
run = ecs.run_task(cluster="boto3", taskDefinition="boto3-run", count=3)
task_arns = [t["taskArn"] for t in run["tasks"]]
check(len(task_arns) == 3 and run["failures"] == [], "run_task count=3")
ecs.get_waiter("tasks_stopped").wait(cluster="boto3", tasks=task_arns, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
described = ecs.describe_tasks(cluster="boto3", tasks=task_arns + ["0123456789abcdef0123456789abcdef"])
codes = [c["exitCode"] for t in described["tasks"] for c in t["containers"]]
check(codes == [3, 3, 3], "tasks_stopped waiter, then exit codes 3")
check([f["reason"] for f in described["failures"]] == ["MISSING"], "describe_tasks of an unknown task -> failures MISSING")
task_id = task_arns[0].rsplit("/", 1)[1]
events = logs.get_log_events(logGroupName="/ecsrun/tasks", logStreamName="boto3-run/app/" + task_id, startFromHead=True)["events"]
check([e["message"] for e in events] == ["hello from boto3"], "get_log_events of the task's container")

# Idempotency: the same clientToken and parameters answer the same task;
# other parameters with it are a ConflictException.
once = ecs.run_task(cluster="boto3", taskDefinition="boto3-run", clientToken="boto3-idem")["tasks"][0]["taskArn"]
again = ecs.run_task(cluster="boto3", taskDefinition="boto3-run", clientToken="boto3-idem")["tasks"][0]["taskArn"]
check(once == again, "run_task with the same clientToken answers the same task")
check(error_code(ecs.run_task, cluster="boto3", taskDefinition="boto3-run", count=2, clientToken="boto3-idem") == "ConflictException", "run_task with the same clientToken and another count -> ConflictException")

# Stop with a reason.
ecs.register_task_definition(family="boto3-long", containerDefinitions=[{"name": "app", "image": image, "memory": 32, "command": ["forever"], "stopTimeout": 2}])
long_arn = ecs.run_task(cluster="boto3", taskDefinition="boto3-long")["tasks"][0]["taskArn"]
ecs.get_waiter("tasks_running").wait(cluster="boto3", tasks=[long_arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
ecs.stop_task(cluster="boto3", task=long_arn, reason="compat test")
ecs.get_waiter("tasks_stopped").wait(cluster="boto3", tasks=[long_arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
t = ecs.describe_tasks(cluster="boto3", tasks=[long_arn])["tasks"][0]
check(t["stopCode"] == "UserInitiated" and t["stoppedReason"] == "compat test", "stop_task with a reason")

# Inactive revisions.
ecs.deregister_task_definition(taskDefinition="boto3-run:1")
check(error_code(ecs.run_task, cluster="boto3", taskDefinition="boto3-run:1") == "InvalidParameterException", "run_task of an inactive revision -> InvalidParameterException")

# Tags on clusters, task definitions and tasks; include TAGS.
td_arn = ecs.describe_task_definition(taskDefinition="boto3-long:1")["taskDefinition"]["taskDefinitionArn"]
for arn in ["arn:aws:ecs:us-east-1:000000000000:cluster/boto3", td_arn, long_arn]:
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "ci"}, {"key": "team", "value": "a"}])
    ecs.untag_resource(resourceArn=arn, tagKeys=["team"])
    check(ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "ci"}], "tag_resource/untag_resource/list_tags_for_resource " + arn.split(":")[5].split("/")[0])
check(ecs.describe_clusters(clusters=["boto3"], include=["TAGS"])["clusters"][0]["tags"] == [{"key": "env", "value": "ci"}], "describe_clusters include TAGS")
check(ecs.describe_task_definition(taskDefinition=td_arn, include=["TAGS"])["tags"] == [{"key": "env", "value": "ci"}], "describe_task_definition include TAGS")
check(ecs.describe_tasks(cluster="boto3", tasks=[long_arn], include=["TAGS"])["tasks"][0]["tags"] == [{"key": "env", "value": "ci"}], "describe_tasks include TAGS")
check("tags" not in ecs.describe_tasks(cluster="boto3", tasks=[long_arn])["tasks"][0], "describe_tasks without include has no tags")
check(error_code(ecs.tag_resource, resourceArn="arn:aws:ecs:us-east-1:000000000000:task/boto3/0123", tags=[{"key": "a", "value": "b"}]) == "ResourceNotFoundException", "tag_resource of an unknown task -> ResourceNotFoundException")
check(error_code(ecs.tag_resource, resourceArn=td_arn, tags=[{"key": "aws:x", "value": "b"}]) == "InvalidParameterException", "tag_resource with an aws: key -> InvalidParameterException")
check(error_code(ecs.list_tags_for_resource, resourceArn="not-an-arn") == "InvalidParameterException", "list_tags_for_resource of a bad ARN -> InvalidParameterException")

# Delete task definitions: only INACTIVE revisions.
deleted = ecs.delete_task_definitions(taskDefinitions=["boto3-run:1", "boto3-long:1"])
check([t["status"] for t in deleted["taskDefinitions"]] == ["DELETE_IN_PROGRESS"] and len(deleted["failures"]) == 1 and "ACTIVE" in deleted["failures"][0]["reason"],
      "delete_task_definitions: INACTIVE -> DELETE_IN_PROGRESS, ACTIVE -> failure")
check(ecs.list_task_definitions(familyPrefix="boto3-run", status="DELETE_IN_PROGRESS")["taskDefinitionArns"] == [deleted["taskDefinitions"][0]["taskDefinitionArn"]], "list_task_definitions status DELETE_IN_PROGRESS")

# A wrongly signed request.
bad = boto3.session.Session(aws_access_key_id="AKIDCOMPAT", aws_secret_access_key="wrong", region_name="us-east-1").client("ecs", endpoint_url=endpoint)
check(error_code(bad.list_clusters) == "InvalidSignatureException", "wrong secret -> InvalidSignatureException")

# Container instances, attributes and placement (virtual instances: their
# tasks run on the local Docker engine).
ecs.create_cluster(clusterName="boto3-placement")
instances = {}
for i, (zone, itype) in enumerate([("us-east-1a", "t3.micro"), ("us-east-1b", "m5.large"), ("us-east-1c", "m5.large")]):
    ci = ecs.register_container_instance(
        cluster="boto3-placement",
        totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1024}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 512}],
        attributes=[{"name": "ecs.availability-zone", "value": zone}, {"name": "ecs.instance-type", "value": itype}],
        tags=[{"key": "n", "value": str(i)}])["containerInstance"]
    instances[ci["containerInstanceArn"]] = zone
listed = [a for page in ecs.get_paginator("list_container_instances").paginate(cluster="boto3-placement", PaginationConfig={"PageSize": 2}) for a in page["containerInstanceArns"]]
check(sorted(listed) == sorted(instances), "register_container_instance x3, list_container_instances paginator")
t3 = ecs.list_container_instances(cluster="boto3-placement", filter="attribute:ecs.instance-type =~ t3.*")["containerInstanceArns"]
check(len(t3) == 1 and instances[t3[0]] == "us-east-1a", "list_container_instances with a cluster query language filter")
d = ecs.describe_container_instances(cluster="boto3-placement", containerInstances=t3 + ["0123456789abcdef"], include=["TAGS"])
check(d["containerInstances"][0]["tags"] == [{"key": "n", "value": "0"}] and [f["reason"] for f in d["failures"]] == ["MISSING"], "describe_container_instances with TAGS and a MISSING failure")
ecs.register_task_definition(family="boto3-place", containerDefinitions=[{"name": "app", "image": image, "memory": 128, "command": ["exit", "0"]}])
run = ecs.run_task(cluster="boto3-placement", taskDefinition="boto3-place", count=4, placementConstraints=[{"type": "distinctInstance"}])
check(len({t["containerInstanceArn"] for t in run["tasks"]}) == 3 and [f["reason"] for f in run["failures"]] == ["DistinctInstance placement constraint unsatisfied."],
      "run_task distinctInstance: 3 tasks on distinct instances, 1 failure")
ecs.put_attributes(cluster="boto3-placement", attributes=[{"name": "stack", "value": "blue", "targetId": t3[0]}])
check([a["targetId"] for a in ecs.list_attributes(cluster="boto3-placement", targetType="container-instance", attributeName="stack")["attributes"]] == t3, "put_attributes, list_attributes")
run = ecs.run_task(cluster="boto3-placement", taskDefinition="boto3-place", placementConstraints=[{"type": "memberOf", "expression": "attribute:stack == blue"}])
check([t["containerInstanceArn"] for t in run["tasks"]] == t3, "run_task memberOf on a custom attribute")
check(error_code(ecs.put_attributes, cluster="boto3-placement", attributes=[{"name": "x", "targetId": t3[0][:-4] + "0000"}]) == "TargetNotFoundException", "put_attributes on an unknown target -> TargetNotFoundException")
ecs.delete_attributes(cluster="boto3-placement", attributes=[{"name": "stack", "targetId": t3[0]}])
check(ecs.list_attributes(cluster="boto3-placement", targetType="container-instance", attributeName="stack")["attributes"] == [], "delete_attributes")
ecs.register_task_definition(family="boto3-pinned", containerDefinitions=[{"name": "app", "image": image, "memory": 32, "command": ["forever"], "stopTimeout": 2}])
pinned = ecs.run_task(cluster="boto3-placement", taskDefinition="boto3-pinned", placementConstraints=[{"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1a"}])["tasks"][0]["taskArn"]
check(error_code(ecs.deregister_container_instance, cluster="boto3-placement", containerInstance=t3[0]) == "InvalidParameterException", "deregister_container_instance with a task on it -> InvalidParameterException")
gone = ecs.deregister_container_instance(cluster="boto3-placement", containerInstance=t3[0], force=True)["containerInstance"]
ecs.get_waiter("tasks_stopped").wait(cluster="boto3-placement", tasks=[pinned], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
t = ecs.describe_tasks(cluster="boto3-placement", tasks=[pinned])["tasks"][0]
check(gone["status"] == "INACTIVE" and t["stoppedReason"] == "Container instance deregistration forced by user", "deregister_container_instance force=True stops its tasks")

# Services: create, the services_stable waiter, replacement, a rolling
# update, delete and the services_inactive waiter.
ecs.create_cluster(clusterName="boto3-svc")
svc = ecs.create_service(cluster="boto3-svc", serviceName="web", taskDefinition="boto3-long", desiredCount=2,
                         tags=[{"key": "team", "value": "a"}], propagateTags="SERVICE")["service"]
check(svc["serviceArn"] == "arn:aws:ecs:us-east-1:000000000000:service/boto3-svc/web" and svc["status"] == "ACTIVE", "create_service")
check(error_code(ecs.create_service, cluster="boto3-svc", serviceName="web", taskDefinition="boto3-long", desiredCount=3) == "InvalidParameterException", "create_service of an existing name, other parameters -> InvalidParameterException")
stable = ecs.get_waiter("services_stable")
stable.wait(cluster="boto3-svc", services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
s = ecs.describe_services(cluster="boto3-svc", services=["web", "ghost"], include=["TAGS"])
check(s["services"][0]["runningCount"] == 2 and s["services"][0]["tags"] == [{"key": "team", "value": "a"}] and [f["reason"] for f in s["failures"]] == ["MISSING"],
      "services_stable waiter, describe_services with TAGS and a MISSING failure")
svc_tasks = ecs.list_tasks(cluster="boto3-svc", serviceName="web")["taskArns"]
described = ecs.describe_tasks(cluster="boto3-svc", tasks=svc_tasks, include=["TAGS"])["tasks"]
check(len(svc_tasks) == 2 and all(t["group"] == "service:web" and t["startedBy"].startswith("ecs-svc/") and t["tags"] == [{"key": "team", "value": "a"}] for t in described),
      "list_tasks serviceName: tasks with group service:web, startedBy ecs-svc/..., the service's tags")
ecs.stop_task(cluster="boto3-svc", task=svc_tasks[0])
ecs.get_waiter("tasks_stopped").wait(cluster="boto3-svc", tasks=[svc_tasks[0]], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
stable.wait(cluster="boto3-svc", services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
now = ecs.list_tasks(cluster="boto3-svc", serviceName="web")["taskArns"]
check(len(now) == 2 and svc_tasks[0] not in now, "a stopped service task is replaced")
ecs.register_task_definition(family="boto3-long", containerDefinitions=[{"name": "app", "image": image, "memory": 32, "command": ["forever"], "stopTimeout": 2}])
up = ecs.update_service(cluster="boto3-svc", service="web", taskDefinition="boto3-long")["service"]
check(len(up["deployments"]) == 2 and up["deployments"][0]["status"] == "PRIMARY", "update_service to a new revision starts a deployment")
stable.wait(cluster="boto3-svc", services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
tds = {t["taskDefinitionArn"].rsplit(":", 1)[1] for t in ecs.describe_tasks(cluster="boto3-svc", tasks=ecs.list_tasks(cluster="boto3-svc", serviceName="web")["taskArns"])["tasks"]}
check(tds == {"2"}, "the rolling update replaced every task with the new revision")
ecs.tag_resource(resourceArn=svc["serviceArn"], tags=[{"key": "env", "value": "ci"}])
check(ecs.list_tags_for_resource(resourceArn=svc["serviceArn"])["tags"] == [{"key": "team", "value": "a"}, {"key": "env", "value": "ci"}], "tag_resource/list_tags_for_resource of a service")
check(error_code(ecs.update_service, cluster="boto3-svc", service="ghost", desiredCount=1) == "ServiceNotFoundException", "update_service of an unknown service -> ServiceNotFoundException")
check(error_code(ecs.delete_service, cluster="boto3-svc", service="web") == "InvalidParameterException", "delete_service scaled above 0 -> InvalidParameterException")
check(ecs.delete_service(cluster="boto3-svc", service="web", force=True)["service"]["status"] == "DRAINING", "delete_service force=True -> DRAINING")
check(ecs.list_services(cluster="boto3-svc")["serviceArns"] == [], "list_services does not list a deleted service")
ecs.get_waiter("services_inactive").wait(cluster="boto3-svc", services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
check(ecs.describe_services(cluster="boto3-svc", services=["web"])["services"][0]["status"] == "INACTIVE", "services_inactive waiter")
check(error_code(ecs.update_service, cluster="boto3-svc", service="web", desiredCount=1) == "ServiceNotActiveException", "update_service of an inactive service -> ServiceNotActiveException")

finish()
