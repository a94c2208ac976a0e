#!/usr/bin/env bash
# Start the web server and the workers in the foreground (make run). Ctrl-C stops them all.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
py="$here/.venv/bin/python"
workers=$("$py" "$here/manage.py" shell --verbosity 0 -c 'from django.conf import settings; print(settings.MAX_CONCURRENT_EXECUTIONS)')
port=$("$py" "$here/manage.py" shell --verbosity 0 -c 'from django.conf import settings; print(settings.PORT)')

pids=()
stop() {
  trap - INT TERM EXIT
  # ${a[@]+...}: bash 3.2 (macOS) calls an empty array unbound under set -u.
  for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT
trap 'exit 130' INT TERM

cd "$here"
# One app log file per process ($ORCHESTRATOR_HOME/logs/<name>.log): two processes must not
# rotate the same file.
for number in $(seq "$workers"); do
  ORCHESTRATOR_LOG_NAME="worker.$number" "$py" manage.py db_worker &
  pids+=("$!")
done
ORCHESTRATOR_LOG_NAME=api GUNICORN_ACCESS_LOG=- GUNICORN_ERROR_LOG=- "$py" -m gunicorn -c deploy/gunicorn.conf.py &
pids+=("$!")
echo "Orchestrator is running on http://127.0.0.1:$port with $workers worker(s). Ctrl-C stops it."
# Stop everything when any one process ends. (Not `wait -n`: macOS ships bash 3.2, which lacks it.)
while :; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "A process (pid $pid) stopped: stopping the others." >&2
      exit 1
    fi
  done
  sleep 1
done
