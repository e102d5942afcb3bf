"""Account settings with boto3 against a running `ecsrun serve`. Run by
test/compat/run.sh, which starts the server.

Usage: python3 account_settings_boto3.py ENDPOINT
"""
import sys

import boto3

from checks import check, error_code, finish

endpoint = sys.argv[1]
session = boto3.session.Session(aws_access_key_id="AKIDCOMPAT", aws_secret_access_key="compat-secret", region_name="us-east-1")
ecs = session.client("ecs", endpoint_url=endpoint)
root = "arn:aws:iam::000000000000:root"
role = "arn:aws:iam::000000000000:role/boto3-compat"

pages = list(ecs.get_paginator("list_account_settings").paginate(effectiveSettings=True, PaginationConfig={"PageSize": 3}))
settings = {s["name"]: s for p in pages for s in p["settings"]}
check(len(pages) == 4 and len(settings) == 11, "list_account_settings paginator: 11 settings in pages of 3")
check(settings["defaultLogDriverMode"]["value"] == "non-blocking" and settings["guardDutyActivate"]["type"] == "aws_managed", "ECS's defaults and types")
put = ecs.put_account_setting(name="fargateTaskRetirementWaitPeriod", value="14")["setting"]
check(put["principalArn"] == root and put["value"] == "14", "put_account_setting without principalArn sets the root user's")
check(error_code(ecs.put_account_setting, name="fargateTaskRetirementWaitPeriod", value="14", principalArn=role) == "InvalidParameterException", "fargateTaskRetirementWaitPeriod only for the root user")
check(error_code(ecs.put_account_setting, name="defaultLogDriverMode", value="sometimes") == "InvalidParameterException", "defaultLogDriverMode sometimes -> InvalidParameterException")
ecs.put_account_setting(name="defaultLogDriverMode", value="blocking", principalArn=role)
mine = ecs.list_account_settings(principalArn=role)["settings"]
check([(s["name"], s["value"]) for s in mine] == [("defaultLogDriverMode", "blocking")], "list_account_settings of a role: its own settings only")
eff = {s["name"]: s["value"] for s in ecs.list_account_settings(principalArn=role, effectiveSettings=True, maxResults=10)["settings"]}
check(eff.get("fargateTaskRetirementWaitPeriod") == "14" and eff.get("defaultLogDriverMode") == "blocking", "a role's effective settings: its own over the account default")
filtered = ecs.list_account_settings(name="fargateTaskRetirementWaitPeriod", value="14")["settings"]
check(len(filtered) == 1, "list_account_settings by name and value")
deleted = ecs.delete_account_setting(name="defaultLogDriverMode", principalArn=role)["setting"]
check(deleted["value"] == "blocking", "delete_account_setting answers the value removed")
ecs.delete_account_setting(name="fargateTaskRetirementWaitPeriod")
finish()
