#!/usr/bin/env bash
# Soak run: the Entra load (scim-load) against `scimitar serve` on SQLite for ROUNDS
# rounds of ROUND_SECS seconds; at the end of each round the server is killed with
# SIGKILL and started again on the same database. Afterwards every write the server
# acknowledged is looked for in the database, and the server's RSS at the end of each
# round is printed. Not part of CI: it runs for ROUNDS x ROUND_SECS seconds.
#
#   ROUNDS=10 ROUND_SECS=60 bash benches/soak/soak.sh
#
# Exits 1 if an acknowledged write is missing or a server did not start.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${ROUNDS:-10}
round_secs=${ROUND_SECS:-60}
connections=${CONNECTIONS:-8}

cargo build --quiet --release -p scimitar-cli -p scimitar-benches
target=${CARGO_TARGET_DIR:-target}/release
work=${SOAK_DIR:-$(mktemp -d)}
mkdir -p "$work"
db="$work/soak.db"
acknowledged="$work/acknowledged"
rm -f "$db" "$db-wal" "$db-shm" "$acknowledged"
"$target/scimitar" tenant create --db "$db" soak >/dev/null
key=$("$target/scimitar" token issue --db "$db" --tenant soak 2>/dev/null)

server=""
load=""
cleanup() {
    [ -n "$load" ] && kill "$load" 2>/dev/null || true
    [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
}
trap cleanup EXIT

echo "round  seconds  rss_mib  acknowledged_lines  db_mib"
for round in $(seq 1 "$rounds"); do
    RUST_LOG=off "$target/scimitar" serve --listen 127.0.0.1:0 --db "$db" \
        >"$work/serve.out" 2>"$work/serve.err" &
    server=$!
    for _ in $(seq 1 600); do
        grep -q "^listening on" "$work/serve.err" && break
        kill -0 "$server" 2>/dev/null || { cat "$work/serve.err"; exit 1; }
        sleep 0.1
    done
    addr=$(sed -n 's|^listening on http://||p' "$work/serve.err")
    [ -n "$addr" ] || { echo "the server did not start"; cat "$work/serve.err"; exit 1; }
    # One sync after another until the server dies under it (scim-load then exits 2).
    (
        run=0
        while "$target/scim-load" --url "http://$addr/scim/v2" --token "$key" \
            --users 20000 --groups 200 --connections "$connections" \
            --prefix "soak${round}r${run}x" --acknowledged "$acknowledged" >>"$work/load.log" 2>&1; do
            run=$((run + 1))
        done
    ) &
    load=$!
    sleep "$round_secs"
    rss=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server/status")
    kill -9 "$server"
    wait "$server" 2>/dev/null || true
    server=""
    wait "$load" 2>/dev/null || true
    load=""
    size=$(du -m "$db" | cut -f1)
    printf '%5d  %7d  %7s  %18d  %6d\n' "$round" "$round_secs" "$rss" "$(wc -l <"$acknowledged")" "$size"
done

python3 "$(dirname "$0")/verify.py" "$db" "$acknowledged"
