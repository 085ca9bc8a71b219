#! /usr/bin/env python3
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# A minimal EC2 Query client for the tmirror-api tests, with its own AWS
# Signature Version 4 (written from AWS's description, independently of
# tmirror-api's), to send what the AWS CLI never sends: a request signed
# with the wrong secret, dated in the past, or sent twice.
#
#   api-sigv4.py URL ACCESS-KEY SECRET [--skew SECONDS] [--twice]
#                [--tamper] [--headers] NAME=VALUE...
#
# With --headers it prints the signed headers and the body instead (for
# the load test, bench/bench-api.sh).
#
# Prints, for each request sent, "STATUS CODE" (the EC2 error code, or OK).
import argparse
import datetime
import hashlib
import hmac
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_request(url, akid, secret, body, when, region="us-east-1"):
    host = urllib.parse.urlparse(url).netloc
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    ctype = "application/x-www-form-urlencoded; charset=utf-8"
    headers = {"content-type": ctype, "host": host, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", ""]
                          + ["%s:%s" % (k, headers[k]) for k in sorted(headers)]
                          + ["", signed, hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/ec2/aws4_request" % (day, region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = sign(("AWS4" + secret).encode(), day)
    for part in (region, "ec2", "aws4_request"):
        k = sign(k, part)
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    auth = ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
            "Signature=%s" % (akid, scope, signed, signature))
    return {"Content-Type": ctype, "X-Amz-Date": amz_date,
            "Authorization": auth}


def send(url, headers, body):
    req = urllib.request.Request(url, data=body, headers=headers,
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, "OK"
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        m = re.search(r"<Code>([^<]*)</Code>", text)
        return e.code, m.group(1) if m else "?"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("akid")
    p.add_argument("secret")
    p.add_argument("--skew", type=int, default=0)
    p.add_argument("--twice", action="store_true")
    p.add_argument("--tamper", action="store_true",
                   help="change the body after signing")
    p.add_argument("--headers", action="store_true",
                   help="print the signed headers and the body, send nothing")
    p.add_argument("params", nargs="*")
    a = p.parse_intermixed_args()
    params = [tuple(x.split("=", 1)) for x in a.params]
    if not any(k == "Version" for k, _ in params):
        params.append(("Version", "2016-11-15"))
    body = urllib.parse.urlencode(params)
    body = body.encode()
    when = (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(seconds=a.skew))
    headers = signed_request(a.url, a.akid, a.secret, body, when)
    if a.headers:
        for k, v in headers.items():
            print("%s: %s" % (k, v))
        print(body.decode())
        return 0
    if a.tamper:
        body = body.replace(b"Version", b"Version=2016-11-15&X")
    for _ in range(2 if a.twice else 1):
        print("%d %s" % send(a.url, headers, body))


if __name__ == "__main__":
    sys.exit(main())
