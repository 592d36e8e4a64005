#!/usr/bin/env python3
"""Prints botocore's presigned S3 URL for each JSON line on stdin, one URL per line.

The reference for sigv4_botocore_test.cpp. Each input line holds: method ("GET" or
"PUT"), endpoint, region, bucket, key, path_style, expires (seconds), time (unix seconds,
the signing time), access_key, secret_key, session_token ("" for none), and params (a map
with response-content-disposition and/or response-content-type, GET only), and for a PUT
optionally content_length and checksum_sha256 (base64), which botocore signs as the
content-length and x-amz-checksum-sha256 headers.

Written for Debian's python3-botocore (1.29); the signing clock is fixed by replacing the
datetime module that botocore.auth reads "now" from.
"""

import datetime
import json
import sys
import types
from unittest import mock

import botocore.auth
import botocore.session
from botocore.config import Config

OPERATIONS = {"GET": "get_object", "PUT": "put_object"}
PARAM_NAMES = {
    "response-content-disposition": "ResponseContentDisposition",
    "response-content-type": "ResponseContentType",
}


def fixed_datetime_module(unix_time):
    now = datetime.datetime.fromtimestamp(unix_time, datetime.timezone.utc).replace(tzinfo=None)

    class fixed_datetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return now

    return types.SimpleNamespace(datetime=fixed_datetime), now


def make_client(session, case):
    style = "path" if case["path_style"] else "virtual"
    return session.create_client(
        "s3",
        region_name=case["region"],
        endpoint_url=case["endpoint"],
        aws_access_key_id=case["access_key"],
        aws_secret_access_key=case["secret_key"],
        aws_session_token=case["session_token"] or None,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )


def presign(session, clients, case):
    client_key = (case["endpoint"], case["region"], case["path_style"], case["access_key"],
                  case["secret_key"], case["session_token"])
    if client_key not in clients:
        clients[client_key] = make_client(session, case)
    params = {"Bucket": case["bucket"], "Key": case["key"]}
    for name, value in case.get("params", {}).items():
        params[PARAM_NAMES[name]] = value
    if case.get("content_length") is not None:
        params["ContentLength"] = case["content_length"]
        params["ChecksumSHA256"] = case["checksum_sha256"]
    module, now = fixed_datetime_module(case["time"])
    with mock.patch.object(botocore.auth, "datetime", module):
        # Newer botocore reads the time through this helper instead.
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: now,
                               create=True):
            return clients[client_key].generate_presigned_url(
                OPERATIONS[case["method"]], Params=params, ExpiresIn=case["expires"])


def main():
    session = botocore.session.get_session()
    clients = {}
    cases = [json.loads(line) for line in sys.stdin if line.strip()]
    for case in cases:
        print(presign(session, clients, case))


if __name__ == "__main__":
    main()
