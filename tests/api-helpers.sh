# Shell helpers for the tmirror-api tests (tests/api*.at), sourced at run
# time so that JSON and its brackets stay out of m4's way.
#
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").

# The projects and credentials of every test:
#   blue:  ports vm1 and web-*; a credential allowed everything of both
#          dialects (token, AKIDBLUE);
#   red:   port vm2; reads only (token, AKIDRED);
#   ops:   "*", an admin project (token only);
#   green: ports vm3, allowed only tmirror:*Session* and ec2:Describe*.
api_write_credentials () {
    cat > api-creds.json <<'EOF'
{"projects": {"blue": {"ports": ["vm1", "web-*"]},
              "red": {"ports": ["vm2"]},
              "green": {"ports": ["vm3"]},
              "ops": {"ports": ["*"]}},
 "credentials": [
  {"access_key": "AKIDBLUE", "secret": "blue-secret-key", "token": "blue-token-0123456789",
   "project": "blue", "actions": ["ec2:*TrafficMirror*", "tmirror:*"]},
  {"access_key": "AKIDRED", "secret": "red-secret-key", "token": "red-token-0123456789",
   "project": "red", "actions": ["tmirror:List*", "tmirror:Get*", "ec2:Describe*"]},
  {"access_key": "AKIDGREEN", "secret": "green-secret-key", "token": "green-token-0123456789",
   "project": "green", "actions": ["tmirror:*Session*", "ec2:Describe*", "ec2:*TrafficMirrorSession"]},
  {"token": "ops-token-0123456789", "project": "ops", "actions": ["*"]}]}
EOF
}

BLUE=blue-token-0123456789
RED=red-token-0123456789
GREEN=green-token-0123456789
OPS=ops-token-0123456789

# api_start [EXTRA-TMIRROR-API-ARGS...]
#
# Starts ovsdb-server with the Traffic_Mirror database (tm_db_start),
# initializes it, and starts tmirror-api on a free loopback port with the
# test credentials.  Sets API to its base URL.
api_start () {
    tm_db_start || return 1
    tmirror-ctl --timeout=30 init || return 1
    api_write_credentials
    tmirror-api --detach --no-chdir --pidfile --log-file -vconsole:off \
        -vfile:dbg --listen=127.0.0.1:0 --credentials=api-creds.json "$@" \
        || return 1
    on_exit "kill \`cat \"$OVS_RUNDIR\"/tmirror-api.pid\` 2>/dev/null"
    api_wait_connected && api_find_url
}

# api_wait_connected: waits (30 s at most) until tmirror-api has the
# database's contents.
api_wait_connected () {
    for i in $(seq 1 300); do
        if ovs-appctl -t tmirror-api tmirror-api/show 2>/dev/null \
               | grep -q '(connected)'; then
            return 0
        fi
        sleep 0.1
    done
    echo "tmirror-api did not connect to the database" >&2
    return 1
}

# api_find_url: sets API from tmirror-api/show.
api_find_url () {
    addr=$(ovs-appctl -t tmirror-api tmirror-api/show \
           | sed -n 's/^listening on \(ssl:\)\{0,1\}//p')
    case $(ovs-appctl -t tmirror-api tmirror-api/show | head -1) in
        *ssl:*) API=https://$addr ;;
        *) API=http://$addr ;;
    esac
    test -n "$addr"
}

