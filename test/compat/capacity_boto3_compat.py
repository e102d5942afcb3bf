"""Capacity providers with boto3 against a running `ecsrun serve` whose
configuration declares the Auto Scaling group compat-asg-boto3 (see run.sh).

Usage: capacity_boto3_compat.py ENDPOINT IMAGE
"""
import sys

import boto3

from checks import check, error_code, finish

endpoint, image = sys.argv[1], sys.argv[2]
ecs = boto3.client("ecs", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="AKIDCOMPAT", aws_secret_access_key="compat-secret")

cp = ecs.create_capacity_provider(
    name="boto3-cp",
    autoScalingGroupProvider={"autoScalingGroupArn": "compat-asg-boto3",
                              "managedScaling": {"status": "ENABLED", "targetCapacity": 100, "instanceWarmupPeriod": 0}},
    tags=[{"key": "from", "value": "boto3"}])["capacityProvider"]
check(cp["status"] == "ACTIVE" and cp["capacityProviderArn"].endswith(":capacity-provider/boto3-cp")
      and ":autoScalingGroupName/compat-asg-boto3" in cp["autoScalingGroupProvider"]["autoScalingGroupArn"],
      "create_capacity_provider")
names, token = [], None
while True:
    kw = {"maxResults": 1}
    if token:
        kw["nextToken"] = token
    page = ecs.describe_capacity_providers(**kw)
    names += [p["name"] for p in page["capacityProviders"]]
    token = page.get("nextToken")
    if not token:
        break
check(names[:2] == ["FARGATE", "FARGATE_SPOT"] and "boto3-cp" in names, f"describe_capacity_providers paging: {names}")
missing = ecs.describe_capacity_providers(capacityProviders=["nope"])["failures"]
check(len(missing) == 1 and missing[0]["reason"] == "MISSING", "describe_capacity_providers of an unknown provider -> MISSING")
check(error_code(ecs.create_capacity_provider, name="boto3-x", autoScalingGroupProvider={"autoScalingGroupArn": "no-such-group"}) == "ClientException",
      "an undeclared Auto Scaling group -> ClientException")

ecs.create_cluster(clusterName="boto3-fargate", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                   defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                                                    {"capacityProvider": "FARGATE_SPOT", "weight": 1}])
c = ecs.describe_clusters(clusters=["boto3-fargate"])["clusters"][0]
check(c["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"] and c["defaultCapacityProviderStrategy"][0]["base"] == 1,
      "create_cluster with capacity providers and a default strategy")
check(error_code(ecs.put_cluster_capacity_providers, cluster="boto3-fargate", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                 defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "base": 1}, {"capacityProvider": "FARGATE_SPOT", "base": 1, "weight": 1}])
      == "InvalidParameterException", "a strategy with two bases -> InvalidParameterException")
check(error_code(ecs.put_cluster_capacity_providers, cluster="boto3-fargate", capacityProviders=["FARGATE"],
                 defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
      == "InvalidParameterException", "a strategy naming a provider the cluster lacks -> InvalidParameterException")

ecs.create_cluster(clusterName="boto3-asg")
ecs.put_cluster_capacity_providers(cluster="boto3-asg", capacityProviders=["boto3-cp"], defaultCapacityProviderStrategy=[])
ecs.register_task_definition(family="boto3-cap", cpu="256", memory="128",
                             containerDefinitions=[{"name": "app", "image": image, "command": ["forever"], "stopTimeout": 2}])
tasks = ecs.run_task(cluster="boto3-asg", taskDefinition="boto3-cap", count=2,
                     capacityProviderStrategy=[{"capacityProvider": "boto3-cp", "weight": 1}])["tasks"]
arns = [t["taskArn"] for t in tasks]
check([t["capacityProviderName"] for t in tasks] == ["boto3-cp", "boto3-cp"], "run_task with a capacity provider strategy")
ecs.get_waiter("tasks_running").wait(cluster="boto3-asg", tasks=arns, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
running = ecs.describe_tasks(cluster="boto3-asg", tasks=arns)["tasks"]
check(all(t["lastStatus"] == "RUNNING" and t.get("containerInstanceArn") for t in running), "the tasks run on instances managed scaling launched")
for a in arns:
    ecs.stop_task(cluster="boto3-asg", task=a)
ecs.get_waiter("tasks_stopped").wait(cluster="boto3-asg", tasks=arns, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
updated = ecs.update_capacity_provider(name="boto3-cp", autoScalingGroupProvider={"managedTerminationProtection": "DISABLED"})["capacityProvider"]
check(updated["updateStatus"] == "UPDATE_IN_PROGRESS", "update_capacity_provider")
finish()
