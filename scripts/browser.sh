#!/usr/bin/env bash
# The browser of the browser tests (tests/browser): Debian's Chromium, and a CJK font so that the
# pages' Chinese is drawn in the screenshots instead of empty boxes; and GNU gettext, with which
# tests/test_translations.py extracts the strings to compare with the catalogue. Installed with
# apt-get when missing (`make test` runs this; it needs root, as CI has); Playwright never downloads
# a browser.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
{ command -v xgettext && command -v msgattrib && command -v msgfmt; } >/dev/null 2>&1 || missing+=(gettext)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/browser.sh: install ${missing[*]} (Debian packages) as root, then run the tests again" >&2
  exit 1
fi
echo "Installing ${missing[*]} for the browser and translation tests (apt-get)"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