# api TOKEN METHOD PATH [BODY [CONTENT-TYPE]]
#
# Sends one request with curl; prints the HTTP status on a line of its own,
# then the body.  The body is also left in api-body.
api () {
    tok=$1 method=$2 path=$3
    shift 3
    set -- "$@"
    if [ $# -ge 1 ]; then
        ctype=${2:-application/json}
        set -- -H "Content-Type: $ctype" --data-binary "$1"
    fi
    code=$(curl -sS --max-time 30 -o api-body -w '%{http_code}' \
               -X "$method" -H "Authorization: Bearer $tok" "$@" "$API$path")
    echo "$code"
    sed -e '$a\' api-body
}

# api_flat [FILE]
#
# Prints the JSON in FILE (default api-body) as sorted "path=value" lines,
# with every id ("id" and "*_id" members, "tm...-HEX" values) shown as its
# prefix and "X", so that expected outputs are stable and free of brackets.
api_flat () {
    "$PYTHON3" - "${1:-api-body}" <<'EOF'
import json, re, sys
def norm(v):
    if isinstance(v, str):
        return re.sub(r'\b(tmfr|tmf|tmt|tms)-[0-9a-f]{32}\b', r'\1-X', v)
    return json.dumps(v)
def walk(prefix, v, out):
    if isinstance(v, dict):
        if not v:
            out.append(prefix + '={}')
        for k in sorted(v):
            walk(prefix + '.' + k if prefix else k, v[k], out)
    elif isinstance(v, list):
        if not v:
            out.append(prefix + '=()')
        for i, e in enumerate(v):
            walk('%s.%d' % (prefix, i), e, out)
    else:
        out.append('%s=%s' % (prefix, norm(v)))
out = []
walk('', json.load(open(sys.argv[1])), out)
print('\n'.join(out))
EOF
}

# api_get FIELD [FILE]: prints one member of the JSON in FILE (a path
# "a.b.0.c").
api_get () {
    "$PYTHON3" - "$1" "${2:-api-body}" <<'EOF'
import json, sys
v = json.load(open(sys.argv[2]))
for p in sys.argv[1].split('.'):
    v = v[int(p)] if isinstance(v, list) else v[p]
print(v if isinstance(v, str) else json.dumps(v))
EOF
}

# Fixtures.
FILTER_WEB='{"name": "web", "description": "web traffic", "rules": [
  {"direction": "ingress", "number": 10, "action": "accept", "protocol": "tcp", "destination_port": "80-81"},
  {"direction": "egress", "number": 20, "action": "reject", "source_cidr": "10.0.0.0/8"}]}'
TARGET_IDS='{"name": "ids", "type": "ip", "addresses": ["192.0.2.10"], "description": "IDS"}'
TARGET_SPAN='{"name": "span", "type": "ip", "addresses": ["192.0.2.20"], "encap": "erspan", "erspan_ver": 2}'
TARGET_APP='{"name": "app", "type": "port", "port": "web-app"}'
TARGET_IDS_PATCH='{"addresses": ["192.0.2.10", "192.0.2.11"], "encap": "geneve", "dst_port": 6090}'
TARGET_DUP='{"name": "bad", "type": "ip", "addresses": ["192.0.2.1", "192.0.2.1"]}'
TARGET_GRE_PORT='{"name": "bad", "type": "ip", "addresses": ["192.0.2.1"], "encap": "gre", "dst_port": 9}'
NO_RULES='{"rules": []}'
SESSION_S1='{"name": "s1", "source": "vm1", "target": "ids", "filter": "web", "number": 1, "vni": 100}'

# The AWS CLI from Debian (not another one on PATH), configured only by the
# environment: the test's credentials, no config files, no metadata
# service.
aws_ec2 () {
    AWS_ACCESS_KEY_ID=${AWS_KEY:-AKIDBLUE} \
    AWS_SECRET_ACCESS_KEY=${AWS_SECRET:-blue-secret-key} \
    AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
    AWS_PAGER= \
        /usr/bin/aws --endpoint-url "$API" --cli-read-timeout 30 \
        --cli-connect-timeout 10 ec2 "$@"
}

# A configuration document for PUT /v1/config: one filter, one target, one
# session (source vm1).
CONFIG_BLUE='{"version": 1,
 "filters": [{"name": "cf", "rules": [{"direction": "ingress", "number": 1, "action": "accept"}]}],
 "targets": [{"name": "ct", "type": "ip", "addresses": ["192.0.2.30"]}],
 "sessions": [{"name": "cs", "source": "vm1", "target": "ct", "filter": "cf", "number": 9, "vni": 900}]}'
