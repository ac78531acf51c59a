#!/bin/sh
# The tests drive real peers: `dig` (Debian dnsutils) queries the DNS server, SIPp (sip-tester) calls the node,
# Chromium (Debian chromium, at /usr/bin/chromium) opens report.html; the media fast path's native addon
# (packages/media/native, built at install when a C compiler is there) is tested too, so it must be built here.
# Install what is missing when we can (root with apt-get, as in CI and on a fresh machine), otherwise say exactly
# what to install.
set -eu
missing=""
command -v dig >/dev/null 2>&1 || missing="$missing dnsutils"
command -v sipp >/dev/null 2>&1 || missing="$missing sip-tester"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v "${CC:-cc}" >/dev/null 2>&1 || missing="$missing gcc"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-tools: installing Debian packages:$missing" >&2
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "ensure-tools: the tests need these Debian packages:$missing (apt-get install$missing)" >&2
    exit 1
  fi
fi
node packages/media/scripts/build-native.mjs --required
