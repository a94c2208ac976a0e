#!/usr/bin/env bash
# Start the web server and the workers in the foreground (make run). Ctrl-C stops them all.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
py="$here/.venv/bin/python"
workers=$("$py" "$here/manage.py" shell -c 'from django.conf import settings; print(settings.MAX_CONCURRENT_EXECUTIONS)')
port=$("$py" "$here/manage.py" shell -c 'from django.conf import settings; print(settings.PORT)')

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

cd "$here"
for _ in $(seq "$workers"); do
  "$py" manage.py db_worker &
  pids+=("$!")
done
GUNICORN_ACCESS_LOG=- GUNICORN_ERROR_LOG=- "$here/.venv/bin/gunicorn" -c deploy/gunicorn.conf.py &
pids+=("$!")
echo "Orchestrator is running on http://127.0.0.1:$port with $workers worker(s). Ctrl-C stops it."
wait -n
