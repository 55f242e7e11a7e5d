#!/usr/bin/env python3
"""A local Cognito loop: cognito-local (npm) invokes Switchboard, which runs as it
runs in Lambda and delivers into a local inbox.

Started on 127.0.0.1 only, each on a free port unless given one:
  - moto, for KMS: one key, the pool's KMSKeyID;
  - a local Lambda: the Runtime API the switchboard binary polls, and the Invoke API
    (POST /2015-03-31/functions/NAME/invocations) cognito-local calls;
  - the switchboard binary itself (AWS_LAMBDA_RUNTIME_API set: every check a
    deployed function makes), delivering through a signed webhook to
  - the inbox: each message as INBOX/NNNN.json (the webhook's payload) and NNNN.txt;
  - cognito-local (--package, patched so that its codes are shaped as Cognito's:
    docs/local-development.md), with a user pool and an app client made for you.

When everything listens, --ready-file gets a JSON object with the endpoints, the
pool and the client; every invocation's result is appended to INBOX/invocations.jsonl.
Stops everything on SIGINT / SIGTERM, or when stdin closes with --until-stdin-closes.
"""
import argparse
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REGION = "us-east-1"
CHILDREN = []
FUNCTION = "switchboard"
WEBHOOK_SECRET = "local-cognito-webhook-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, what, process=None, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"{what} exited ({process.returncode}) before it listened on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not listen on 127.0.0.1:{port} within {seconds} s")


class LocalLambda:
    """The Runtime API for one function process, the Invoke API in front of it, and
    the inbox its webhook delivers to."""

    def __init__(self, inbox):
        self.inbox = inbox
        self.pending = queue.Queue()
        self.waiting = {}
        self.lock = threading.Lock()
        self.messages = 0
        self.init_error = None

    def invoke(self, payload, timeout=30):
        request_id = str(uuid.uuid4())
        answer = {"event": threading.Event()}
        with self.lock:
            self.waiting[request_id] = answer
        self.pending.put((request_id, payload))
        if not answer["event"].wait(timeout):
            return "timeout", json.dumps({"errorType": "Timeout", "errorMessage": "no answer in time"})
        return answer["status"], answer["body"]

    def complete(self, request_id, status, body):
        with self.lock:
            answer = self.waiting.pop(request_id, None)
        with open(os.path.join(self.inbox, "invocations.jsonl"), "a") as f:
            f.write(json.dumps({"request_id": request_id, "status": status, "body": body}) + "\n")
        if answer:
            answer["status"], answer["body"] = status, body
            answer["event"].set()

    def deliver(self, body):
        with self.lock:
            self.messages += 1
            n = self.messages
        message = json.loads(body)
        base = os.path.join(self.inbox, f"{n:04d}")
        # Whole files only: a reader polling the inbox never sees half a message.
        with open(base + ".txt.partial", "w") as f:
            f.write(f"To: {message.get('to')}\nSubject: {message.get('subject', '')}\n"
                    f"Trigger: {message.get('trigger_source')}\n\n{message.get('text') or message.get('body') or ''}\n")
        os.replace(base + ".txt.partial", base + ".txt")
        with open(base + ".json.partial", "w") as f:
            json.dump(message, f, indent=2, ensure_ascii=False)
        os.replace(base + ".json.partial", base + ".json")
        print(f"inbox: {message.get('trigger_source')} for {message.get('to')} -> {base}.txt", flush=True)

    def handler(self):
        local = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def body(self):
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):
                if self.path.endswith("/runtime/invocation/next"):
                    request_id, payload = local.pending.get()
                    deadline = int((time.time() + 30) * 1000)
                    self.reply(200, payload, {
                        "Lambda-Runtime-Aws-Request-Id": request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline),
                        "Lambda-Runtime-Invoked-Function-Arn": f"arn:aws:lambda:{REGION}:000000000000:function:{FUNCTION}",
                        "Content-Type": "application/json",
                    })
                else:
                    self.reply(404)

            def do_POST(self):
                body = self.body()
                parts = self.path.strip("/").split("/")
                if self.path.endswith("/runtime/init/error"):
                    local.init_error = body.decode()
                    print(f"switchboard's init failed: {local.init_error}", file=sys.stderr, flush=True)
                    self.reply(202)
                elif len(parts) >= 5 and parts[-1] in ("response", "error") and "invocation" in parts:
                    local.complete(parts[-2], parts[-1], body.decode())
                    self.reply(202)
                elif self.path.startswith("/2015-03-31/functions/") and self.path.endswith("/invocations"):
                    status, answer = local.invoke(body)
                    headers = {"Content-Type": "application/json"}
                    if status != "response":
                        headers["X-Amz-Function-Error"] = "Unhandled"
                    self.reply(200, answer.encode(), headers)
                elif self.path == "/inbox":
                    local.deliver(body)
                    self.reply(200)
                else:
                    self.reply(404)

        return Handler


