#!/usr/bin/env bash
#
# npm run start:cluster — the cluster mode on one machine, each part a real process:
#   PostgreSQL (Debian's, its own cluster in .data/cluster/postgres, on 127.0.0.1),
#   Redis (Debian's redis-server, append-only file in .data/cluster/redis),
#   two signaling nodes (the built server of npm start, each with its SFU in process, each started
#   again when it ends by itself), and
#   a tiny TCP balancer in front of them (signaling/src/cluster/TcpBalancer.ts) on PORT (8080).
# The node started first runs the city; the other is an edge that relays to it and takes the city
# over within seconds if it dies. Both share DATA_DIR (.data/cluster/data): the JWT secret, the
# certificate authority, stills and documents (on several machines: a shared file system).
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
say() { printf '\033[1m[cluster] %s\033[0m\n' "$*"; }

[[ -f signaling/dist/main.js ]] || { echo "The server is not built: run npm run setup first." >&2; exit 1; }
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
  # The last started first: the balancer, the nodes (each writes its calls' state, then lets the
  # lease go while Redis still answers), then Redis, then PostgreSQL.
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
# One signaling node, started again when it ends by itself (a crash, or an owner that lost the
# city's lease and exited), as systemd's Restart= would do; TERM stops it for good. A node that keeps
# ending within seconds of its start (a setting it cannot run with) is given up after five tries.
supervise_node() {
  local i=$1 port=$2 child='' quick=0 started code
  trap '[[ -n $child ]] && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM
  while :; do
    started=$SECONDS
    (cd signaling && PORT=$port NODE_URL=$scheme://$HOST:$port MEDIA_PORT=$((40000 + 100 * i)) MALLOC_MMAP_THRESHOLD_=32768 \
      exec node --enable-source-maps dist/main.js) >>"$CLUSTER_DIR/logs/node-$i.log" 2>&1 &
    child=$!
    code=0
    wait "$child" || code=$?
    if ((SECONDS - started < 10)); then quick=$((quick + 1)); else quick=0; fi
    ((quick < 5)) || { echo "[cluster] node $i keeps ending at once: given up" >>"$CLUSTER_DIR/logs/node-$i.log"; exit 1; }
    echo "[cluster] node $i ended ($code): starting it again" >>"$CLUSTER_DIR/logs/node-$i.log"
    sleep 1
  done
}

for i in $(seq 1 "$NODES"); do
  port=$((PORT + i))
  say "signaling node $i on $scheme://$HOST:$port (media on port $((40000 + 100 * i)))"
  : >"$CLUSTER_DIR/logs/node-$i.log"
  supervise_node "$i" "$port" &
  PIDS+=($!)
  backends+=(--backend "$HOST:$port")
  # The first node takes the city (and makes the certificates) before the next starts.
  for _ in $(seq 1 150); do
    curl -fsk -o /dev/null "$scheme://$HOST:$port/api/health" && break
    kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$CLUSTER_DIR/logs/node-$i.log" >&2; exit 1; }
    sleep 0.2
  done
done

node_modules/.bin/tsx signaling/src/cli/balancer.ts --listen "$HOST:$PORT" "${backends[@]}" &
PIDS+=($!)
say "ready: $scheme://$HOST:$PORT/console/ (operators) and $scheme://$HOST:$PORT/kiosk/ (tablets); logs in $CLUSTER_DIR/logs; Ctrl-C stops"
# A node that dies leaves the others serving (that is the point); the balancer's end ends the cluster.
wait "${PIDS[-1]}" || true
