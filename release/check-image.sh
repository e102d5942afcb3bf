#!/usr/bin/env bash
# Checks the ecsrun image as docs/install.md documents it: `ecsrun serve` in
# the container, with the Docker socket, the state directory at the same path
# on both sides and host networking, runs a task the AWS CLI asks for.
#
#   release/check-image.sh IMAGE
#
# Needs the AWS CLI and ecsrun-example/hello:latest (examples/hello/build.sh).
# The task endpoints stay on loopback (--task-endpoint loopback): on a shared
# CI machine the engine in the container must not take 169.254.170.2:80 from
# the host's engines, whose lock (/run/ecsrun) it does not see.
set -euo pipefail
image=${1:?usage: release/check-image.sh IMAGE}
cd "$(dirname "$0")/.."
state=$(mktemp -d)
name=ecsrun-image-check-$$
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker rm -f $(docker ps -aq --filter "label=io.ecsrun.engine" --filter "label=com.amazonaws.ecs.task-definition-family=hello" --filter "label=com.amazonaws.ecs.cluster=image-check") >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
docker run -d --name "$name" --network host \
  -v /var/run/docker.sock:/var/run/docker.sock -v "$state:$state" \
  "$image" serve --state-dir "$state" --listen 127.0.0.1:0 --task-endpoint loopback >/dev/null
for _ in $(seq 1 300); do
  [ -s "$state/serve.json" ] && break
  if [ "$(docker inspect -f '{{.State.Running}}' "$name")" != true ]; then
    docker logs "$name"; echo "check-image: ecsrun serve exited"; exit 1
  fi
  sleep 0.1
done
[ -s "$state/serve.json" ] || { docker logs "$name"; echo "check-image: serve.json never appeared"; exit 1; }
endpoint=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$state/serve.json")
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1
ecs() { aws --endpoint-url "$endpoint" ecs "$@"; }
ecs create-cluster --cluster-name image-check >/dev/null
ecs register-task-definition --cli-input-json file://examples/hello/taskdef.json >/dev/null
task=$(ecs run-task --cluster image-check --task-definition hello --query 'tasks[0].taskArn' --output text)
ecs wait tasks-stopped --cluster image-check --tasks "$task"
code=$(ecs describe-tasks --cluster image-check --tasks "$task" --query 'tasks[0].containers[0].exitCode' --output text)
if [ "$code" != 0 ]; then
  docker logs "$name"; echo "check-image: the task's exit code is $code; want 0"; exit 1
fi
aws --endpoint-url "$endpoint" logs filter-log-events --log-group-name /ecsrun/tasks \
  --query 'events[].message' --output text | grep -q "hello, ecsrun, from a container" || {
  docker logs "$name"; echo "check-image: the task's output is not in /ecsrun/tasks"; exit 1; }
echo "check-image: $image serves the engine (task $task exited 0, its output logged)"
