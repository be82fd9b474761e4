#!/usr/bin/env bash
#
# The whole test suite: type checks, vitest (unit + integration with a real mediasoup worker,
# socket.io server and SQLite database) and Playwright end-to-end calls in Debian's Chromium.
# Expects `npm run setup` to have run.
#
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n\033[1m[test] %s\033[0m\n' "$*"; }

step "type checks"
npx turbo run typecheck --output-logs=errors-only

step "unit and integration tests (vitest)"
npx vitest run

step "build the server and the browser apps (the end-to-end tests run what npm start runs; cached when unchanged)"
npx turbo run build --output-logs=errors-only

step "end-to-end tests (Playwright, Chromium)"
npm run --silent e2e -w tests
