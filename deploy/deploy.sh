#!/usr/bin/env bash
# Deploy this checkout: pull, install requirements, build the dashboard, migrate, collect static
# files, restart the services and check /api/health with retries. On any failure it names the
# step, prints the tail of the logs and exits non-zero; the services are restarted only after
# every build step passed, so a broken build leaves the running version alone. Safe to run twice.
#
# Environment (all optional):
#   ORCHESTRATOR_PYTHON   the venv's python (default .venv/bin/python, created when missing)
#   DEPLOY_PULL=0         do not git pull (deploy what is checked out)
#   DEPLOY_PIP=0          do not pip install -r requirements.txt
#   DEPLOY_FRONTEND=0     do not build the dashboard (skipped anyway without frontend/package.json)
#   FRONTEND_TESTS=0      build the dashboard without running its tests
#   DEPLOY_HEALTH_TRIES, DEPLOY_HEALTH_DELAY   health check attempts and seconds between (30, 2)
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${ORCHESTRATOR_PYTHON:-$here/.venv/bin/python}
logs="${ORCHESTRATOR_HOME:-$HOME/.orchestrator}/logs"
step="start"

show_logs() {
  local file
  for file in "$logs"/*.err.log "$logs"/api.log "$logs"/gunicorn.log; do
    if [ -s "$file" ]; then
      echo "==> $file <==" >&2
      tail -n 20 "$file" >&2
    fi
  done
}

# shellcheck disable=SC2329 # called by the ERR trap
failed() {
  trap - ERR
  echo "✗ Deploy failed at step: $step. Nothing after it ran; see the output above." >&2
  show_logs
  exit 1
}
trap failed ERR

begin() {
  step=$1
  echo "==> $step"
}

cd "$here"
export DJANGO_SETTINGS_MODULE=orchestrator_site.settings

begin "pull"
if [ "${DEPLOY_PULL:-1}" = "0" ]; then
  echo "DEPLOY_PULL=0: deploying $(git rev-parse --short HEAD) as checked out."
elif git rev-parse --abbrev-ref --symbolic-full-name '@{u}' >/dev/null 2>&1; then
  git pull --ff-only
else
  echo "The branch has no upstream: deploying $(git rev-parse --short HEAD) as checked out."
fi

begin "python"
if [ ! -x "$py" ]; then
  python=$(deploy/find-python.sh)
  "$python" -m venv "$here/.venv"
  py="$here/.venv/bin/python"
fi

begin "install requirements"
if [ "${DEPLOY_PIP:-1}" != "0" ]; then
  "$py" -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi

begin "build the dashboard"
if [ "${DEPLOY_FRONTEND:-1}" != "0" ]; then
  deploy/build-frontend.sh
fi

begin "check the code"
"$py" manage.py check

begin "migrate"
"$py" manage.py migrate --noinput

begin "collect static files"
"$py" manage.py collectstatic --noinput --verbosity 0

begin "restart the services"
case "$(uname -s)" in
  Darwin) "$py" manage.py install_launchd --restart ;;
  *) "$py" manage.py install_systemd --restart ;;
esac

begin "health check"
port=$("$py" manage.py shell --verbosity 0 -c 'from orchestrator_site.deployment import installed_port; print(installed_port())')
tries=${DEPLOY_HEALTH_TRIES:-30}
for attempt in $(seq "$tries"); do
  if "$py" - "$port" <<'PY'
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
with opener.open(f"http://127.0.0.1:{sys.argv[1]}/api/health", timeout=5) as response:
    body = json.load(response)
print(f"version {body['version']}, checks {body['checks']}")
PY
  then
    echo "✓ Deployed $(git rev-parse --short HEAD): http://127.0.0.1:$port/ is healthy."
    exit 0
  fi
  echo "Health check $attempt/$tries did not pass yet."
  sleep "${DEPLOY_HEALTH_DELAY:-2}"
done
echo "✗ /api/health on port $port did not pass after $tries tries." >&2
show_logs
exit 1
