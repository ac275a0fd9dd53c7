#!/usr/bin/env bash
# Audit the installed packages (the venv: runtime and development) for known vulnerabilities with
# pip-audit, against PyPI's advisory data. `make test` runs it, so CI does.
#
# With the advisory data at hand, any known vulnerability fails, and so does any package that could
# not be checked (--strict). Where it cannot be reached (an isolated network, or a registry mirror
# without PyPI's JSON API), it says so loudly and does not fail the tests: `make audit` then has to
# run on a machine that reaches pypi.org, before each release.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

if "$PY" - <<'PYTHON'
import sys, urllib.request
try:
    with urllib.request.urlopen("https://pypi.org/pypi/django/5.2/json", timeout=10) as response:
        sys.exit(0 if response.status == 200 and b'"vulnerabilities"' in response.read() else 1)
except Exception:
    sys.exit(1)
PYTHON
then
  exec "$PY" -m pip_audit --strict --progress-spinner off
fi
echo "WARNING: pip-audit skipped: PyPI's advisory data (https://pypi.org/pypi/<name>/<version>/json) cannot be reached from here." >&2
echo "WARNING: run 'make audit' on a machine that reaches pypi.org before a release." >&2
if [ "${AUDIT_REQUIRED:-0}" = "1" ]; then
  exit 1
fi
