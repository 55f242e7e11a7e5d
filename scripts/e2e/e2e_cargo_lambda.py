#!/usr/bin/env python3
"""End to end under cargo-lambda's local emulator (`cargo lambda watch`): the real
function, KMS from a local moto server with codes minted by the Python Encryption
SDK, email through the signed webhook to a local receiver, SMS through SNS on moto,
a CustomMessage event, and a failing chain that must make the invocation fail.

Called by scripts/test with moto_server, the Encryption SDK and cargo-lambda on PATH.
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(ROOT, "tests", "support", "peers")  # the test peers the Rust tests start too


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on 127.0.0.1:{port}")


def start_moto():
    """moto on a free loopback port: (process, port)."""
    port = free_port()
    process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, port


def local_kms(port):
    """Waits for moto on `port`: (its endpoint, an environment pointing AWS clients at it,
    the ARN of a new KMS key)."""
    wait_port(port)
    endpoint = f"http://127.0.0.1:{port}"
    aws = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    import boto3
    key = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing").create_key()["KeyMetadata"]["Arn"]
    return endpoint, dict(os.environ, **aws), key


# A Standard Webhooks secret (test value); receivers verify with the reference library.
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Receiver(http.server.BaseHTTPRequestHandler):
    bodies = []
    verified_ids = []

    def log_message(self, *_):
        pass

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.bodies.append(json.loads(raw))
        try:
            payload = Webhook(WEBHOOK_SECRET).verify(raw, dict(self.headers.items()))
            Receiver.verified_ids.append(payload["message_id"])
        except WebhookVerificationError:
            pass
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def check(condition, message):
    if not condition:
        sys.exit(f"FAILED: {message}")
    print(f"ok: {message}")


def main():
    moto, moto_port = start_moto()
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    watchers = []
    try:
        endpoint, env, key = local_kms(moto_port)

        def mint(plaintext):
            return subprocess.run([sys.executable, os.path.join(PEERS, "mint_cognito_code.py"), key, "us-east-1_EXAMPLE1", plaintext],
                                  env=env, check=True, capture_output=True, text=True).stdout.strip()

        work = tempfile.mkdtemp()

        def event_file(name, code):
            with open(os.path.join(ROOT, "examples", name)) as f:
                event = json.load(f)
            if code is not None:
                event["request"]["code"] = mint(code)
            path = os.path.join(work, os.path.basename(name))
            with open(path, "w") as f:
                json.dump(event, f)
            return path

        email = event_file("events/CustomEmailSender_ForgotPassword.json", "602214")
        sms = event_file("events/CustomSMSSender_SignUp.json", "314159")
        custom = event_file("custom-message/CustomMessage_SignUp.json", None)

        def watch(webhook_url):
            port = free_port()
            function_env = dict(env, **{
                "SWITCHBOARD_DECRYPT__KEY_ARN": key,
                "SWITCHBOARD_PROVIDERS__HOOK__TYPE": "webhook",
                "SWITCHBOARD_PROVIDERS__HOOK__URL": webhook_url,
                "SWITCHBOARD_PROVIDERS__HOOK__SECRET": "env:E2E_WEBHOOK_SECRET",
                "E2E_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "SWITCHBOARD_PROVIDERS__SNS__TYPE": "sns",
                "SWITCHBOARD_EMAIL__PROVIDERS": "hook",
                "SWITCHBOARD_SMS__PROVIDERS": "sns",
                "SWITCHBOARD_DELIVERY__MAX_ATTEMPTS": "1",
                "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT": "false",
                "SWITCHBOARD_APP__NAME": "Acme",
                "SWITCHBOARD_EMAIL__FROM": "Acme <no-reply@acme.test>",
            })
            log = open(os.path.join(work, f"watch-{port}.log"), "w")
            process = subprocess.Popen(["cargo", "lambda", "watch", "-A", "127.0.0.1", "-P", str(port)], cwd=ROOT,
                                       env=function_env, stdout=log, stderr=log)
            watchers.append(process)
            wait_port(port, 120)
            return port

        def invoke(port, path):
            result = subprocess.run(["cargo", "lambda", "invoke", "switchboard", "--data-file", path, "-A", "127.0.0.1", "-P", str(port)],
                                    cwd=ROOT, capture_output=True, text=True, timeout=300)
            return result.returncode, result.stdout + result.stderr

        port = watch(f"http://127.0.0.1:{receiver.server_address[1]}/hook")
        code, out = invoke(port, email)
        check(code == 0 and '"provider": "hook"' in out.replace('":"', '": "'), f"email invocation delivered through the webhook ({out.strip()[:200]})")
        check(any("602214" in (b.get("text") or "") for b in Receiver.bodies), "the webhook received the decrypted code")
        check(len(Receiver.verified_ids) == len(Receiver.bodies) > 0,
              f"every webhook request verifies with the Standard Webhooks library ({len(Receiver.verified_ids)}/{len(Receiver.bodies)})")
        code, out = invoke(port, sms)
        check(code == 0, f"SMS invocation succeeded ({out.strip()[:200]})")
        data = json.load(urllib.request.urlopen(f"{endpoint}/moto-api/data.json"))
        check(any("314159" in m["message"] for m in data["sns"]["SMS"]), "SNS (moto) received the SMS with the code")
        code, out = invoke(port, custom)
        check(code == 0 and "{####}" in out, "the CustomMessage event was answered with the code placeholder")

        dead = watch(f"http://127.0.0.1:{free_port()}/hook")
        code, out = invoke(dead, email)
        check(code != 0 and "not delivered" in out, "a failing chain makes the invocation fail")
        print("e2e under cargo-lambda: all checks passed")
    finally:
        for process in watchers:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        moto.kill()
        receiver.shutdown()


if __name__ == "__main__":
    main()
