#!/bin/sh
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# bench/bench-api.sh [SECONDS] [SESSIONS]
#
# Load test of tmirror-api on loopback, with wrk (Debian's wrk): prints
# requests per second and latency percentiles for native reads, native
# writes (each a database transaction), EC2 reads signed with SigV4 and the
# same read in the native dialect, 16 connections, SECONDS (default 5) per
# case; then the RSS of tmirror-api with SESSIONS (default 100000)
# sessions in the database, loaded in batches with ovsdb-client.  A
# benchmark: it prints figures and asserts nothing.  Everything runs in a
# scratch directory with its own ovsdb-server, stopped at the end.
set -e

secs=${1:-5}
n_sessions=${2:-100000}
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$top/api:$top/utilities:$PATH:/usr/sbin:/sbin
dir=$(mktemp -d /tmp/bench-api.XXXXXX)
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
db=unix:$dir/tmirror.sock
token=bench-token-0123456789

for tool in wrk ovsdb-server ovsdb-client python3; do
    command -v $tool > /dev/null || { echo "bench-api: $tool is missing"; exit 1; }
done

stop() {
    for p in tmirror-api ovsdb-server; do
        test -f "$dir/$p.pid" && kill "$(cat "$dir/$p.pid")" 2>/dev/null
    done
    sleep 0.5
    rm -rf "$dir"
}
trap stop EXIT

cd "$dir"
cat > creds.json <<EOF
{"projects": {"ops": {"ports": ["*"]}},
 "credentials": [{"access_key": "AKIDBENCH", "secret": "bench-secret",
   "token": "$token", "project": "ops", "actions": ["*"]}]}
EOF
ovsdb-tool create tm.db "$top/ovsdb/tmirror.ovsschema"
ovsdb-server tm.db --detach --no-chdir --pidfile --log-file \
    --remote=punix:$dir/tmirror.sock
tmirror-ctl --db=$db --timeout=30 init

# api_up: starts tmirror-api and sets URL once it has the database.
api_up() {
    tmirror-api $db --detach --no-chdir --pidfile --log-file \
        -vapi_access:file:warn --listen=127.0.0.1:0 --credentials=creds.json
    for i in $(seq 1 600); do
        if ovs-appctl -t $dir/tmirror-api.$(cat tmirror-api.pid).ctl \
               tmirror-api/show 2>/dev/null | grep -q '(connected)'; then
            break
        fi
        sleep 0.1
    done
    URL=http://$(ovs-appctl -t $dir/tmirror-api.$(cat tmirror-api.pid).ctl \
                 tmirror-api/show | sed -n 's/^listening on //p')
}
api_up

# A small intent: 10 sessions.
tmirror-ctl --db=$db -- filter-add web -- rule-add web ingress 10 accept \
    protocol=tcp dst-port=80 -- target-add ids ip 192.0.2.10
for i in $(seq 1 10); do
    tmirror-ctl --db=$db session-add s$i vm$i ids web 1 vni=$i
done

