#!/usr/bin/env bash
# Starts `ecsrun serve` with SigV4 credentials on a free loopback port and
# drives it with the AWS CLI and boto3 (test/compat/*), then compares it with
# moto_server on the same boto3 sequence. Needs bin/ecsrun and
# the toolbox image (ecsrun-test/toolbox:latest, built by the Go tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
image=ecsrun-test/toolbox:latest
state=$(mktemp -d)
export ECSRUN_ACCESS_KEY_ID=AKIDCOMPAT ECSRUN_SECRET_ACCESS_KEY=compat-secret
cat >"$state/config.yaml" <<'EOF'
instances:
  - name: zonal
    cluster: placement
    count: 6
    cpu: 1024
    memory: 1GB
    zones: [us-east-1a, us-east-1b, us-east-1c]
autoScalingGroups:
  - name: compat-asg-cli
    maxSize: 4
    cpu: 1024
    memory: 1GB
  - name: compat-asg-boto3
    maxSize: 2
    cpu: 1024
    memory: 1GB
EOF
./bin/ecsrun serve --state-dir "$state" --listen 127.0.0.1:0 --pull prefer-cached --config "$state/config.yaml" >"$state/serve.out" 2>"$state/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$state"' EXIT
for _ in $(seq 1 100); do
  [ -f "$state/serve.json" ] && break
  sleep 0.1
done
endpoint=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$state/serve.json")
echo "ecsrun serve at $endpoint"
status=0
echo "-- AWS CLI ($(aws --version 2>&1))"
bash test/compat/cli_compat.sh "$endpoint" "$image" || status=1
echo "-- boto3"
python3 test/compat/boto3_compat.py "$endpoint" "$image" || status=1
echo "-- side by side with moto_server (test/compat/moto_compare.py)"
if command -v moto_server >/dev/null; then
  python3 test/compat/moto_compare.py "$endpoint" "$image" || status=1
else
  echo "moto_server is not installed: comparison skipped"
fi
echo "-- AWS CLI: account settings"
bash test/compat/account_settings_compat.sh "$endpoint" || status=1
echo "-- boto3: account settings"
python3 test/compat/account_settings_boto3.py "$endpoint" || status=1
echo "-- AWS CLI: capacity providers"
bash test/compat/capacity_cli_compat.sh "$endpoint" "$image" || status=1
echo "-- boto3: capacity providers"
python3 test/compat/capacity_boto3_compat.py "$endpoint" "$image" || status=1
echo "-- AWS CLI: Step Functions"
bash test/compat/sfn_cli_compat.sh "$endpoint" "$image" || status=1
echo "-- boto3: Step Functions"
python3 test/compat/sfn_boto3_compat.py "$endpoint" "$image" || status=1
echo "-- AWS CLI: metric filters and Logs Insights"
bash test/compat/logs_queries_cli.sh "$endpoint" || status=1
echo "-- boto3: metric filters and Logs Insights"
python3 test/compat/logs_queries_boto3.py "$endpoint" || status=1
if [ $status != 0 ]; then cat "$state/serve.err"; fi
exit $status
