#!/usr/bin/env bash
# Installs the Debian packages that provide missing commands.
# Arguments are COMMAND:PACKAGE pairs; a package is installed only when its command is absent.
# Packages are tools for the portal and its tests (ffmpeg, gettext, chromium, nginx, wrk):
# none of their services is started by the install (the tests run their own nginx on a
# free port), so a policy-rc.d that refuses service starts is in place while apt runs.
set -euo pipefail
# Daemons such as nginx live in /usr/sbin, which is not on every user's PATH.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
missing=()
for pair in "$@"; do
  cmd=${pair%%:*}
  pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}. Install them with your package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  # exit 101 = "action forbidden": invoke-rc.d and deb-systemd-invoke start no service.
  # Removed again afterwards, so later installs behave as the administrator expects.
  trap '$sudo rm -f "$policy"' EXIT
  printf '#!/bin/sh\n# temporary, from edu-portal deploy/scripts/os-packages.sh\nexit 101\n' \
    | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
fi
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
