#!/usr/bin/env bash
# Install Prometheus, Alertmanager and kubectl (Debian/Ubuntu packages) for the
# integration tests and the `promtool`/`amtool`/`kubectl kustomize` checks. Idempotent,
# quiet, no TTY needed; run as root (or with passwordless sudo). Does nothing when the
# binaries are already there.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
{ command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1; } \
  && command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v kubectl >/dev/null 2>&1 || need+=(kubectl)
if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "ci-install: need root to install ${need[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# --no-install-recommends: no web UI assets or extra exporters; policy-rc.d keeps the
# packages' services from starting inside CI containers.
if [ ! -e /usr/sbin/policy-rc.d ] && [ -z "$SUDO" ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# kubectl: the `kubectl` package where the distribution has one, else Debian 12's
# `kubernetes-client` (its kubectl embeds an older kustomize; deploy/k8s sticks to
# fields that one reads).
for i in "${!need[@]}"; do
  if [ "${need[$i]}" = kubectl ] && ! apt-cache show kubectl >/dev/null 2>&1; then
    need[$i]=kubernetes-client
  fi
done
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
command -v promtool >/dev/null && command -v amtool >/dev/null && command -v kubectl >/dev/null
