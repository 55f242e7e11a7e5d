#!/usr/bin/env python3
"""Whole-process figures for scripts/bench: cold start to the first delivered event,
warm events per second, peak RSS over many events, all with the release binary
running as a Lambda (tests/support/peers/runtime_api.py), KMS on a local moto server and a
local webhook receiver as the provider (loopback only).

    bench_driver.py --binary target/release/switchboard --events 1000 --cold-runs 10
"""
import argparse
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading

import local_moto

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(ROOT, "tests", "support", "peers")  # the test peers the Rust tests start too


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to every keep-alive request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    count = 0
    connections = set()

    def log_message(self, *_):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.count += 1
        Receiver.connections.add(self.client_address)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--cold-runs", type=int, default=10)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    moto, moto_port = local_moto.start()
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{moto_port}"
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, **local_moto.AWS)
        import boto3
        kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        key = kms.create_key()["KeyMetadata"]["Arn"]
        mint = subprocess.run([sys.executable, os.path.join(PEERS, "mint_cognito_code.py"), key, "us-east-1_EXAMPLE1", "491305"],
                              env=env, check=True, capture_output=True, text=True).stdout.strip()
        with open(os.path.join(ROOT, "examples", "events", "CustomEmailSender_ForgotPassword.json")) as f:
            event = json.load(f)
        event["request"]["code"] = mint
        work = tempfile.mkdtemp()
        event_file = os.path.join(work, "event.json")
        with open(event_file, "w") as f:
            json.dump(event, f)
        env.update({
            "SWITCHBOARD_DECRYPT__KEY_ARN": key,
            # Inside Lambda the demo's branding is refused, as a deployment's would be.
            "SWITCHBOARD_APP__NAME": "Acme",
            "SWITCHBOARD_EMAIL__FROM": "Acme <no-reply@acme.test>",
            "SWITCHBOARD_PROVIDERS__HOOK__TYPE": "webhook",
            "SWITCHBOARD_PROVIDERS__HOOK__URL": f"http://127.0.0.1:{receiver.server_address[1]}/",
            "SWITCHBOARD_PROVIDERS__HOOK__SECRET": "env:BENCH_WEBHOOK_SECRET",
            "BENCH_WEBHOOK_SECRET": "a-local-benchmark-secret",
            "SWITCHBOARD_EMAIL__PROVIDERS": "hook",
            "SWITCHBOARD_SMS__PROVIDERS": "hook",
            "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT": "false",
            "AWS_LAMBDA_LOG_LEVEL": "WARN",
        })

        def run(repeat):
            out = os.path.join(work, "results.json")
            subprocess.run([sys.executable, os.path.join(PEERS, "runtime_api.py"), "--binary", args.binary, "--out", out,
                            "--repeat", str(repeat), event_file], env=env, check=True, stderr=subprocess.DEVNULL)
            with open(out) as f:
                return json.load(f)

        cold = []
        for _ in range(args.cold_runs):
            result = run(1)
            if not result["invocations"] or result["invocations"][0]["status"] != "response":
                sys.exit(f"the cold-start event was not delivered: {result}")
            cold.append(result["cold_start_to_first_response_ms"])
        Receiver.connections.clear()
        before = Receiver.count
        warm = run(args.events)
        delivered = sum(1 for r in warm["invocations"] if r["status"] == "response")
        if delivered != args.events:
            sys.exit(f"only {delivered} of {args.events} warm events were delivered")
        latencies = sorted(r["latency_ms"] for r in warm["invocations"][1:])
        warm_ms = sum(latencies)
        figures = {
            "cold_start_to_first_delivery_ms_median": statistics.median(cold),
            "cold_start_to_first_delivery_ms_min": min(cold),
            "warm_events": args.events,
            "warm_latency_ms_median": statistics.median(latencies),
            "warm_latency_ms_p99": latencies[int(len(latencies) * 0.99) - 1],
            "warm_events_per_second": (len(latencies) / (warm_ms / 1000)) if warm_ms else None,
            "peak_rss_kb_after_first_event": warm["peak_rss_kb_after_first"],
            "peak_rss_kb_after_all_events": warm["peak_rss_kb_after_last"],
            "webhook_connections_for_all_events": len(Receiver.connections),
            "webhook_requests": Receiver.count - before,
        }
        with open(args.out, "w") as f:
            json.dump(figures, f, indent=2)
        print(json.dumps(figures, indent=2))
    finally:
        moto.kill()
        receiver.shutdown()


if __name__ == "__main__":
    main()
