#!/usr/bin/env bash
# Install Orchestrator as a background service of this user: LaunchAgents on macOS, systemd user
# units on Linux. Creates $ORCHESTRATOR_HOME, its logs folder and the 0600 env file when missing,
# migrates, collects static files, installs and starts the services, and checks /api/health.
# Safe to run again: it rewrites and reloads the services and keeps the env file.
#
# Usage: deploy/install-service.sh [options of install_launchd / install_systemd, e.g. --port 5112]
# Environment: ORCHESTRATOR_PYTHON (default .venv/bin/python), ORCHESTRATOR_HOME, ORCHESTRATOR_ENV_FILE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${ORCHESTRATOR_PYTHON:-$here/.venv/bin/python}
home=${ORCHESTRATOR_HOME:-$HOME/.orchestrator}
env_file=${ORCHESTRATOR_ENV_FILE:-$home/orchestrator.env}

if [ ! -x "$py" ]; then
  echo "No Python at $py: run 'make run' once to create the virtualenv (or set ORCHESTRATOR_PYTHON)." >&2
  exit 1
fi

umask 077
mkdir -p "$home/logs"
chmod 700 "$home"
if [ ! -e "$env_file" ]; then
  cp "$here/deploy/.env.production" "$env_file"
  echo "Created $env_file from deploy/.env.production: settings and secrets go there."
fi
# It may hold SECRET_KEY and DATABASE_URL: never readable by anyone else.
chmod 600 "$env_file"

export ORCHESTRATOR_HOME="$home" ORCHESTRATOR_ENV_FILE="$env_file" DJANGO_SETTINGS_MODULE=orchestrator_site.settings
cd "$here"
"$py" manage.py migrate --noinput
"$py" manage.py collectstatic --noinput --verbosity 0

case "$(uname -s)" in
  Darwin)
    "$py" manage.py install_launchd "$@"
    rule="$home/newsyslog-orchestrator.conf"
    sed -e "s|@LOGS_DIR@|$home/logs|g" -e "s|@OWNER@|$(id -un)|g" -e "s|@GROUP@|$(id -gn)|g" \
      "$here/deploy/newsyslog.d/orchestrator.conf" >"$rule"
    chmod 644 "$rule"
    echo "To rotate what launchd captures (*.out.log, *.err.log), install the newsyslog rule once:"
    echo "  sudo install -m 644 -o root -g wheel '$rule' /etc/newsyslog.d/orchestrator.conf"
    ;;
  Linux)
    "$py" manage.py install_systemd "$@"
    ;;
  *)
    echo "Unsupported system $(uname -s): run gunicorn -c deploy/gunicorn.conf.py and manage.py db_worker yourself." >&2
    exit 1
    ;;
esac

port=$("$py" manage.py shell --verbosity 0 -c 'from orchestrator_site.deployment import installed_port; print(installed_port())')
if "$py" - "$port" <<'PY'
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
with opener.open(f"http://127.0.0.1:{sys.argv[1]}/api/health", timeout=10) as response:
    body = json.load(response)
print(f"Health check passed: version {body['version']}, checks {body['checks']}")
PY
then
  echo "Orchestrator is installed: http://127.0.0.1:$port/ (logs in $home/logs)."
else
  echo "The service was installed but /api/health does not pass: run '$py manage.py doctor'." >&2
  exit 1
fi