CONFIG_BLUE_BAD_PORT='{"version": 1,
 "filters": [{"name": "cf"}],
 "targets": [{"name": "ct", "type": "ip", "addresses": ["192.0.2.30"]}],
 "sessions": [{"name": "cs", "source": "vm2", "target": "ct", "filter": "cf", "number": 9}]}'
CONFIG_BLUE_BAD_VALUE='{"version": 1,
 "filters": [{"name": "cf", "rules": [{"direction": "ingress", "number": 1, "action": "accept", "source_cidr": "10.0.0.1/8"}]}]}'
CONFIG_BLUE_SMALL='{"version": 1, "filters": [{"name": "cf"}]}'

# ---- EC2 dialect helpers (AWS CLI queries need brackets, kept here). ----

# ec2_id KIND ARGS...: runs "aws ec2 create-traffic-mirror-KIND ARGS" and
# prints the new resource's id.
ec2_id () {
    kind=$1
    shift
    case $kind in
        filter) q=TrafficMirrorFilter.TrafficMirrorFilterId ;;
        filter-rule) q=TrafficMirrorFilterRule.TrafficMirrorFilterRuleId ;;
        target) q=TrafficMirrorTarget.TrafficMirrorTargetId ;;
        session) q=TrafficMirrorSession.TrafficMirrorSessionId ;;
    esac
    aws_ec2 create-traffic-mirror-$kind "$@" --query "$q" --output text
}

# ec2_name_tag NAME: a --tag-specifications value with a Name tag.
ec2_name_tag () {
    echo "ResourceType=traffic-mirror-$1,Tags=[{Key=Name,Value=$2}]"
}

# ec2_sessions [ARGS]: describe-traffic-mirror-sessions as text, one line
# per session: source, number, VNI, packet length, description, owner.
ec2_sessions () {
    aws_ec2 describe-traffic-mirror-sessions "$@" --output text --query \
        'TrafficMirrorSessions[].[NetworkInterfaceId,SessionNumber,VirtualNetworkId,PacketLength,Description,OwnerId]' \
        | sed 's/[[:space:]]*$//'
}

# ec2_targets [ARGS]: type, interface or ARN, description, owner.
ec2_targets () {
    aws_ec2 describe-traffic-mirror-targets "$@" --output text --query \
        'TrafficMirrorTargets[].[Type,NetworkInterfaceId||NetworkLoadBalancerArn,Description,OwnerId]' \
        | sed 's/[[:space:]]*$//'
}

# ec2_rules [ARGS]: the rules of the filters, direction, number, action,
# protocol, ports, CIDRs.
ec2_rules () {
    aws_ec2 describe-traffic-mirror-filters "$@" --output text --query \
        'TrafficMirrorFilters[].[IngressFilterRules,EgressFilterRules][][][].[TrafficDirection,RuleNumber,RuleAction,Protocol,DestinationPortRange.FromPort,DestinationPortRange.ToPort,SourceCidrBlock,DestinationCidrBlock,Description]' \
        | sed 's/[[:space:]]*$//'
}

# ec2_filters [ARGS]: description and tags of filters.
ec2_filters () {
    aws_ec2 describe-traffic-mirror-filters "$@" --output text --query \
        'TrafficMirrorFilters[].[Description,Tags[0].Key,Tags[0].Value]' \
        | sed 's/[[:space:]]*$//'
}

# ec2_error CMD...: runs an aws command that must fail, prints its exit
# status and the error code from its message.
ec2_error () {
    "$@" > ec2-out 2> ec2-err
    rc=$?
    code=$(sed -n 's/.*An error occurred (\([^)]*\)).*/\1/p' ec2-err)
    echo "rc=$rc ${code:-$(cat ec2-err)}"
}

