#!/usr/bin/env python3
"""The fleet behind a hanging primary: N sender environments — each the real binary
under tests/support/peers/lambda_environment.py, frozen between invocations as Lambda
freezes it — sharing one moto DynamoDB, each handling E events in turn, the
environments started a little apart as a burst's arrive. Run twice: each environment
learning alone (its own breaker), then with the fleet's health ([health] table).
Prints, per fleet, the events that waited out an attempt timeout and the requests the
hanging primary received.

    bench_fleet.py --switchboard BIN [--environments 8] [--events 6] [--threshold 3]
                   [--attempt-timeout-ms 300] [--refresh-ms 500] [--stagger-ms 150] [--out FILE]
"""
import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(ROOT, "tests", "support", "peers")
sys.path.insert(0, HERE)
import local_moto  # noqa: E402

POOL = "us-east-1_EXAMPLE1"


class Hanging:
    """A provider that takes each request and never answers; counts them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.requests, self.held = 0, []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            self.held.append(conn)
            threading.Thread(target=self.read, args=(conn,), daemon=True).start()

    def read(self, conn):
        buffer = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buffer += data
            while b"\r\n\r\n" in buffer:
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                buffer = buffer[length:]
                self.requests += 1

    def url(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"


class Accepting(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(202)
        self.send_header("X-Message-Id", "backup-1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


def environment(binary, env):
    process = subprocess.Popen([sys.executable, os.path.join(PEERS, "lambda_environment.py"), "--binary", binary],
                               env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    ready = json.loads(process.stdout.readline())
    if not ready.get("ready"):
        sys.exit(f"an environment did not start: {ready}")
    return process


def invoke(process, event):
    process.stdin.write(json.dumps({"invoke": event}) + "\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def run_fleet(args, base_env, event, health_table):
    hanging = Hanging()
    backup = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Accepting)
    threading.Thread(target=backup.serve_forever, daemon=True).start()
    env = dict(base_env)
    env.update({
        "SWITCHBOARD_PROVIDERS__PRIMARY__BASE_URL": hanging.url(),
        "SWITCHBOARD_PROVIDERS__BACKUP__BASE_URL": f"http://127.0.0.1:{backup.server_address[1]}",
    })
    if health_table:
        env.update({"SWITCHBOARD_HEALTH__TABLE": health_table,
                    "SWITCHBOARD_HEALTH__REFRESH_MS": str(args.refresh_ms),
                    "SWITCHBOARD_HEALTH__IO_TIMEOUT_MS": "2000"})
    processes = [environment(args.switchboard, env) for _ in range(args.environments)]
    results = [[] for _ in processes]

    def work(i):
        time.sleep(i * args.stagger_ms / 1000)
        for _ in range(args.events):
            answer = invoke(processes[i], event)
            body = json.loads(answer.get("body") or "{}")
            results[i].append((answer.get("latency_ms") or 0, body.get("status"), body.get("provider")))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(processes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in processes:
        process.stdin.write(json.dumps({"stop": True}) + "\n")
        process.stdin.flush()
        process.wait()
    backup.shutdown()
    flat = [r for rs in results for r in rs]
    return {
        "events": len(flat),
        "delivered": sum(1 for _, status, _ in flat if status == "delivered"),
        "waited": sum(1 for latency, _, _ in flat if latency >= args.attempt_timeout_ms),
        "primary_requests": hanging.requests,
    }


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--switchboard", required=True)
    parser.add_argument("--environments", type=int, default=8)
    parser.add_argument("--events", type=int, default=6)
    parser.add_argument("--threshold", type=int, default=3)
    parser.add_argument("--attempt-timeout-ms", type=int, default=300)
    parser.add_argument("--refresh-ms", type=int, default=500)
    parser.add_argument("--stagger-ms", type=int, default=150)
    parser.add_argument("--out")
    args = parser.parse_args()
    import boto3

    moto, port = local_moto.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        aws = dict(local_moto.AWS, AWS_ENDPOINT_URL=endpoint)
        os.environ.update(aws)
        key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
        boto3.client("dynamodb").create_table(
            TableName="fleet-health", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        code = subprocess.run([sys.executable, os.path.join(PEERS, "mint_cognito_code.py"), key, POOL, "482913"],
                              capture_output=True, text=True, check=True).stdout.strip()
        with open(os.path.join(ROOT, "examples", "events", "CustomEmailSender_SignUp.json")) as f:
            event = json.load(f)
        event["userPoolId"], event["request"]["code"] = POOL, code
        base = {"PATH": os.environ.get("PATH", ""), **aws,
                "SWITCHBOARD_APP__NAME": "Acme", "SWITCHBOARD_EMAIL__FROM": "Acme <no-reply@acme.test>",
                "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT": "false", "SWITCHBOARD_DECRYPT__KEY_ARN": key,
                "SWITCHBOARD_PROVIDERS__PRIMARY__TYPE": "sendgrid", "SWITCHBOARD_PROVIDERS__PRIMARY__API_KEY": "SG.primary",
                "SWITCHBOARD_PROVIDERS__BACKUP__TYPE": "sendgrid", "SWITCHBOARD_PROVIDERS__BACKUP__API_KEY": "SG.backup",
                "SWITCHBOARD_PROVIDERS__HOOK__TYPE": "webhook", "SWITCHBOARD_PROVIDERS__HOOK__URL": "http://127.0.0.1:9/",
                "SWITCHBOARD_PROVIDERS__HOOK__SECRET": "a-secret-of-enough-length",
                "SWITCHBOARD_EMAIL__PROVIDERS": "primary,backup", "SWITCHBOARD_SMS__PROVIDERS": "hook",
                "SWITCHBOARD_DELIVERY__PRECONNECT": "false",
                "SWITCHBOARD_DELIVERY__ATTEMPT_TIMEOUT_MS": str(args.attempt_timeout_ms),
                "SWITCHBOARD_DELIVERY__MAX_ATTEMPTS": "1",
                "SWITCHBOARD_DELIVERY__BREAKER__THRESHOLD": str(args.threshold),
                "SWITCHBOARD_DELIVERY__BREAKER__COOL_DOWN_MS": "60000"}
        alone = run_fleet(args, base, event, None)
        shared = run_fleet(args, base, event, "fleet-health")
    finally:
        moto.kill()
    n, t = args.environments, args.threshold
    print(f"{n} environments x {args.events} events, a hanging primary, threshold {t}, "
          f"attempt timeout {args.attempt_timeout_ms} ms, refresh {args.refresh_ms} ms, "
          f"environments starting {args.stagger_ms} ms apart")
    print(f"  {'fleet':<28} {'events':>6} {'delivered':>9} {'waited a timeout':>16} {'primary requests':>16}")
    for label, r in [("each learning alone", alone), ("sharing the fleet's health", shared)]:
        print(f"  {label:<28} {r['events']:>6} {r['delivered']:>9} {r['waited']:>16} {r['primary_requests']:>16}")
    print(f"  (alone, the ceiling is threshold x environments = {t * n})")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "alone": alone, "shared": shared}, f, indent=2)


if __name__ == "__main__":
    main()
