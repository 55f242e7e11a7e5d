#!/usr/bin/env python3
"""Switchboard and the Node.js reference sender at Lambda's CPU share, in one run
and one harness (tests/support/peers/runtime_api.py): KMS on a local moto server, codes minted
by the Python Encryption SDK, a loopback SendGrid stand-in (TCP_NODELAY) that both
deliver to. For each memory size: init unthrottled, invocations under a CFS quota
of memory / 1769 MB of one vCPU, as Lambda allocates CPU.

    bench_share.py --switchboard target/release/switchboard --node scripts/perf/node-reference/bootstrap \\
                   --memory 128,512,1769 --cold-runs 10 --events 200 [--tls] --out bench-results/share.json

`--tls`: both senders reach KMS and the stand-in over TLS, as in production — a
keep-alive TLS terminator in front of moto and the stand-in serving TLS itself,
with certificates from a throwaway CA that the senders trust through their
platform store (scripts/perf/bench_tls.py).

Per sender and memory size: exec → ready (first /next), exec → first message
received by the stand-in, the first invocation's CPU, init CPU, warm event latency
(median, p99), own CPU per warm event and peak RSS. Medians over the cold runs.
"""
import argparse
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import bench_tls
import local_moto

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(ROOT, "tests", "support", "peers")  # the test peers the Rust tests start too
LAMBDA_VCPU_MB = 1769


class SendGrid(http.server.BaseHTTPRequestHandler):
    """POST /v3/mail/send → 202 with an X-Message-Id, as SendGrid answers."""
    protocol_version = "HTTP/1.1"
    received = []

    def log_message(self, *_):
        pass

    def do_HEAD(self):  # Switchboard opens its connection during init with one HEAD /.
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/sms":  # Switchboard needs an SMS chain to start; unused here.
            self.send_response(204)
            self.send_header("Content-Length", "0")
            return self.end_headers()
        ok = self.path == "/v3/mail/send" and self.headers.get("Authorization") == "Bearer SG.bench-key"
        SendGrid.received.append((time.time(), ok, body))
        self.send_response(202 if ok else 400)
        self.send_header("X-Message-Id", f"bench-{len(SendGrid.received)}")
        self.send_header("Content-Length", "0")
        self.end_headers()


def run(binary, event_file, env, repeat, cpu_percent, servers):
    out = tempfile.mktemp(suffix=".json")
    command = [sys.executable, os.path.join(PEERS, "runtime_api.py"), "--binary", binary, "--out", out,
               "--repeat", str(repeat), "--timeout-ms", "30000", event_file]
    if cpu_percent < 100:
        command += ["--cpu-percent", str(cpu_percent)]
    SendGrid.received.clear()
    accepted = [server.connections for server in servers]
    printed = subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True).stderr
    with open(out) as f:
        result = json.load(f)
    os.unlink(out)
    statuses = {r["status"] for r in result["invocations"]}
    delivered = [r for r in SendGrid.received if r[1]]
    if statuses != {"response"} or len(delivered) != repeat or result["init_error"]:
        sys.exit(f"{binary}: not every event was delivered ({statuses}, {len(delivered)} of {repeat}, "
                 f"init error {result['init_error']}):\n{printed[-2000:]}")
    result["first_received_ms"] = (delivered[0][0] - result["spawned_at"]) * 1000
    # Connections opened to [the provider stand-in, the KMS terminator (TLS only)].
    result["connections"] = [server.connections - before for server, before in zip(servers, accepted)]
    result["log"] = printed
    return result


