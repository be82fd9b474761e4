#!/usr/bin/env bash
#
# Madoguchi set-up: everything a fresh Debian 12 machine needs to run and test the system,
# offline (only the npm registry and Debian's apt are reachable). Idempotent: a second run
# skips what is already done and takes seconds.
#
#   1. Debian packages: the mediasoup worker's build dependencies, Chromium and PostgreSQL for the tests
#   2. npm dependencies, with mediasoup's downloading postinstall switched off
#   3. the mediasoup worker, built from source against Debian's libraries (cached per version)
#   4. Prisma: both clients generated, migrations applied to DATABASE_URL (default: the SQLite file),
#      demo city seeded
#   5. the server (bundled JavaScript with source maps) and the two browser apps built for `npm start`
#   6. demo tablet tokens written beside the demo accounts, and the HTTPS certificate (own CA)
#   7. check that none of it changed a tracked file (in a git checkout)
#
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n\033[1m[setup] %s\033[0m\n' "$*"; }
started=$SECONDS

# The tracked files' changes against HEAD, as one digest; empty outside a git checkout.
tracked_changes() {
  git rev-parse --is-inside-work-tree >/dev/null 2>&1 || return 0
  git diff HEAD --binary | sha256sum
}
tracked_before=$(tracked_changes)

# ── 1. Debian packages ───────────────────────────────────────────────────────
APT_PACKAGES=(
  # mediasoup worker, built against system libraries instead of downloaded subprojects (the C compiler
  # and libssl-dev also build the load bench's media pump, tests/bench/load/pump/media-pump.c)
  build-essential pkg-config meson ninja-build
  libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libabsl-dev
  libflatbuffers-dev flatbuffers-compiler nlohmann-json3-dev
  # end-to-end tests in real Chromium (Playwright cannot download its own browser here)
  chromium
  # Japanese glyphs in the browser (screenshots, kiosk display)
  fonts-noto-cjk
  # a Japanese TrueType font pdf-lib can embed (subset) in the forms' PDFs: Noto CJK comes only as
  # .ttc collections of CFF fonts, which pdf-lib cannot embed
  fonts-ipafont-gothic
  # fault-injection e2e: the tablet's own network namespace (ip netns, veth) and its cut (iptables DROP)
  iproute2 iptables
  # TURN for networks that let no UDP out (started by npm start; its certificates come from openssl)
  coturn openssl
  # PostgreSQL, the database for cities that outgrow SQLite: the tests start throw-away clusters of
  # their own with its binaries (prisma/test/postgres.ts); the package's own cluster is not used
  postgresql
  # Redis, what signaling nodes share in the cluster mode (issue 12): the tests start throw-away
  # servers of their own with its binary (signaling/test/redis.ts); the package's own server is not used
  redis-server
)
step "Debian packages"
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  echo "all present"
elif [[ $(id -u) -eq 0 ]]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian enables coturn's own service on install; npm start runs coturn itself, with its own
  # configuration, so the distribution's copy would only hold the TURN port.
  if [[ " ${missing[*]} " == *" coturn "* && -d /run/systemd/system ]]; then
    systemctl disable --now coturn >/dev/null 2>&1 && echo "disabled Debian's coturn service (npm start runs its own)"
  fi
  # Debian starts redis-server's own instance on install (port 6379); nothing here uses it.
  if [[ " ${missing[*]} " == *" redis-server "* ]]; then
    if [[ -d /run/systemd/system ]]; then
      systemctl disable --now redis-server >/dev/null 2>&1
    else
      invoke-rc.d redis-server stop >/dev/null 2>&1 || true
      update-rc.d redis-server disable >/dev/null 2>&1 || true
    fi
    echo "stopped Debian's redis-server and set it not to start at boot (the tests run their own)"
  fi
  # Debian creates and starts a cluster (main) on install. Nothing here uses it, so it is stopped and
  # set not to start at boot; a city's PostgreSQL is its own server, named by DATABASE_URL.
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    for start_conf in /etc/postgresql/*/main/start.conf; do
      [[ -f $start_conf ]] || continue
      version=$(basename "$(dirname "$(dirname "$start_conf")")")
      pg_ctlcluster "$version" main stop >/dev/null 2>&1 || true
      sed -i 's/^auto$/manual/' "$start_conf"
      echo "stopped Debian's PostgreSQL cluster $version/main and set it to manual start (the tests run their own)"
    done
  fi
else
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

# ── 2. npm dependencies ──────────────────────────────────────────────────────
# Three install scripts would try to download binaries; each is told not to, for this command only:
# - MEDIASOUP_WORKER_BIN: mediasoup's postinstall skips its GitHub download and pip fallback
#   (step 3 builds the worker). At run time the variable would name the worker binary, so it
#   must not stay set.
# - PRISMA_SCHEMA_ENGINE_BINARY: @prisma/engines' postinstall skips fetching the native schema
#   engine (we migrate with Prisma's wasm engine; queries use the wasm query compiler).
# - npm_config_build_from_source: better-sqlite3 compiles with node-gyp instead of trying a
#   prebuilt download first.
# `npm ci` installs exactly the lock and never rewrites it; it refuses a lock that disagrees with
# the package.json files. The lock must list every platform's optional packages (rollup's and
# turbo's native builds), as `npm install` writes it; a lock without them is what ci reports as
# out of sync.
step "npm dependencies"
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.madoguchi-lock-sha256
if [[ -f $stamp && $(cat "$stamp") == "$lock_hash" ]]; then
  echo "up to date"
else
  MEDIASOUP_WORKER_BIN=/dev/null \
    PRISMA_SCHEMA_ENGINE_BINARY="$PWD/prisma/scripts/no-native-schema-engine.sh" \
    npm_config_build_from_source=true \
    npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
  echo "installed; no mediasoup or Prisma engine binary was downloaded (both are built or wasm, see above)"
fi

# ── 3. mediasoup worker ──────────────────────────────────────────────────────
step "mediasoup worker"
bash scripts/build-mediasoup-worker.sh

# ── 4. database ──────────────────────────────────────────────────────────────
step "database (Prisma client, migrations, demo city)"
npm run --silent generate -w prisma
npm run --silent migrate -w prisma -- deploy
npm run --silent seed -w prisma

# ── 5. browser apps ──────────────────────────────────────────────────────────
step "server and browser apps"
npx turbo run build --output-logs=errors-only

# ── 6. demo tablet tokens ────────────────────────────────────────────────────
step "demo tablet tokens"
npm run --silent device-token -w signaling -- --demo

# ── 6b. HTTPS certificate ────────────────────────────────────────────────────
# Tablets need a secure context for their cameras: the server's own CA and certificate (TLS=local).
step "HTTPS certificate"
npm run --silent tls-certificate -w signaling

# ── 7. tracked files unchanged ───────────────────────────────────────────────
# A fresh clone must stay clean: set-up writes only ignored files (node_modules, .data, dist, …).
step "tracked files unchanged"
if [[ $(tracked_changes) != "$tracked_before" ]]; then
  echo "set-up changed files that git tracks; it must write only ignored ones:" >&2
  git diff HEAD --stat >&2
  exit 1
fi
echo "none changed"

step "done in $((SECONDS - started)) s — start with: npm start"
