#!/usr/bin/env python3
"""Runs the real `switchboard` binary with the environment a deployment gave its
function — read from Terraform's applied state, or from the SAM template transformed
with its parameters — under the Lambda Runtime API stand-in (tests/support/peers/runtime_api.py),
with every AWS service on a moto server: the init must succeed, and one email and one
SMS with Cognito-format codes must be delivered.

    deployed_function.py --env ENV.json --binary PATH --moto URL --pool-id POOL

ENV.json is the function's environment as deployed. Only the transport is changed:
the AWS SDKs get the moto endpoint and fake credentials, and an HTTP provider whose
service cannot be reached from here (SendGrid) gets a local stand-in as its
`base_url`. Codes are minted by the Python Encryption SDK under the deployed
`SWITCHBOARD_DECRYPT__KEY_ARN` on moto, for POOL. The sender address is verified in
moto's SES first, as a deployment's owner does. Exits non-zero naming what failed.
"""
import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(ROOT, "tests", "support", "peers")  # the test peers the Rust tests start too


def fail(message):
    sys.exit(f"deployed function: {message}")


class StandIn(http.server.BaseHTTPRequestHandler):
    """An HTTP provider stand-in: answers every POST 202 with a message id."""

    received = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        StandIn.received.append((self.path, self.rfile.read(length)))
        self.send_response(202)
        self.send_header("X-Message-Id", "stand-in-1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


def start_stand_in():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def moto_env(moto):
    return {
        "AWS_ENDPOINT_URL": moto,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def mint(moto, key_arn, pool, code):
    script = os.path.join(PEERS, "mint_cognito_code.py")
    result = subprocess.run(
        [sys.executable, script, key_arn, pool, code],
        env={**os.environ, **moto_env(moto)},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        fail(f"cannot mint a code under {key_arn}: {result.stderr}")
    return result.stdout.strip()


def example(name, pool, code):
    with open(os.path.join(ROOT, "examples", "events", f"{name}.json")) as f:
        event = json.load(f)
    event["userPoolId"] = pool
    event["request"]["code"] = code
    return event


def verify_sender(moto, env):
    import boto3

    sender = env.get("SWITCHBOARD_EMAIL__FROM", "")
    address = sender.split("<")[-1].rstrip(">").strip()
    if address:
        client = boto3.client("sesv2", endpoint_url=moto, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        try:
            client.create_email_identity(EmailIdentity=address)
        except client.exceptions.AlreadyExistsException:
            pass


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--env", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--pool-id", required=True)
    args = parser.parse_args()
    with open(args.env) as f:
        deployed = json.load(f)
    env = {key: str(value) for key, value in deployed.items()}
    stand_in = None
    for key, value in deployed.items():
        if key.startswith("SWITCHBOARD_PROVIDERS__") and key.endswith("__TYPE") and value == "sendgrid":
            stand_in = stand_in or start_stand_in()
            env[key[: -len("TYPE")] + "BASE_URL"] = stand_in
    env.update(moto_env(args.moto))
    env["PATH"] = os.environ.get("PATH", "")
    key_arn = env.get("SWITCHBOARD_DECRYPT__KEY_ARN", "")
    if not key_arn:
        fail("the deployed environment has no SWITCHBOARD_DECRYPT__KEY_ARN")
    verify_sender(args.moto, env)
    with tempfile.TemporaryDirectory() as work:
        files = []
        for i, (name, code) in enumerate([
            ("CustomEmailSender_SignUp", "481516"),
            ("CustomSMSSender_Authentication", "234234"),
        ]):
            path = os.path.join(work, f"event-{i}.json")
            with open(path, "w") as f:
                json.dump(example(name, args.pool_id, mint(args.moto, key_arn, args.pool_id, code)), f)
            files.append(path)
        out = os.path.join(work, "results.json")
        run = subprocess.run(
            [sys.executable, os.path.join(PEERS, "runtime_api.py"), "--binary", args.binary,
             "--out", out, "--timeout-ms", "15000", *files],
            env=env, capture_output=True, text=True,
        )
        if run.returncode != 0:
            fail(f"the Runtime API stand-in failed:\n{run.stderr}")
        with open(out) as f:
            results = json.load(f)
    if results.get("init_error"):
        fail(f"the function did not start: {results['init_error']}\n{run.stderr[-3000:]}")
    outcomes = []
    for invocation in results["invocations"]:
        if invocation["status"] != "response":
            fail(f"an invocation failed: {invocation}\n{run.stderr[-3000:]}")
        outcomes.append(json.loads(invocation["body"]))
    if [o.get("status") for o in outcomes] != ["delivered", "delivered"]:
        fail(f"expected an email and an SMS delivered, got {outcomes}")
    for outcome in outcomes:
        # The message id comes from the service that accepted it (moto's SES or
        # SNS, or the HTTP provider's stand-in).
        if not outcome.get("messageId"):
            fail(f"delivered without a message id: {outcome}")
    email, sms = outcomes
    kind = env.get(f"SWITCHBOARD_PROVIDERS__{email['provider'].upper()}__TYPE", email["provider"])
    if StandIn.received == [] and email["channel"] == "email" and kind != "ses":
        fail(f"the email went to {email['provider']}, which is neither SES nor a stand-in")
    print(f"deployed function: started; the email went to {email['provider']} "
          f"({email['messageId']}), the SMS to {sms['provider']} ({sms['messageId']})")

if __name__ == "__main__":
    main()