def start(args):
    os.makedirs(args.inbox, exist_ok=True)
    work = os.path.abspath(args.work)
    os.makedirs(os.path.join(work, ".cognito"), exist_ok=True)
    children = CHILDREN

    def spawn(command, **kwargs):
        process = subprocess.Popen(command, **kwargs)
        children.append(process)
        return process

    def stop(*_):
        for process in reversed(children):
            if process.poll() is None:
                process.terminate()
        for process in children:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    aws = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}

    moto_port = free_port()
    moto = spawn([os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(moto_port, "moto", moto)
    moto_url = f"http://127.0.0.1:{moto_port}"
    import boto3
    kms = boto3.client("kms", endpoint_url=moto_url, region_name=REGION, aws_access_key_id="local", aws_secret_access_key="local")
    key_arn = kms.create_key(Description="the local pool's KMSKeyID")["KeyMetadata"]["Arn"]
    # cognito-local as published also encrypts under an alias.
    kms.create_alias(AliasName="alias/switchboard-local", TargetKeyId=key_arn)

    local = LocalLambda(args.inbox)
    server = ThreadingHTTPServer(("127.0.0.1", args.lambda_port), local.handler())
    lambda_port = server.server_address[1]
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{lambda_port}",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_ENDPOINT_URL": moto_url,
        **aws,
        "SWITCHBOARD_DECRYPT__KEY_ARN": key_arn,
        "SWITCHBOARD_APP__NAME": "Local App",
        "SWITCHBOARD_EMAIL__FROM": "Local App <no-reply@local.test>",
        "SWITCHBOARD_PROVIDERS__INBOX__TYPE": "webhook",
        "SWITCHBOARD_PROVIDERS__INBOX__URL": f"http://127.0.0.1:{lambda_port}/inbox",
        "SWITCHBOARD_PROVIDERS__INBOX__SECRET": WEBHOOK_SECRET,
        "SWITCHBOARD_EMAIL__PROVIDERS": "inbox",
        "SWITCHBOARD_SMS__PROVIDERS": "inbox",
        # cognito-local's users are not in moto's Cognito.
        "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT": "false",
    }
    env.update(dict(variable.split("=", 1) for variable in args.env))
    spawn([args.binary], env=env, stdout=sys.stderr, stderr=sys.stderr)

    cognito_port = args.port or free_port()
    config = {
        "LambdaClient": {"endpoint": f"http://127.0.0.1:{lambda_port}", "region": REGION,
                         "credentials": {"accessKeyId": "local", "secretAccessKey": "local"}},
        "TriggerFunctions": {"CustomEmailSender": FUNCTION},
        "KMSConfig": {"KMSKeyId": key_arn, "KMSKeyAlias": "alias/switchboard-local", "endpoint": moto_url,
                      "region": REGION, "credentials": {"accessKeyId": "local", "secretAccessKey": "local"}},
    }
    with open(os.path.join(work, ".cognito", "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    cognito = spawn(["node", os.path.join(args.package, "lib", "bin", "start.js")], cwd=work,
                    env={**os.environ, "HOST": "127.0.0.1", "PORT": str(cognito_port), "DEBUG": ""},
                    stdout=subprocess.DEVNULL if args.quiet else sys.stderr, stderr=sys.stderr)
    wait_for_port(cognito_port, "cognito-local", cognito)
    cognito_url = f"http://127.0.0.1:{cognito_port}"
    idp = boto3.client("cognito-idp", endpoint_url=cognito_url, region_name=REGION,
                       aws_access_key_id="local", aws_secret_access_key="local")
    pool = idp.create_user_pool(PoolName="switchboard-local", AutoVerifiedAttributes=["email"],
                                UsernameAttributes=["email"])["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="local-app")["UserPoolClient"]
    ready = {"cognito": cognito_url, "user_pool_id": pool["Id"], "client_id": client["ClientId"],
             "inbox": os.path.abspath(args.inbox), "kms_key_arn": key_arn, "kms": moto_url, "region": REGION}
    if args.ready_file:
        with open(args.ready_file + ".partial", "w") as f:
            json.dump(ready, f)
        os.replace(args.ready_file + ".partial", args.ready_file)
    print(
        f"cognito-local on {cognito_url}: user pool {pool['Id']}, app client {client['ClientId']}\n"
        f"codes arrive in {ready['inbox']} (one .txt per message)\n"
        f"try: aws cognito-idp sign-up --endpoint-url {cognito_url} --region {REGION} --client-id {client['ClientId']} "
        f"--username you@example.com --password 'Passw0rd!'", flush=True)
    if args.until_stdin_closes:
        sys.stdin.read()
        stop()
    while True:
        time.sleep(3600)


def run(args):
    """`start`, with every child stopped however it ends."""
    try:
        start(args)
    except BaseException:
        for process in reversed(CHILDREN):
            if process.poll() is None:
                process.kill()
        raise


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the switchboard binary")
    parser.add_argument("--package", required=True, help="the cognito-local package directory to run")
    parser.add_argument("--inbox", default="local-inbox")
    parser.add_argument("--work", default=".cognito-local", help="cognito-local's working directory (its .cognito/)")
    parser.add_argument("--port", type=int, default=0, help="cognito-local's port (0: a free one)")
    parser.add_argument("--lambda-port", type=int, default=0)
    parser.add_argument("--ready-file")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the function, repeatable")
    parser.add_argument("--quiet", action="store_true", help="cognito-local's own log off")
    parser.add_argument("--until-stdin-closes", action="store_true")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
