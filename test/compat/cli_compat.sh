#!/usr/bin/env bash
# The AWS CLI against a running `ecsrun serve`. Usage: cli_compat.sh ENDPOINT IMAGE
set -uo pipefail
endpoint=$1 image=$2
export AWS_ACCESS_KEY_ID=AKIDCOMPAT AWS_SECRET_ACCESS_KEY=compat-secret AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$endpoint" "$@"; }
failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=$((failed + 1)); fi; }

aws ecs create-cluster --cluster-name cli >/dev/null
check "create-cluster, describe-clusters" '[ "$(aws ecs describe-clusters --clusters cli --query "clusters[0].status" --output text)" = ACTIVE ]'
aws ecs register-task-definition --family cli-run --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"memory\":32,\"command\":[\"out\",\"hi from the cli\",\"--\",\"exit\",\"5\"]}]" >/dev/null
arns=$(aws ecs run-task --cluster cli --task-definition cli-run --count 2 --query 'tasks[].taskArn' --output text)
check "run-task --count 2" '[ $(echo $arns | wc -w) = 2 ]'
aws ecs wait tasks-stopped --cluster cli --tasks $arns
check "wait tasks-stopped, exit codes" '[ "$(aws ecs describe-tasks --cluster cli --tasks $arns --query "tasks[].containers[0].exitCode" --output text)" = "5	5" ]'
check "list-tasks --desired-status STOPPED" '[ $(aws ecs list-tasks --cluster cli --desired-status STOPPED --query "length(taskArns)") = 2 ]'
first=$(echo $arns | awk "{print \$1}")
check "logs get-log-events" '[ "$(aws logs get-log-events --log-group-name /ecsrun/tasks --log-stream-name cli-run/app/${first##*/} --start-from-head --query "events[0].message" --output text)" = "hi from the cli" ]'
err=$(aws ecs list-tasks --cluster ghost 2>&1)
check "unknown cluster error" '[[ "$err" == *ClusterNotFoundException* ]]'
check "describe-tasks of an unknown task -> failures MISSING" '[ "$(aws ecs describe-tasks --cluster cli --tasks 0123456789abcdef0123456789abcdef --query "failures[0].reason" --output text)" = MISSING ]'
err=$(aws ecs register-task-definition --family cli-bad --container-definitions '[{"name":"app","image":"x"}]' 2>&1)
check "register-task-definition without memory -> ClientException" '[[ "$err" == *ClientException* ]]'
for _ in 1 2 3 4 5 6 7; do aws ecs register-task-definition --family cli-pages --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"memory\":32}]" >/dev/null; done
check "list-task-definitions --page-size 3 over 7 revisions" '[ "$(aws ecs list-task-definitions --family-prefix cli-pages --page-size 3 --query "[length(taskDefinitionArns), taskDefinitionArns[-1]]" --output json | tr -d " \n")" = "[7,\"arn:aws:ecs:us-east-1:000000000000:task-definition/cli-pages:7\"]" ]'
aws ecs register-task-definition --family cli-long --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"memory\":32,\"command\":[\"forever\"],\"stopTimeout\":2}]" >/dev/null
long=$(aws ecs run-task --cluster cli --task-definition cli-long --query 'tasks[0].taskArn' --output text)
aws ecs wait tasks-running --cluster cli --tasks "$long"
check "wait tasks-running" '[ "$(aws ecs describe-tasks --cluster cli --tasks "$long" --query "tasks[0].lastStatus" --output text)" = RUNNING ]'
aws ecs stop-task --cluster cli --task "$long" --reason "cli compat" >/dev/null
aws ecs wait tasks-stopped --cluster cli --tasks "$long"
check "stop-task --reason, wait tasks-stopped" '[ "$(aws ecs describe-tasks --cluster cli --tasks "$long" --query "tasks[0].[stopCode,stoppedReason]" --output text)" = "UserInitiated	cli compat" ]'
# Tags, include TAGS, DeleteTaskDefinitions.
td=$(aws ecs describe-task-definition --task-definition cli-run --query taskDefinition.taskDefinitionArn --output text)
aws ecs tag-resource --resource-arn "$td" --tags key=env,value=ci key=team,value=a >/dev/null
aws ecs untag-resource --resource-arn "$td" --tag-keys team >/dev/null
check "tag-resource, untag-resource, list-tags-for-resource" '[ "$(aws ecs list-tags-for-resource --resource-arn "$td" --query "tags[].key" --output text)" = env ]'
check "describe-task-definition --include TAGS" '[ "$(aws ecs describe-task-definition --task-definition "$td" --include TAGS --query "tags[0].value" --output text)" = ci ]'
aws ecs tag-resource --resource-arn "$first" --tags key=run,value=1 >/dev/null
check "describe-tasks --include TAGS" '[ "$(aws ecs describe-tasks --cluster cli --tasks "$first" --include TAGS --query "tasks[0].tags[0].key" --output text)" = run ]'
err=$(aws ecs tag-resource --resource-arn arn:aws:ecs:us-east-1:000000000000:cluster/ghost --tags key=a,value=b 2>&1)
check "tag-resource of an unknown cluster" '[[ "$err" == *ClusterNotFoundException* ]]'
check "delete-task-definitions of an ACTIVE revision -> failure" '[[ "$(aws ecs delete-task-definitions --task-definitions "$td" --query "failures[0].reason" --output text)" == *ACTIVE* ]]'
aws ecs deregister-task-definition --task-definition "$td" >/dev/null
check "delete-task-definitions of an INACTIVE revision" '[ "$(aws ecs delete-task-definitions --task-definitions "$td" --query "taskDefinitions[0].status" --output text)" = DELETE_IN_PROGRESS ]'
err=$(aws ecs run-task --cluster cli --task-definition "$td" 2>&1)
check "run-task of a deleted revision" '[[ "$err" == *InvalidParameterException* ]]'
err=$(AWS_SECRET_ACCESS_KEY=wrong command aws --endpoint-url "$endpoint" ecs list-clusters 2>&1)
check "wrongly signed request" '[[ "$err" == *InvalidSignatureException* ]]'
# Container instances and placement: the cluster "placement" and its six
# instances over three zones come from the --config file run.sh gives serve.
check "list-container-instances (declared by serve --config)" '[ $(aws ecs list-container-instances --cluster placement --query "length(containerInstanceArns)") = 6 ]'
aws ecs register-task-definition --family cli-place --container-definitions "[{\"name\":\"app\",\"image\":\"$image\",\"memory\":32,\"command\":[\"exit\",\"0\"]}]" >/dev/null
zones=$(aws ecs run-task --cluster placement --task-definition cli-place --count 6 --placement-strategy type=spread,field=attribute:ecs.availability-zone --query 'tasks[].availabilityZone' --output text | tr '\t' '\n' | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')
check "run-task --placement-strategy spread over zones: 2/2/2" '[ "$zones" = "2 2 2 " ]'
ci=$(aws ecs register-container-instance --cluster cli --total-resources name=CPU,type=INTEGER,integerValue=1024 name=MEMORY,type=INTEGER,integerValue=64 --attributes name=stack,value=blue --query containerInstance.containerInstanceArn --output text)
check "register-container-instance, describe-container-instances" '[ "$(aws ecs describe-container-instances --cluster cli --container-instances $ci --query "containerInstances[0].[status,remainingResources[?name==\`MEMORY\`].integerValue|[0]]" --output text)" = "ACTIVE	64" ]'
aws ecs put-attributes --cluster cli --attributes name=rack,value=r1,targetId=$ci >/dev/null
check "put-attributes, list-attributes" '[ "$(aws ecs list-attributes --cluster cli --target-type container-instance --attribute-name rack --query "attributes[0].value" --output text)" = r1 ]'
placed=$(aws ecs run-task --cluster cli --task-definition cli-place --count 3 --query '[length(tasks), failures[0].reason]' --output text)
check "run-task over the instance's memory: 2 placed, failures RESOURCE:MEMORY" '[ "$placed" = "2	RESOURCE:MEMORY" ]'
aws ecs update-container-instances-state --cluster cli --container-instances $ci --status DRAINING >/dev/null
check "update-container-instances-state DRAINING" '[ "$(aws ecs list-container-instances --cluster cli --status DRAINING --query "containerInstanceArns[0]" --output text)" = "$ci" ]'
aws ecs deregister-container-instance --cluster cli --container-instance $ci --force >/dev/null
err=$(aws ecs run-task --cluster cli --task-definition cli-place --launch-type EC2 2>&1)
check "deregister-container-instance, then run-task --launch-type EC2 -> no container instances" '[[ "$err" == *"No Container Instances were found in your cluster."* ]]'
# Services: the CLI's own waiters (services-stable, services-inactive).
aws ecs create-cluster --cluster-name cli-svc >/dev/null
aws ecs create-service --cluster cli-svc --service-name web --task-definition cli-long --desired-count 2 >/dev/null
aws ecs wait services-stable --cluster cli-svc --services web
check "create-service, wait services-stable" '[ "$(aws ecs describe-services --cluster cli-svc --services web --query "services[0].[runningCount,length(deployments)]" --output text)" = "2	1" ]'
check "list-tasks --service-name" '[ $(aws ecs list-tasks --cluster cli-svc --service-name web --query "length(taskArns)") = 2 ]'
check "list-services" '[ "$(aws ecs list-services --cluster cli-svc --query "serviceArns[0]" --output text)" = arn:aws:ecs:us-east-1:000000000000:service/cli-svc/web ]'
aws ecs update-service --cluster cli-svc --service web --desired-count 1 >/dev/null
aws ecs wait services-stable --cluster cli-svc --services web
check "update-service --desired-count 1, wait services-stable" '[ "$(aws ecs describe-services --cluster cli-svc --services web --query "services[0].runningCount" --output text)" = 1 ]'
err=$(aws ecs delete-service --cluster cli-svc --service web 2>&1)
check "delete-service scaled above 0 -> InvalidParameterException" '[[ "$err" == *"scaled above 0"* ]]'
aws ecs delete-service --cluster cli-svc --service web --force >/dev/null
aws ecs wait services-inactive --cluster cli-svc --services web
check "delete-service --force, wait services-inactive" '[ "$(aws ecs describe-services --cluster cli-svc --services web --query "services[0].status" --output text)" = INACTIVE ]'
check "list-services does not list a deleted service" '[ $(aws ecs list-services --cluster cli-svc --query "length(serviceArns)") = 0 ]'
# Scale-in keeps a service balanced over zones (the "placement" cluster's
# six instances over three zones); placement updates start no deployment; a
# capacity provider strategy change needs --force-new-deployment.
aws ecs create-service --cluster placement --service-name zonal --task-definition cli-long --desired-count 6 >/dev/null
aws ecs wait services-stable --cluster placement --services zonal
aws ecs update-service --cluster placement --service zonal --desired-count 3 >/dev/null
aws ecs wait services-stable --cluster placement --services zonal
zones=$(aws ecs describe-tasks --cluster placement --tasks $(aws ecs list-tasks --cluster placement --service-name zonal --query 'taskArns' --output text) --query 'tasks[].availabilityZone' --output text | tr '\t' '\n' | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')
check "update-service 6 -> 3 over three zones leaves 1/1/1" '[ "$zones" = "1 1 1 " ]'
check "update-service --placement-strategy starts no deployment" '[ "$(aws ecs update-service --cluster placement --service zonal --placement-strategy type=binpack,field=memory --query "length(service.deployments)")" = 1 ]'
err=$(aws ecs update-service --cluster placement --service zonal --capacity-provider-strategy capacityProvider=FARGATE,weight=1 2>&1)
check "update-service --capacity-provider-strategy without --force-new-deployment -> InvalidParameterException" '[[ "$err" == *"you must force a new deployment"* ]]'
aws ecs delete-service --cluster placement --service zonal --force >/dev/null
aws ecs wait services-inactive --cluster placement --services zonal
echo "$failed failed"
[ "$failed" = 0 ]