# run NAME WRK-ARGS...: one wrk case; prints a table row.
run() {
    name=$1
    shift
    out=$(wrk -t2 -c16 -d${secs}s --latency --timeout 10s "$@")
    rps=$(echo "$out" | sed -n 's/^Requests\/sec: *//p')
    p50=$(echo "$out" | sed -n 's/^ *50% *//p')
    p99=$(echo "$out" | sed -n 's/^ *99% *//p')
    non2xx=$(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: *//p')
    printf '%-34s %10s %9s %9s %s\n' "$name" "$rps" "$p50" "$p99" \
        "${non2xx:+($non2xx non-2xx)}"
}

cat > write.lua <<'EOF'
-- Each request creates a new filter with a unique name: one transaction.
-- 'id' is set in each thread's own Lua state by setup().
local counter = 0
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
end
function request()
    counter = counter + 1
    local body = string.format('{"name": "w%d-%d"}', id, counter)
    return wrk.format("POST", "/v1/filters", {
        ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
        ["Content-Type"] = "application/json"}, body)
end
EOF
cat > signed.lua <<'EOF'
-- Replays one SigV4-signed DescribeTrafficMirrorSessions (reads are not
-- replay-checked; the signature stays valid for 5 minutes).
local f = io.open("signed.txt")
local headers = {}
local body
for line in f:lines() do
    local k, v = line:match("^([%w-]+): (.*)$")
    if k then headers[k] = v else body = line end
end
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers = headers
EOF
python3 "$top/tests/api-sigv4.py" "$URL" AKIDBENCH bench-secret --headers \
    Action=DescribeTrafficMirrorSessions > signed.txt

echo "tmirror-api load test: 2 threads, 16 connections, ${secs} s per case"
echo "(machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-34s %10s %9s %9s\n' case "req/s" p50 p99
run "native read (GET one session)" -H "Authorization: Bearer $token" \
    "$URL/v1/sessions/s1"
run "native list (GET 10 sessions)" -H "Authorization: Bearer $token" \
    "$URL/v1/sessions"
run "EC2 describe 10 sessions (SigV4)" -s signed.lua "$URL/"
TOKEN=$token run "native write (POST filter, 1 txn)" -s write.lua "$URL"
echo "filters in the database after the writes: $(tmirror-ctl --db=$db \
    --bare --columns=name list filter | grep -c .)"

# elapsed START: seconds since START (date +%s.%N).
elapsed() {
    python3 -c "import sys; print('%.1f' % ($(date +%s.%N) - $1))"
}

rss() {
    sed -n 's/^VmRSS: *//p' /proc/$(cat tmirror-api.pid)/status
}
echo "tmirror-api RSS with $(tmirror-ctl --db=$db --bare --columns=name \
    list session | grep -c .) sessions: $(rss)"

# SESSIONS sessions, in transactions of 200 inserts (an argument
# of ovsdb-client must stay under 128 KiB).
ovs-appctl -t $dir/tmirror-api.$(cat tmirror-api.pid).ctl exit || true
sleep 0.5
target=$(tmirror-ctl --db=$db --bare --columns=_uuid find target name=ids)
filter=$(tmirror-ctl --db=$db --bare --columns=_uuid find filter name=web)
start=$(date +%s.%N)
python3 - "$n_sessions" "$target" "$filter" > batches <<'EOF'
import json, sys
n, target, filter_ = int(sys.argv[1]), sys.argv[2], sys.argv[3]
batch = 200
for first in range(0, n, batch):
    ops = ["Traffic_Mirror"]
    for i in range(first, min(n, first + batch)):
        ops.append({"op": "insert", "table": "Session", "row": {
            "name": "bulk%d" % i, "source": "bulk-vm%d" % i,
            "target": ["uuid", target], "filter": ["uuid", filter_],
            "session_number": 1, "vni": 100000 + i, "enabled": True,
            "description": "",
            "external_ids": ["map", [["tmirror-project", "ops"]]]}})
    print(json.dumps(ops))
EOF
while read -r txn; do
    ovsdb-client transact $db "$txn" > /dev/null
done < batches
load=$(elapsed $start)
echo "loaded $n_sessions sessions in ${load} s"
start=$(date +%s.%N)
api_up
echo "tmirror-api connected and synced in $(elapsed $start) s"
echo "tmirror-api RSS with $(($n_sessions + 10)) sessions: $(rss)"
run "native read, big DB" -H "Authorization: Bearer $token" \
    "$URL/v1/sessions/s1"
# Writes at that size, one at a time (each checks the whole intent with
# the cross-row rules of tmirror-ctl).
for i in 1 2 3; do
    curl -s -o /dev/null -w "native write, big DB, one request: %{time_total} s, HTTP %{http_code}\n" \
        --max-time 120 -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' -d "{\"name\": \"big$i\"}" \
        "$URL/v1/filters"
done
echo "tmirror-api RSS after the load: $(rss)"
