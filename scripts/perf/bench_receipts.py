#!/usr/bin/env python3
"""The receipts function at Lambda's CPU share: cold start and CPU per receipt.

    bench_receipts.py --switchboard target/release/switchboard [--memory 128] [--cold-runs 3]
                      [--receipts 30] --out bench-results/receipts.json

The binary runs as the receipts function (SWITCHBOARD_FUNCTION=receipts) under
the Runtime API stand-in (tests/support/peers/runtime_api.py), its trail table on
a local moto server (plain HTTP), and answers Twilio status callbacks as Function
URL requests, signed by twilio-python (tests/support/peers/sign_receipt.py). The
warm run repeats one receipt: after the first, each is recognised as sent before,
which costs the same two conditional DynamoDB writes as a new one.
"""
import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import local_moto

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(ROOT, "tests", "support", "peers")
LAMBDA_VCPU_MB = 1769
TOKEN = "bench-twilio-auth-token"
BASE = "https://receipts.bench.test"


def twilio_receipt():
    event_id = "ab" * 32
    query = f"sb_event_id={event_id}&sb_sent_at={int(time.time() * 1000)}&trigger_source=CustomSMSSender_SignUp"
    params = {"AccountSid": "AC" + "0" * 32, "MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered",
              "SmsStatus": "delivered", "To": "+12025550177", "From": "+15005550006", "ApiVersion": "2010-04-01"}
    signed = subprocess.run([sys.executable, os.path.join(PEERS, "sign_receipt.py")], check=True, text=True,
                            capture_output=True, input=json.dumps({"kind": "twilio", "auth_token": TOKEN,
                                                                  "url": f"{BASE}/tw?{query}", "params": params}))
    from urllib.parse import urlencode
    headers = json.loads(signed.stdout)
    headers["content-type"] = "application/x-www-form-urlencoded"
    return {"version": "2.0", "routeKey": "$default", "rawPath": "/tw", "rawQueryString": query, "headers": headers,
            "requestContext": {"domainName": "bench.lambda-url.us-east-1.on.aws", "http": {"method": "POST"}},
            "body": base64.b64encode(urlencode(params).encode()).decode(), "isBase64Encoded": True}


def run(binary, event_file, env, repeat, cpu_percent):
    out = tempfile.mktemp(suffix=".json")
    command = [sys.executable, os.path.join(PEERS, "runtime_api.py"), "--binary", binary, "--out", out,
               "--repeat", str(repeat), "--timeout-ms", "30000", event_file]
    if cpu_percent < 100:
        command += ["--cpu-percent", str(cpu_percent)]
    printed = subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True).stderr
    with open(out) as f:
        result = json.load(f)
    os.unlink(out)
    answers = [json.loads(r["body"])["statusCode"] for r in result["invocations"] if r["status"] == "response"]
    if answers != [200] * repeat or result["init_error"]:
        sys.exit(f"not every receipt was answered 200 ({answers}, init error {result['init_error']}):\n{printed[-2000:]}")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--switchboard", required=True)
    parser.add_argument("--memory", type=int, default=128)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--receipts", type=int, default=30)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    moto, moto_port = local_moto.start()
    try:
        endpoint = f"http://127.0.0.1:{moto_port}"
        import boto3
        boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_table(
            TableName="trail", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        event_file = tempfile.mktemp(suffix=".json")
        with open(event_file, "w") as f:
            json.dump(twilio_receipt(), f)
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, **local_moto.AWS, **{
            "SWITCHBOARD_FUNCTION": "receipts",
            "SWITCHBOARD_RECEIPTS__TABLE": "trail",
            "SWITCHBOARD_RECEIPTS__URL": BASE,
            "SWITCHBOARD_PROVIDERS__TW__TYPE": "twilio",
            "SWITCHBOARD_PROVIDERS__TW__ACCOUNT_SID": "AC" + "0" * 32,
            "SWITCHBOARD_PROVIDERS__TW__AUTH_TOKEN": "env:BENCH_TWILIO_TOKEN",
            "BENCH_TWILIO_TOKEN": TOKEN,
            "SWITCHBOARD_PROVIDERS__TW__FROM": "+15005550006",
            "MALLOC_ARENA_MAX": "1",
            "AWS_LAMBDA_LOG_LEVEL": "WARN",
        })
        percent = min(100.0, round(args.memory / LAMBDA_VCPU_MB * 100, 1))
        cold = [run(args.switchboard, event_file, env, 1, percent) for _ in range(args.cold_runs)]
        warm = run(args.switchboard, event_file, env, args.receipts, percent)
        latencies = sorted(r["latency_ms"] for r in warm["invocations"][1:])
        med = lambda key: statistics.median(r[key] for r in cold)  # noqa: E731
        figures = {
            "memory_mb": args.memory, "cpu_percent": percent,
            "exec_to_ready_ms": med("exec_to_ready_ms"),
            "cold_start_to_first_response_ms": med("cold_start_to_first_response_ms"),
            "init_cpu_ms": med("cpu_init_ms"),
            "first_receipt_cpu_ms": med("cpu_first_invocation_ms"),
            "warm_latency_ms_median": statistics.median(latencies),
            "warm_cpu_ms_per_receipt": warm["cpu_after_first_ms"] / (args.receipts - 1),
            "peak_rss_mb": warm["peak_rss_kb_after_last"] / 1024,
        }
        print(", ".join(f"{k} {round(v, 1) if isinstance(v, float) else v}" for k, v in figures.items()))
        with open(args.out, "w") as f:
            json.dump(figures, f, indent=2)
    finally:
        moto.terminate()


if __name__ == "__main__":
    main()
