# Sourced by scripts/test.sh: a throwaway PostgreSQL cluster for the jobs tests, in a
# temporary folder on a loopback port, stopped by `stop_postgres`. Exports
# FRAMECAST_TEST_POSTGRES (a postgresql:// URL) when it runs; otherwise says why and the
# PostgreSQL tests skip (under CI=true they fail instead).
pg_dir=""
pg_user=""

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

as_pg_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$pg_user" -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local bindir port
  bindir=$(pg_bindir || true)
  if [ -z "$bindir" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian's postgresql package) for the jobs tests"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || {
      apt-get update -qq >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1
    } || true
    bindir=$(pg_bindir || true)
  fi
  if [ -z "$bindir" ]; then
    echo "== PostgreSQL not available (no initdb; not root to install it): its tests skip"
    return 0
  fi
  pg_user=$(id -un)
  if [ "$(id -u)" = 0 ]; then  # initdb refuses root
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    pg_user=postgres
  fi
  pg_dir=$(mktemp -d)
  chown "$pg_user" "$pg_dir"
  port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg_user "$bindir/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  as_pg_user "$bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 start -o \
    "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    >/dev/null
  export FRAMECAST_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$port/postgres"
  PG_BINDIR=$bindir
  echo "== PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir/data" ]; then
    as_pg_user "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -n "$pg_dir" ] && rm -rf "$pg_dir"
  return 0
}
