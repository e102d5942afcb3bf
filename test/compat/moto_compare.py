"""Side by side: one scripted boto3 sequence against `ecsrun serve` and
against `moto_server`, compared with what real Amazon ECS answers.

Usage: moto_compare.py ECSRUN_ENDPOINT IMAGE

ECSRUN_ENDPOINT is a running `ecsrun serve` (signed with ECSRUN_ACCESS_KEY_ID /
ECSRUN_SECRET_ACCESS_KEY, default AKIDCOMPAT / compat-secret as
test/compat/run.sh sets them); IMAGE is the toolbox image
(ecsrun-test/toolbox). The script starts moto_server itself on a free loopback
port and stops it at the end.

Every check records what each backend answers and compares it with what real
ECS answers, according to ../shared/reference/ecs-semantics.md and the botocore
model (the "source" column). It prints a Markdown table and exits 1 when
ecsrun differs from real ECS where no documented reason (by design, or a
known gap with its issue) says so, so that `.ci/run` keeps the summary in docs/development.md
true. moto's differences are reported, never fatal.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

ECSRUN, IMAGE = sys.argv[1], sys.argv[2]
NO_RETRY = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30)


class Backend:
    def __init__(self, name, endpoint, key, secret):
        self.name = name
        s = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1")
        self.ecs = s.client("ecs", endpoint_url=endpoint, config=NO_RETRY)
        self.logs = s.client("logs", endpoint_url=endpoint, config=NO_RETRY)
        self.ec2 = s.client("ec2", endpoint_url=endpoint, config=NO_RETRY)
        self.endpoint = endpoint
        self.cluster = "compare"


def outcome(fn):
    """Runs fn; an API error becomes its error type, a 5xx without one "HTTP 500"."""
    try:
        return fn()
    except botocore.exceptions.ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if not code or code.isdigit():
            return f"HTTP {status} (no error type)"
        return code
    except botocore.exceptions.WaiterError:
        return "waiter gave up"


def container(name, command, **kw):
    c = {"name": name, "image": IMAGE, "memory": 32, "command": command}
    c.update(kw)
    return c


def register(b, family, *containers, **kw):
    return b.ecs.register_task_definition(family=family, containerDefinitions=list(containers), **kw)["taskDefinition"]


def run(b, family, **kw):
    return b.ecs.run_task(cluster=b.cluster, taskDefinition=family, **kw)


def wait_stopped(b, arns):
    b.ecs.get_waiter("tasks_stopped").wait(cluster=b.cluster, tasks=arns, WaiterConfig={"Delay": 1, "MaxAttempts": 45})
    return b.ecs.describe_tasks(cluster=b.cluster, tasks=arns)["tasks"]


def wait_container(b, arn, name, status):
    for _ in range(45):
        t = b.ecs.describe_tasks(cluster=b.cluster, tasks=[arn])["tasks"][0]
        if any(c["name"] == name and c["lastStatus"] == status for c in t["containers"]):
            return t
        time.sleep(1)
    return t


# Each check: (id, behaviour, real ECS answer, source, function of a backend,
# ecsrun's documented reason when it differs on purpose). Functions return a
# short string; they may assume the checks before them ran.
def c_empty_cluster(b):
    b.ecs.create_cluster(clusterName="no-instances")
    register(b, "cmp-empty", container("app", ["exit", "0"]))
    r = b.ecs.run_task(cluster="no-instances", taskDefinition="cmp-empty", launchType="EC2")
    return f"{len(r['tasks'])} task(s) started"


def c_no_memory(b):
    return outcome(lambda: register(b, "cmp-bad", {"name": "app", "image": IMAGE}) and "accepted")


def c_bad_family(b):
    return outcome(lambda: register(b, "bad name!", container("app", ["exit", "0"])) and "accepted")


def c_run_count(b):
    register(b, "cmp-exit3", container("app", ["out", "hello from the task", "--", "exit", "3"],
                                      logConfiguration={"logDriver": "awslogs", "options": {
                                          "awslogs-group": "/compare", "awslogs-create-group": "true",
                                          "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}))
    r = run(b, "cmp-exit3", count=3)
    b.exit3 = [t["taskArn"] for t in r["tasks"]]
    b.first_status = r["tasks"][0]["lastStatus"] if r["tasks"] else "-"
    return f"{len(r['tasks'])} tasks, {len(r['failures'])} failures"


def c_first_status(b):
    return b.first_status


def c_exit_codes(b):
    tasks = outcome(lambda: wait_stopped(b, b.exit3))
    if isinstance(tasks, str):
        return tasks
    b.exit3_tasks = tasks
    return "exit codes " + ",".join(str(c.get("exitCode")) for t in tasks for c in t["containers"])


def c_stop_code(b):
    t = b.exit3_tasks[0]
    return f"{t.get('stopCode')} / {t.get('stoppedReason')}"


def c_container_status(b):
    return b.exit3_tasks[0]["containers"][0]["lastStatus"]


def c_missing(b):
    r = b.ecs.describe_tasks(cluster=b.cluster, tasks=[b.exit3[0], "0123456789abcdef0123456789abcdef"])
    return "failures " + (",".join(f["reason"] for f in r["failures"]) or "[]")


def c_logs(b):
    task_id = b.exit3[0].rsplit("/", 1)[1]

    def get():
        ev = b.logs.get_log_events(logGroupName="/compare", logStreamName="ecs/app/" + task_id, startFromHead=True)["events"]
        return repr([e["message"] for e in ev])
    return outcome(get)


def c_stop_reason(b):
    register(b, "cmp-long", container("app", ["trap", "TERM", "143", "--", "forever"], stopTimeout=2))
    arn = run(b, "cmp-long")["tasks"][0]["taskArn"]
    b.ecs.get_waiter("tasks_running").wait(cluster=b.cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 45})
    b.ecs.stop_task(cluster=b.cluster, task=arn, reason="compare reason")
    t = wait_stopped(b, [arn])[0]
    return f"{t['lastStatus']} {t.get('stopCode')} / {t.get('stoppedReason')}"


def c_stop_unknown(b):
    return outcome(lambda: b.ecs.stop_task(cluster=b.cluster, task="0123456789abcdef0123456789abcdef") and "accepted")


def c_essential_exit(b):
    # The app gives the sidecar time to install its SIGTERM trap first.
    register(b, "cmp-ess", container("app", ["sleep", "3s", "--", "exit", "0"]),
             container("side", ["trap", "TERM", "143", "--", "forever"], essential=False, stopTimeout=2))
    arn = run(b, "cmp-ess")["tasks"][0]["taskArn"]
    t = outcome(lambda: wait_stopped(b, [arn])[0])
    if isinstance(t, str):
        return t
    codes = {c["name"]: c.get("exitCode") for c in t["containers"]}
    return f"{t['lastStatus']}, app {codes.get('app')}, side {codes.get('side')}"


def c_non_essential_exit(b):
    register(b, "cmp-ness", container("app", ["trap", "TERM", "143", "--", "forever"], stopTimeout=2),
             container("side", ["exit", "1"], essential=False))
    arn = run(b, "cmp-ness")["tasks"][0]["taskArn"]
    t = wait_container(b, arn, "side", "STOPPED")
    b.ecs.stop_task(cluster=b.cluster, task=arn)
    side = [c for c in t["containers"] if c["name"] == "side"]
    if not side:
        return f"task {t['lastStatus']}, no container 'side' in the task"
    return f"task {t['lastStatus']}, side {side[0]['lastStatus']} exit {side[0].get('exitCode')}"


def c_depends_on(b):
    register(b, "cmp-dep", container("app", ["exit", "0"], dependsOn=[{"containerName": "init", "condition": "SUCCESS"}]),
             container("init", ["out", "init", "--", "exit", "0"], essential=False))

    def go():
        arn = run(b, "cmp-dep")["tasks"][0]["taskArn"]
        t = wait_stopped(b, [arn])[0]
        return f"{t['lastStatus']}, " + ", ".join(f"{c['name']} {c.get('exitCode')}" for c in sorted(t["containers"], key=lambda c: c["name"]))
    return outcome(go)


def c_unknown_taskdef(b):
    return outcome(lambda: b.ecs.describe_task_definition(taskDefinition="cmp-nope") and "accepted")


def c_unknown_cluster(b):
    return outcome(lambda: b.ecs.run_task(cluster="ghost", taskDefinition="cmp-exit3") and "accepted")


def c_list_unknown_cluster(b):
    return outcome(lambda: b.ecs.list_tasks(cluster="ghost") and "accepted")


def c_count_11(b):
    return outcome(lambda: "%d tasks started" % len(run(b, "cmp-empty", count=11)["tasks"]))


def c_inactive(b):
    b.ecs.deregister_task_definition(taskDefinition="cmp-empty:1")
    return outcome(lambda: run(b, "cmp-empty:1") and "accepted")


def c_tags(b):
    arn = register(b, "cmp-tags", container("app", ["exit", "0"]), tags=[{"key": "team", "value": "a"}])["taskDefinitionArn"]
    b.ecs.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}])
    b.ecs.untag_resource(resourceArn=arn, tagKeys=["team"])
    listed = b.ecs.list_tags_for_resource(resourceArn=arn)["tags"]
    described = b.ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]).get("tags")
    return f"listed {[t['key'] for t in listed]}, described {[t['key'] for t in described or []]}"


def c_delete_active(b):
    r = outcome(lambda: b.ecs.delete_task_definitions(taskDefinitions=["cmp-tags:1"]))
    if isinstance(r, str):
        return r
    return "failure: " + ("ACTIVE" if r["failures"] and "ACTIVE" in r["failures"][0]["reason"] else repr(r["failures"]))


def c_delete_inactive(b):
    b.ecs.deregister_task_definition(taskDefinition="cmp-tags:1")
    r = outcome(lambda: b.ecs.delete_task_definitions(taskDefinitions=["cmp-tags:1"]))
    if isinstance(r, str):
        return r
    return ",".join(t["status"] for t in r["taskDefinitions"]) or "none deleted"


def c_paginator(b):
    for _ in range(12):
        register(b, "cmp-pages", container("app", ["exit", "0"]))
    pages = list(b.ecs.get_paginator("list_task_definitions").paginate(familyPrefix="cmp-pages", PaginationConfig={"PageSize": 5}))
    arns = [a for p in pages for a in p["taskDefinitionArns"]]
    ordered = [int(a.rsplit(":", 1)[1]) for a in arns] == list(range(1, 13))
    return f"{len(arns)} in {len(pages)} pages" + (", in order" if ordered else ", out of order")


def c_bad_signature(b):
    s = boto3.session.Session(aws_access_key_id=os.environ.get("ECSRUN_ACCESS_KEY_ID", "AKIDCOMPAT"),
                              aws_secret_access_key="wrong", region_name="us-east-1")
    bad = s.client("ecs", endpoint_url=b.endpoint, config=NO_RETRY)
    return outcome(lambda: bad.list_clusters() and "accepted")


CHECKS = [
    ("RunTask (EC2) in a cluster without container instances", "InvalidParameterException", "§2 RunTask",
     c_empty_cluster, None),
    ("RegisterTaskDefinition without memory", "ClientException", "§2 RegisterTaskDefinition", c_no_memory, None),
    ("RegisterTaskDefinition with family 'bad name!'", "ClientException", "§2 RegisterTaskDefinition (family charset)", c_bad_family, None),
    ("RunTask count=3", "3 tasks, 0 failures", "§2 RunTask", c_run_count, None),
    ("lastStatus in the RunTask answer", "PROVISIONING|PENDING", "§3 lifecycle (tasks start before RUNNING)", c_first_status, None),
    ("tasks_stopped waiter, then exit codes (container exits 3)", "exit codes 3,3,3", "§3, model waiters-2.json", c_exit_codes, None),
    ("stopCode / stoppedReason after the essential container exits", "EssentialContainerExited / Essential container in task exited", "§3", c_stop_code, None),
    ("container lastStatus of a STOPPED task", "STOPPED", "§3 (task status is the minimum of its containers)", c_container_status, None),
    ("DescribeTasks with an unknown task id", "failures MISSING", "§2 DescribeTasks", c_missing, None),
    ("awslogs stream <prefix>/<container>/<task-id> of the task", "['hello from the task']", "§6", c_logs, None),
    ("StopTask with a reason (container traps SIGTERM)", "STOPPED UserInitiated / compare reason", "§2 StopTask, §3", c_stop_reason, None),
    ("StopTask of an unknown task", "InvalidParameterException", "§2 StopTask", c_stop_unknown, None),
    ("essential container exits: non-essential one is stopped", "STOPPED, app 0, side 143", "§3, §4", c_essential_exit, None),
    ("non-essential container exits: task keeps running", "task RUNNING, side STOPPED exit 1", "§3, §4", c_non_essential_exit, None),
    ("dependsOn SUCCESS: app starts after init exits 0", "STOPPED, app 0, init 0", "§4 dependsOn",
     c_depends_on, None),
    ("DescribeTaskDefinition of an unknown family", "ClientException", "§2 RunTask errors", c_unknown_taskdef, None),
    ("RunTask on an unknown cluster", "ClusterNotFoundException", "§2 RunTask errors", c_unknown_cluster, None),
    ("ListTasks on an unknown cluster", "ClusterNotFoundException", "model: ListTasks errors", c_list_unknown_cluster, None),
    ("RunTask count=11", "InvalidParameterException", "§2 RunTask (count 1..10)", c_count_11, None),
    ("RunTask of an INACTIVE revision", "InvalidParameterException", "§2 RegisterTaskDefinition", c_inactive, None),
    ("TagResource / UntagResource / ListTagsForResource, include TAGS", "listed ['env'], described ['env']", "model: TagResource", c_tags, None),
    ("DeleteTaskDefinitions of an ACTIVE revision", "failure: ACTIVE", "model: DeleteTaskDefinitions", c_delete_active, None),
    ("DeleteTaskDefinitions of an INACTIVE revision", "DELETE_IN_PROGRESS", "model: DeleteTaskDefinitions", c_delete_inactive, None),
    ("list_task_definitions paginator, 12 revisions, PageSize 5", "12 in 3 pages, in order", "model: paginators-1.json", c_paginator, None),
    ("request signed with a wrong secret", "InvalidSignatureException", "SigV4", c_bad_signature, None),
]


def matches(expected, got):
    return got in expected.split("|")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto_server did not start")


def observe(b):
    out = []
    for name, _, _, fn, _ in CHECKS:
        try:
            got = outcome(lambda: fn(b))
        except Exception as e:  # a step this backend cannot do at all
            got = f"failed: {type(e).__name__}"
        out.append(str(got))
    return out


def main():
    ecsrun = Backend("ecsrun", ECSRUN, os.environ.get("ECSRUN_ACCESS_KEY_ID", "AKIDCOMPAT"),
                     os.environ.get("ECSRUN_SECRET_ACCESS_KEY", "compat-secret"))
    moto_proc, moto_url = start_moto()
    try:
        moto = Backend("moto", moto_url, "AKIDCOMPAT", "compat-secret")
        ecsrun.ecs.create_cluster(clusterName=ecsrun.cluster)
        moto.ecs.create_cluster(clusterName=moto.cluster)
        # moto places tasks only on registered container instances: give it one
        # (ecsrun runs them on the local host), so that the checks after the
        # first compare behaviour rather than set-up.
        inst = moto.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]
        moto.ecs.register_container_instance(cluster=moto.cluster, instanceIdentityDocument=json.dumps(
            {"instanceId": inst["InstanceId"], "region": "us-east-1", "availabilityZone": "us-east-1a"}))
        got_e, got_m = observe(ecsrun), observe(moto)
    finally:
        moto_proc.kill()
        moto_proc.wait()

    unexplained, explained, moto_ok = [], 0, 0
    print("| # | behaviour | real ECS (source) | ecsrun | moto |")
    print("|---|---|---|---|---|")
    for i, ((name, want, src, _, reason), e, m) in enumerate(zip(CHECKS, got_e, got_m), 1):
        e_ok, m_ok = matches(want, e), matches(want, m)
        moto_ok += m_ok
        e_cell = ("✓ " if e_ok else "✗ ") + e
        if not e_ok and reason:
            e_cell += f" ({reason})"
            explained += 1
        elif not e_ok:
            unexplained.append(name)
        if e_ok and reason:
            print(f"note: ecsrun now matches real ECS on '{name}': drop the reason '{reason}'", file=sys.stderr)
        print(f"| {i} | {name} | {want.replace('|', ' or ')} ({src}) | {e_cell} | {'✓ ' if m_ok else '✗ '}{m} |")
    n = len(CHECKS)
    print()
    print(f"ecsrun matches real ECS in {n - explained - len(unexplained)} of {n} checks "
          f"({explained} documented differences); moto in {moto_ok} of {n}.")
    if unexplained:
        print("ecsrun differs from real ECS without a documented reason: " + "; ".join(unexplained))
        sys.exit(1)


main()
