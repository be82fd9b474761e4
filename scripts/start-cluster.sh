#!/usr/bin/env bash
#
# npm run start:cluster — the cluster mode on one machine, each part a real process:
#   PostgreSQL (Debian's, its own cluster in .data/cluster/postgres, on 127.0.0.1),
#   Redis (Debian's redis-server, append-only file in .data/cluster/redis),
#   two SFU nodes (the built sfu/ of npm start -w sfu: mediasoup workers, registered in Redis),
#   two signaling nodes (the built server of npm start, SFU=nodes: their calls' media on the SFU
#   nodes), each process started again when it ends by itself, and
#   a tiny TCP balancer in front of the signaling nodes (signaling/src/cluster/TcpBalancer.ts) on PORT (8080).
# The signaling node started first runs the city; the other is an edge that relays to it and takes
# the city over within seconds if it dies. Both share DATA_DIR (.data/cluster/data): the JWT secret,
# the certificate authority, stills and documents (on several machines: a shared file system). A
# call's room goes to the least-loaded SFU node; if that node dies, it is rebuilt on another.
# SFU_NODES=0: no SFU nodes, each signaling node's media in its own process.
# Ctrl-C stops everything. Expects npm run setup to have run.
#
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
CLUSTER_DIR=${CLUSTER_DIR:-$ROOT/.data/cluster}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8080}
PG_PORT=${PG_PORT:-15432}
REDIS_PORT=${REDIS_PORT:-16379}
NODES=${NODES:-2}
SFU_NODES=${SFU_NODES:-2}
say() { printf '\033[1m[cluster] %s\033[0m\n' "$*"; }

[[ -f signaling/dist/main.js && -f sfu/dist/main.js ]] || { echo "The server is not built: run npm run setup first." >&2; exit 1; }
mkdir -p "$CLUSTER_DIR"/{redis,data,logs,pg-socket}
chmod 700 "$CLUSTER_DIR"/{redis,data} # the server keeps DATA_DIR private itself; PostgreSQL its own folder
touch "$CLUSTER_DIR/logs/postgres.log"

PIDS=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n $PG_BIN ]] || { echo "PostgreSQL is not installed: run npm run setup first." >&2; exit 1; }
PG_DATA=$CLUSTER_DIR/postgres
# initdb and postgres refuse to run as root: there they run as Debian's postgres user.
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_all() {
  trap - EXIT INT TERM
  say "stopping"
  # The last started first: the balancer, the signaling nodes (each writes its calls' state, then
  # lets the lease go while Redis still answers), the SFU nodes, then Redis, then PostgreSQL.
  for ((n = ${#PIDS[@]} - 1; n >= 0; n--)); do
    kill -TERM "${PIDS[n]}" 2>/dev/null || true
    wait "${PIDS[n]}" 2>/dev/null || true
  done
  as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w >/dev/null 2>&1 || true
}
trap stop_all EXIT INT TERM

if [[ ! -f $PG_DATA/PG_VERSION ]]; then
  say "creating the PostgreSQL cluster in $PG_DATA"
  mkdir -p "$PG_DATA"
  [[ $(id -u) == 0 ]] && chown postgres:postgres "$PG_DATA"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
fi
[[ $(id -u) == 0 ]] && chown postgres:postgres "$CLUSTER_DIR/pg-socket" "$CLUSTER_DIR/logs/postgres.log"
say "PostgreSQL on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$CLUSTER_DIR/logs/postgres.log" -w -t 30 \
  -o "-h 127.0.0.1 -p $PG_PORT -k $CLUSTER_DIR/pg-socket" >/dev/null
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres madoguchi 2>/dev/null || true
export DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/madoguchi

say "Redis on 127.0.0.1:$REDIS_PORT"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$CLUSTER_DIR/redis" --appendonly yes --save '' \
  >"$CLUSTER_DIR/logs/redis.log" 2>&1 &
PIDS+=($!)
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT

npm run --silent migrate -w prisma -- deploy
npm run --silent seed -w prisma -- --accounts-file "$CLUSTER_DIR/demo-accounts.txt"

export DATA_DIR=$CLUSTER_DIR/data HOST
export TURN=${TURN:-off} # one embedded coturn per machine at most: set TURN_URLS to a city's own
scheme=$([[ ${TLS:-local} == off ]] && echo http || echo https)
backends=()
# One process, started again when it ends by itself (a crash, or an owner that lost the city's
# lease and exited), as systemd's Restart= would do; TERM stops it for good (an SFU node drains
# first: its calls move as they end). A process that keeps ending within seconds of its start (a
# setting it cannot run with) is given up after five tries.
supervise() {
  local name=$1 log=$2 child='' quick=0 started code
  shift 2
  trap '[[ -n $child ]] && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM
  while :; do
    started=$SECONDS
    "$@" >>"$log" 2>&1 &
    child=$!
    code=0
    wait "$child" || code=$?
    if ((SECONDS - started < 10)); then quick=$((quick + 1)); else quick=0; fi
    ((quick < 5)) || { echo "[cluster] $name keeps ending at once: given up" >>"$log"; exit 1; }
    echo "[cluster] $name ended ($code): starting it again" >>"$log"
    sleep 1
  done
}
# Wait until url answers, or show the log of the process that did not start.
wait_for() {
  local url=$1 log=$2
  for _ in $(seq 1 150); do
    curl -fsk -o /dev/null "$url" && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.2
  done
}

if ((SFU_NODES > 0)); then
  SECRET_FILE=$CLUSTER_DIR/data/sfu-secret
  [[ -s $SECRET_FILE ]] || (umask 077 && node -e "console.log(require('node:crypto').randomBytes(32).toString('hex'))" >"$SECRET_FILE")
  export SFU=nodes SFU_SECRET=${SFU_SECRET:-$(cat "$SECRET_FILE")}
  for i in $(seq 1 "$SFU_NODES"); do
    control=$((4700 + i)) media=$((42000 + 100 * i)) log=$CLUSTER_DIR/logs/sfu-$i.log
    say "SFU node $i: control http://$HOST:$control, media from port $media"
    : >"$log"
    supervise "sfu node $i" "$log" env SFU_NODE_ID=sfu-$i SFU_HOST="$HOST" SFU_PORT=$control MEDIA_PORT=$media \
      node --enable-source-maps sfu/dist/main.js &
    PIDS+=($!)
    wait_for "http://$HOST:$control/health" "$log"
  done
fi

for i in $(seq 1 "$NODES"); do
  port=$((PORT + i)) log=$CLUSTER_DIR/logs/node-$i.log
  say "signaling node $i on $scheme://$HOST:$port"
  : >"$log"
  supervise "signaling node $i" "$log" env -C signaling PORT=$port NODE_URL=$scheme://$HOST:$port MEDIA_PORT=$((40000 + 100 * i)) MALLOC_MMAP_THRESHOLD_=32768 \
    node --enable-source-maps dist/main.js &
  PIDS+=($!)
  backends+=(--backend "$HOST:$port")
  # The first node takes the city (and makes the certificates) before the next starts.
  wait_for "$scheme://$HOST:$port/api/health" "$log"
done

node_modules/.bin/tsx signaling/src/cli/balancer.ts --listen "$HOST:$PORT" "${backends[@]}" &
PIDS+=($!)
say "ready: $scheme://$HOST:$PORT/console/ (operators) and $scheme://$HOST:$PORT/kiosk/ (tablets); logs in $CLUSTER_DIR/logs; Ctrl-C stops"
# A node that dies leaves the others serving (that is the point); the balancer's end ends the cluster.
wait "${PIDS[-1]}" || true
