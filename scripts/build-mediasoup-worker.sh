#!/usr/bin/env bash
#
# Build the mediasoup worker binary OFFLINE against Debian's system libraries.
#
# Why: mediasoup's npm postinstall downloads a prebuilt worker from GitHub and
# falls back to pip (meson/ninja) plus meson wraps from the internet. None of
# that is reachable on our machines (nor on air-gapped LGWAN-side servers), so
# we install mediasoup with its postinstall skipped and build the worker here:
# Debian's meson/ninja, and every meson wrap replaced by a tiny local shim that
# points at the Debian -dev package (see scripts/mediasoup-offline/subprojects).
#
# Result: node_modules/mediasoup/worker/out/Release/mediasoup-worker, which is
# mediasoup's default path, so nothing needs to be set at run time. (Do NOT
# leave MEDIASOUP_WORKER_BIN set at run time: it overrides that path.)
#
# The binary is cached per mediasoup version under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/madoguchi/mediasoup-worker/<version>/
# so a fresh clone on the same machine restores it in well under a second.
# This script never downloads anything itself (apt-get is only used, as root,
# for Debian packages that are missing).
#
# Usage: scripts/build-mediasoup-worker.sh [--force] [--smoke]
#   --force   ignore the installed and cached binaries and rebuild
#   --smoke   also run the smoke test when the worker is already built
#             (a fresh build always runs it)
# Env:
#   MEDIASOUP_DIR            mediasoup package dir (default: <repo>/node_modules/mediasoup)
#   MEDIASOUP_BUILD_JOBS     ninja parallelism (default: nproc)
#   MEDIASOUP_KEEP_BUILD=1   keep the build tree after a successful build

set -euo pipefail

log() { printf '[mediasoup-worker] %s\n' "$*"; }
die() { printf '[mediasoup-worker] ERROR: %s\n' "$*" >&2; exit 1; }

# --- Arguments -----------------------------------------------------------------
force=0
smoke_always=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --smoke) smoke_always=1 ;;
    -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done

# --- Step 1: locate mediasoup and read its version --------------------------------
# The version comes from the installed package, so bumping mediasoup in
# package.json automatically gives a new cache entry and a new build.
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
SUPPORT_DIR="$SCRIPT_DIR/mediasoup-offline"
MS_DIR="${MEDIASOUP_DIR:-$REPO_ROOT/node_modules/mediasoup}"

[[ -f "$MS_DIR/package.json" ]] ||
  die "mediasoup is not installed at $MS_DIR (run: MEDIASOUP_WORKER_BIN=skip npm install)"