def measure(binary, event_file, env, cpu_percent, cold_runs, events, servers):
    cold = [run(binary, event_file, env, 1, cpu_percent, servers) for _ in range(cold_runs)]
    profiles = [line for line in cold[-1]["log"].splitlines() if "init CPU by phase" in line]
    warm = run(binary, event_file, env, events, cpu_percent, servers)
    latencies = sorted(r["latency_ms"] for r in warm["invocations"][1:])
    med = lambda key: statistics.median(r[key] for r in cold)  # noqa: E731
    return {
        "exec_to_ready_ms": med("exec_to_ready_ms"),
        "exec_to_first_delivered_ms": med("first_received_ms"),
        "init_cpu_ms": med("cpu_init_ms"),
        "first_invocation_cpu_ms": med("cpu_first_invocation_ms"),
        "warm_latency_ms_median": statistics.median(latencies),
        "warm_latency_ms_p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        "warm_cpu_ms_per_event": warm["cpu_after_first_ms"] / (events - 1),
        "peak_rss_mb_after_first": warm["peak_rss_kb_after_first"] / 1024,
        "peak_rss_mb_after_all": warm["peak_rss_kb_after_last"] / 1024,
        "rss_anon_mb_at_end": warm["rss_anon_kb_after_last"] / 1024,
        "rss_file_mb_at_end": warm["rss_file_kb_after_last"] / 1024,
        "init_profile": profiles[-1] if profiles else None,
        # Per cold start with one event, and over a whole warm run.
        "connections_cold": cold[-1]["connections"],
        "connections_warm_run": warm["connections"],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--switchboard", required=True)
    parser.add_argument("--node")
    parser.add_argument("--memory", default="128,512,1769")
    parser.add_argument("--cold-runs", type=int, default=10)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--tls", action="store_true", help="KMS and the stand-in over TLS (own CA)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    moto, moto_port = local_moto.start()
    certificates = tempfile.mkdtemp()
    paths = bench_tls.make_ca(certificates) if args.tls else None
    context = bench_tls.server_context(paths) if args.tls else None
    servers = [bench_tls.serve(SendGrid, context)]  # TCP_NODELAY on each connection
    if args.tls:
        servers.append(bench_tls.serve(bench_tls.terminator(moto_port), context))
    scheme = "https" if args.tls else "http"
    try:
        endpoint = f"http://127.0.0.1:{moto_port}"  # the set-up's own calls, plain
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, **local_moto.AWS)
        import boto3
        key = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                           aws_secret_access_key="testing").create_key()["KeyMetadata"]["Arn"]
        with open(os.path.join(ROOT, "examples", "events", "CustomEmailSender_ForgotPassword.json")) as f:
            event = json.load(f)
        event["request"]["code"] = subprocess.run(
            [sys.executable, os.path.join(PEERS, "mint_cognito_code.py"), key, event["userPoolId"], "491305"],
            env=env, check=True, capture_output=True, text=True).stdout.strip()
        event_file = tempfile.mktemp(suffix=".json")
        with open(event_file, "w") as f:
            json.dump(event, f)
        base = f"{scheme}://127.0.0.1:{servers[0].server_address[1]}"
        if args.tls:
            env.update(AWS_ENDPOINT_URL=f"https://127.0.0.1:{servers[1].server_address[1]}",
                       SSL_CERT_FILE=paths["ca.pem"], NODE_EXTRA_CA_CERTS=paths["ca.pem"])
        senders = {
            "switchboard": (args.switchboard, dict(env, **{
                "SWITCHBOARD_DECRYPT__KEY_ARN": key,
                "SWITCHBOARD_APP__NAME": "Acme",
                "SWITCHBOARD_EMAIL__FROM": "Acme <no-reply@acme.test>",
                "SWITCHBOARD_PROVIDERS__SG__TYPE": "sendgrid",
                "SWITCHBOARD_PROVIDERS__SG__API_KEY": "env:BENCH_SENDGRID_KEY",
                "SWITCHBOARD_PROVIDERS__SG__BASE_URL": base,
                "BENCH_SENDGRID_KEY": "SG.bench-key",
                "SWITCHBOARD_EMAIL__PROVIDERS": "sg",
                "SWITCHBOARD_PROVIDERS__SMS__TYPE": "webhook",
                "SWITCHBOARD_PROVIDERS__SMS__URL": f"{base}/sms",
                "SWITCHBOARD_PROVIDERS__SMS__SECRET": "env:BENCH_WEBHOOK_SECRET",
                "BENCH_WEBHOOK_SECRET": "a-local-benchmark-secret",
                "SWITCHBOARD_SMS__PROVIDERS": "sms",
                "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT": "false",
                "MALLOC_ARENA_MAX": "1",  # as SAM, Terraform and the CDK construct set it
                "AWS_LAMBDA_LOG_LEVEL": "WARN",
                "RUST_LOG": "warn,switchboard::startup::profile=info",
            })),
        }
        if args.node:
            senders["node-reference"] = (args.node, dict(env, **{
                "KEY_ARN": key, "EMAIL_FROM": "no-reply@acme.test",
                "SENDGRID_API_KEY": "SG.bench-key", "SENDGRID_BASE_URL": base,
            }))
        figures = {"tls": args.tls, "memory_mb": {}}
        for memory in [int(m) for m in args.memory.split(",")]:
            percent = min(100.0, round(memory / LAMBDA_VCPU_MB * 100, 1))
            row = {"cpu_percent": percent}
            for name, (binary, sender_env) in senders.items():
                row[name] = measure(binary, event_file, sender_env, percent, args.cold_runs, args.events, servers)
                print(f"{scheme:5} {memory:5} MB ({percent:5.1f}% CPU) {name:15} " + ", ".join(
                    f"{k} {v:.1f}" for k, v in row[name].items() if isinstance(v, float))
                      + f", connections cold {row[name]['connections_cold']}"
                      f" warm run {row[name]['connections_warm_run']}", flush=True)
            figures["memory_mb"][memory] = row
        with open(args.out, "w") as f:
            json.dump(figures, f, indent=2)
    finally:
        moto.kill()
        for server in servers:
            server.shutdown()
        shutil.rmtree(certificates, ignore_errors=True)


if __name__ == "__main__":
    main()
