#!/usr/bin/env bash
# Starts the portal for a person to use: a Celery worker, Celery beat and the web server.
# Called by `make run` after set-up; stops all three on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
host="${HEBTT_HOST:-127.0.0.1}"
port="${HEBTT_PORT:-8000}"
py=.venv/bin/python
mkdir -p var/log

# Start (or reuse) the embedded services once, before three processes race for them.
$py manage.py check --fail-level ERROR >/dev/null

$py -m celery -A hebtt worker --loglevel=INFO --concurrency=2 >var/log/worker.log 2>&1 &
$py -m celery -A hebtt beat --loglevel=INFO --pidfile= >var/log/beat.log 2>&1 &
trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT INT TERM

echo
echo "HebTT is running at http://${host}:${port}/"
echo "  API documentation: http://${host}:${port}/api/docs/   health: http://${host}:${port}/healthz"
echo "  Demo accounts: demo_province, demo_city, demo_county, demo_registrar, demo_approver,"
echo "  demo_enterprise, demo_enterprise2, demo_university, demo_institution, demo_broker"
if [ -n "${HEBTT_DEMO_PASSWORD:-}" ]; then
  echo "  Password: \$HEBTT_DEMO_PASSWORD"
else
  echo "  Password: $(cat var/demo-password)"
fi
echo "  Worker and beat logs: var/log/. Press Ctrl-C to stop."
echo
$py manage.py runserver "${host}:${port}"