# api_check_openapi: checks the OpenAPI document in api-body against the
# routes that tmirror-api serves (ovs-appctl tmirror-api/routes): OpenAPI
# 3, every route described with its method and policy action, and nothing
# described that is not served.  Prints what is wrong, or "ok N routes".
api_check_openapi () {
    ovs-appctl -t tmirror-api tmirror-api/routes > api-routes || return 1
    "$PYTHON3" - api-body api-routes <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
problems = []
if not str(doc.get("openapi", "")).startswith("3."):
    problems.append("not an OpenAPI 3 document")
for key in ("info", "paths", "components"):
    if key not in doc:
        problems.append("no %s" % key)
served = set()
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    method, pattern, action = line.split()
    segs, n = [], 0
    for seg in pattern.split("/"):
        if seg == "*":
            segs.append("{ref}" if n == 0 else "{rule}")
            n += 1
        else:
            segs.append(seg)
    path = "/".join(segs)
    served.add((path, method.lower()))
    op = doc.get("paths", {}).get(path, {}).get(method.lower())
    if op is None:
        problems.append("%s %s is served but not described" % (method, path))
    elif op.get("x-tmirror-action") != action:
        problems.append("%s %s: action %s, described as %s"
                        % (method, path, action, op.get("x-tmirror-action")))
    elif not op.get("responses"):
        problems.append("%s %s: no responses" % (method, path))
    else:
        for p in op.get("parameters", []):
            if p["in"] == "path" and "{%s}" % p["name"] not in path:
                problems.append("%s %s: parameter %s not in path"
                                % (method, path, p["name"]))
        for ref in json.dumps(op).split('"$ref": "')[1:]:
            name = ref.split('"')[0].split("/")[-1]
            if name not in doc["components"]["schemas"]:
                problems.append("%s %s: no schema %s" % (method, path, name))
for path, methods in doc.get("paths", {}).items():
    for m in methods:
        if (path, m) not in served and path != "/v1/openapi.json":
            problems.append("%s %s is described but not served" % (m, path))
print("\n".join(problems) if problems else "ok %d routes" % len(served))
EOF
}

# api_raw HOST:PORT: sends stdin as raw bytes over TCP and prints the
# status line of the reply (or "closed" when the server closes without
# one).
api_raw () {
    "$PYTHON3" - "$1" <<'EOF'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=30)
s.sendall(sys.stdin.buffer.read())
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data:
            break
except socket.timeout:
    pass
print(data.split(b"\r\n")[0].decode() if data else "closed")
EOF
}

# api_slowloris HOST:PORT SECONDS: opens a connection, sends half a request
# line, then one header byte a second; prints "closed after N s" when the
# server closes it, or "still open" after SECONDS.
api_slowloris () {
    "$PYTHON3" - "$1" "$2" <<'EOF'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
limit = int(sys.argv[2])
s = socket.create_connection((host, int(port)), timeout=5)
start = time.time()
s.sendall(b"GET /v1/filters HTTP/1.1\r\nX-Slow: ")
s.settimeout(1)
while time.time() - start < limit:
    try:
        s.sendall(b"a")
        if s.recv(1024) == b"":
            print("closed after %d s" % round(time.time() - start))
            break
    except socket.timeout:
        continue
    except (BrokenPipeError, ConnectionResetError):
        print("closed after %d s" % round(time.time() - start))
        break
else:
    print("still open")
EOF
}

# api_hold HOST:PORT N: opens N keep-alive connections that each complete
# one request, keeps them open, then tries one more request on a new
# connection; prints the statuses.
api_hold () {
    "$PYTHON3" - "$1" "$2" "$BLUE" <<'EOF'
import http.client, sys
host, port = sys.argv[1].rsplit(":", 1)
n = int(sys.argv[2])
hdr = {"Authorization": "Bearer " + sys.argv[3]}
conns = []
for i in range(n):
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request("GET", "/v1/filters", headers=hdr)
    r = c.getresponse()
    r.read()
    print(r.status)
    conns.append(c)
c = http.client.HTTPConnection(host, int(port), timeout=30)
c.request("GET", "/v1/filters", headers=hdr)
r = c.getresponse()
print(r.status, r.read().decode().strip())
for c in conns:
    c.close()
EOF
}