# Plain sed instead of `node -p` keeps the fast path fast.
MS_VERSION="$(sed -nE 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"([^"]+)".*/\1/p' "$MS_DIR/package.json" | head -n1)"
[[ -n "$MS_VERSION" ]] || die "cannot read the version from $MS_DIR/package.json"

TARGET_BIN="$MS_DIR/worker/out/Release/mediasoup-worker"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/madoguchi"
CACHE_DIR="$CACHE_ROOT/mediasoup-worker/$MS_VERSION"
CACHE_BIN="$CACHE_DIR/mediasoup-worker"
WORK_DIR="$CACHE_ROOT/mediasoup-worker-build/$MS_VERSION"

log "mediasoup $MS_VERSION at $MS_DIR"

# A real worker started by hand, without the MEDIASOUP_VERSION variable its
# Node parent sets, exits at once with code 41. Anything else (missing file,
# missing shared library = 127, crash, hang) means "not usable". Because the
# binary links Debian's shared libraries, this also catches a cached binary
# broken by a library upgrade, which then simply gets rebuilt.
worker_ok() {
  [[ -f "$1" && -x "$1" ]] || return 1
  local rc=0
  env -i timeout 10 "$1" </dev/null >/dev/null 2>&1 || rc=$?
  [[ $rc -eq 41 ]]
}

run_smoke() {
  log "smoke test: worker + WebRtcServer + router + WebRtcTransport"
  # Unset the variables that would make mediasoup use another binary.
  env -u MEDIASOUP_WORKER_BIN -u MEDIASOUP_BUILDTYPE node "$SUPPORT_DIR/smoke.mjs" ||
    die "smoke test failed"
}

# Copy atomically (copy next to the destination, then rename) so that a
# concurrent reader never sees a half-written binary.
install_bin() {
  local src="$1" dst="$2"
  mkdir -p "$(dirname "$dst")"
  cp -f "$src" "$dst.tmp.$$"
  chmod 755 "$dst.tmp.$$"
  mv -f "$dst.tmp.$$" "$dst"
}

finish() {
  if [[ -n "${MEDIASOUP_WORKER_BIN:-}" ]]; then
    log "WARNING: MEDIASOUP_WORKER_BIN is set in this shell; at run time it overrides the default path. Unset it."
  fi
}

# --- Step 2: one build at a time -----------------------------------------------------
# Two setup runs at once (e.g. two terminals) must not build into the same tree.
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/mediasoup-worker.lock"
if ! flock -n 9; then
  log "another build is running; waiting for it to finish"
  flock 9
fi

# --- Step 3: fast path, already installed ----------------------------------------------
if [[ $force -eq 0 ]] && worker_ok "$TARGET_BIN"; then
  # Seed the cache from an installed binary we did not build ourselves
  # (e.g. built before the cache existed), so a fresh clone restores it.
  if ! [[ -f "$CACHE_BIN" ]]; then
    install_bin "$TARGET_BIN" "$CACHE_BIN"
  fi
  log "already built: $TARGET_BIN"
  [[ $smoke_always -eq 1 ]] && run_smoke
  finish
  exit 0
fi

# --- Step 4: restore from the per-version cache -------------------------------------------
if [[ $force -eq 0 ]] && worker_ok "$CACHE_BIN"; then
  install_bin "$CACHE_BIN" "$TARGET_BIN"
  log "restored from cache: $CACHE_BIN -> $TARGET_BIN"
  [[ $smoke_always -eq 1 ]] && run_smoke
  finish
  exit 0
fi

if [[ $force -eq 1 ]]; then
  log "--force: rebuilding the worker for $MS_VERSION (about 5 min on 2 idle cores)"
else
  log "no usable worker binary for $MS_VERSION; building it (about 5 min on 2 idle cores)"
fi
build_start=$SECONDS

# --- Step 5: Debian build dependencies --------------------------------------------------
# meson/ninja come from Debian instead of pip; every library mediasoup 3.12
# would fetch as a meson wrap is taken from its Debian -dev package instead.
# (No flatbuffers: mediasoup 3.12 still speaks JSON over its channel, hence
# nlohmann-json. No liburing: 3.12 has no io_uring code.)
DEB_PACKAGES=(
  build-essential pkg-config meson ninja-build
  libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev
)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $EUID -ne 0 ]]; then
    die "missing Debian packages; run: sudo apt-get install -y ${missing[*]}"
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Retry once after refreshing the package lists (a fresh image has none).
  apt-get install -y --no-install-recommends "${missing[@]}" ||
    { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
else
  log "Debian build dependencies present"
fi

# --- Step 6: private copy of the worker sources ------------------------------------------
# We must not touch node_modules/mediasoup/worker beyond dropping the final
# binary in: the shims and patches below go into a throw-away copy, so the
# script can be re-run (or npm can reinstall) at any time.
SRC_DIR="$WORK_DIR/src"
BUILD_DIR="$WORK_DIR/build"
LOG_FILE="$WORK_DIR/build.log"
rm -rf "$WORK_DIR"
mkdir -p "$SRC_DIR"
tar -C "$MS_DIR/worker" --exclude=./out --exclude=./scripts/node_modules -cf - . |
  tar -C "$SRC_DIR" -xf -
log "copied worker sources to $SRC_DIR"

# --- Step 7: replace every meson wrap by a local system-library shim ----------------------
# Each shim (scripts/mediasoup-offline/subprojects/<name>/meson.build) declares
# the same variables as the wrap (e.g. libuv_dep, plus an empty static library
# for the ones mediasoup lists under link_whole) from pkg-config. Without the
# .wrap file meson uses the directory as is and never tries to download.
# An unknown wrap (a newer mediasoup) stops the build with a clear message.
for wrap in "$SRC_DIR"/subprojects/*.wrap; do
  name="$(basename "$wrap" .wrap)"
  rm -f "$wrap"
  if [[ "$name" == wingetopt ]]; then
    continue # Windows only; worker/meson.build never opens it on Linux
  fi
  [[ -f "$SUPPORT_DIR/subprojects/$name/meson.build" ]] ||
    die "mediasoup $MS_VERSION wants subproject '$name', which has no offline shim in $SUPPORT_DIR/subprojects"
  rm -rf "${SRC_DIR:?}/subprojects/$name"
  cp -R "$SUPPORT_DIR/subprojects/$name" "$SRC_DIR/subprojects/$name"
  log "shim: subprojects/$name.wrap -> system library"
done

# --- Step 8: patch: meson version requirement -----------------------------------------------
# mediasoup 3.12.16 asks for meson >= 1.1.0 (it pins 1.2.1 from pip), but
# Debian bookworm ships 1.0.1. The worker's meson.build uses nothing newer,
# so we lower the requirement to the installed version (in the copy only).
MESON_VERSION="$(meson --version)"
required="$(sed -nE "s/.*meson_version *: *'>= *([0-9.]+)'.*/\1/p" "$SRC_DIR/meson.build" | head -n1)"
if [[ -n "$required" ]] &&
   [[ "$(printf '%s\n%s\n' "$required" "$MESON_VERSION" | sort -V | head -n1)" != "$required" ]]; then
  sed -i -E "s/(meson_version *: *')>= *[0-9.]+'/\1>= $MESON_VERSION'/" "$SRC_DIR/meson.build"
  log "patch: meson_version '>= $required' lowered to installed meson $MESON_VERSION"
fi

# --- Step 9: configure ----------------------------------------------------------------------
# Same options as mediasoup's own Makefile for a Release build, plus
# --wrap-mode=nodownload as a guarantee that meson never goes online.
log "meson setup (meson $MESON_VERSION) -> $BUILD_DIR"
if ! meson setup "$BUILD_DIR" "$SRC_DIR" \
    --wrap-mode=nodownload \
    --buildtype release \
    -Db_ndebug=true \
    -Db_pie=true \
    -Db_staticpic=true \
    >"$LOG_FILE" 2>&1; then
  tail -n 40 "$LOG_FILE" >&2
  die "meson setup failed; full log: $LOG_FILE"
fi

# --- Step 10: compile ---------------------------------------------------------------------
# Only the mediasoup-worker target (tests, fuzzer and the library are not
# built by default). Full compiler output goes to the log; progress is shown
# every 25 steps so the terminal stays readable.
JOBS="${MEDIASOUP_BUILD_JOBS:-$(nproc)}"
log "ninja -j$JOBS mediasoup-worker (log: $LOG_FILE)"
set +e
ninja -C "$BUILD_DIR" -j "$JOBS" mediasoup-worker 2>&1 |
  tee -a "$LOG_FILE" |
  awk -v p='[mediasoup-worker]   ' '/^\[[0-9]+\/[0-9]+\]/ { split(substr($1, 2), a, "/"); if (a[1] % 25 == 0 || a[1] == a[2]) { print p $1; fflush() } }'
ninja_rc=${PIPESTATUS[0]}
set -e
if [[ $ninja_rc -ne 0 ]]; then
  grep -E -A5 'error|FAILED' "$LOG_FILE" | tail -n 40 >&2 || true
  die "compilation failed; full log: $LOG_FILE"
fi

# --- Step 11: verify, cache, install ------------------------------------------------------------
BUILT_BIN="$BUILD_DIR/mediasoup-worker"
worker_ok "$BUILT_BIN" || die "built binary does not behave like a mediasoup worker: $BUILT_BIN"
install_bin "$BUILT_BIN" "$CACHE_BIN"
install_bin "$BUILT_BIN" "$TARGET_BIN"
log "built in $((SECONDS - build_start)) s; cached at $CACHE_BIN; installed at $TARGET_BIN"

if [[ "${MEDIASOUP_KEEP_BUILD:-0}" != 1 ]]; then
  rm -rf "$WORK_DIR" # the binary is cached; the ~100 MB build tree is not needed
fi

# --- Step 12: smoke test -------------------------------------------------------------------------
# Prove the binary works end to end with the installed mediasoup JS.
run_smoke
finish
log "done"
