#!/usr/bin/env python3
"""Runs the real `switchboard` binary with the environment a deployment gave its
function — read from Terraform's applied state, or from the SAM template transformed
with its parameters — under the Lambda Runtime API stand-in (tests/support/peers/runtime_api.py),
with every AWS service on a moto server: the init must succeed, and one email and one
SMS with Cognito-format codes must be delivered.

    deployed_function.py --env ENV.json --binary PATH --moto URL --pool-id POOL
    deployed_function.py --receipts --env ENV.json --binary PATH --moto URL

With --receipts, ENV.json is the receipts function's environment: the init must
succeed, an SES event as EventBridge delivers it (for the configuration set the
deployment named) and, where End User Messaging has one, an SMS event as its SNS
destination delivers it must reach the trail table on moto, and a Function URL
request for no provider must be answered 400.

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


def run_function(binary, env, payloads):
    """The invocations' results of `payloads` under the Runtime API stand-in."""
    with tempfile.TemporaryDirectory() as work:
        files = []
        for i, payload in enumerate(payloads):
            path = os.path.join(work, f"event-{i}.json")
            with open(path, "w") as f:
                json.dump(payload, f)
            files.append(path)
        out = os.path.join(work, "results.json")
        run = subprocess.run(
            [sys.executable, os.path.join(PEERS, "runtime_api.py"), "--binary", binary,
             "--out", out, "--timeout-ms", "15000", *files],
            env=env, capture_output=True, text=True,
        )
        if run.returncode != 0:
            fail(f"the Runtime API stand-in failed:\n{run.stderr}")
        with open(out) as f:
            results = json.load(f)
    if results.get("init_error"):
        fail(f"the function did not start: {results['init_error']}\n{run.stderr[-3000:]}")
    for invocation in results["invocations"]:
        if invocation["status"] != "response":
            fail(f"an invocation failed: {invocation}\n{run.stderr[-3000:]}")
    return [json.loads(i["body"]) for i in results["invocations"]], run.stderr


def ses_event(event_id, configuration_set, sent_at):
    return {
        "version": "0", "id": f"eb-{event_id[:12]}", "detail-type": "Email Delivered",
        "source": "aws.ses", "account": "123456789012", "time": "2026-12-07T10:00:02Z",
        "region": "us-east-1", "resources": [],
        "detail": {
            "eventType": "Delivery",
            "mail": {
                "timestamp": "2026-12-07T10:00:00.000Z", "source": "no-reply@acme.test",
                "messageId": "0100018c7f2b3b4e-1a2b3c4d-000000", "destination": ["recipient@example.com"],
                "tags": {"ses:configuration-set": [configuration_set], "sb_event_id": [event_id],
                         "sb_sent_at": [str(sent_at)], "trigger_source": ["CustomEmailSender_SignUp"]},
            },
            "delivery": {"timestamp": "2026-12-07T10:00:01.500Z", "processingTimeMillis": 1500,
                         "recipients": ["recipient@example.com"], "smtpResponse": "250 2.6.0 Message received"},
        },
    }


def sms_event(event_id, sent_at):
    message = {
        "eventType": "TEXT_DELIVERED", "eventVersion": "1.0", "eventTimestamp": sent_at + 2000,
        "isFinal": True, "originationPhoneNumber": "+15005550006", "destinationPhoneNumber": "+12025550177",
        "isoCountryCode": "US", "messageId": "862a8790-60c0-4430-9b2b-658bdexample",
        "messageStatus": "DELIVERED", "messageStatusDescription": "Message has been accepted by phone",
        "context": {"sb_event_id": event_id, "sb_sent_at": str(sent_at)},
    }
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": {
        "Type": "Notification", "MessageId": f"sns-{event_id[:12]}",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:sms-receipts",
        "Message": json.dumps(message), "Timestamp": "2026-12-07T10:00:03.000Z"}}]}


def function_url_request(path):
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": {"content-type": "application/json"}, "body": "{}", "isBase64Encoded": False,
            "requestContext": {"domainName": "abc.lambda-url.us-east-1.on.aws",
                               "http": {"method": "POST", "path": path}}}


def delivered_in(dynamodb, table, key):
    """The deliveries a health counts item holds (0 when there is none)."""
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": key}}).get("Item") or {}
    return int(item.get("delivered", {}).get("N", "0"))


def check_receipts(args, env):
    """The receipts function as deployed: AWS events reach the trail, a stray URL does not."""
    import time
    import boto3

    table = env.get("SWITCHBOARD_RECEIPTS__TABLE", "")
    if not table:
        fail("the receipts function's environment has no SWITCHBOARD_RECEIPTS__TABLE")
    kinds = {key.split("__")[1].lower(): value for key, value in env.items()
             if key.startswith("SWITCHBOARD_PROVIDERS__") and key.endswith("__TYPE")}
    sets = {name: env.get(f"SWITCHBOARD_PROVIDERS__{name.upper()}__CONFIGURATION_SET", "")
            for name in kinds}
    ses = next((n for n, kind in kinds.items() if kind == "ses" and sets[n]), None)
    if not ses:
        fail(f"no SES provider with a configuration set in the receipts function's environment: {sorted(env)}")
    sms = next((n for n, kind in kinds.items() if kind == "aws-sms" and sets[n]), None)
    sent_at = int(time.time() * 1000) - 5000
    email_id, sms_id = os.urandom(32).hex(), os.urandom(32).hex()
    payloads = [ses_event(email_id, sets[ses], sent_at), function_url_request("/nobody")]
    if sms:
        payloads.append(sms_event(sms_id, sent_at))
    dynamodb = boto3.client("dynamodb", endpoint_url=args.moto, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    health = env.get("SWITCHBOARD_HEALTH__TABLE", "")
    health_key = f"health#{ses}#email#m{sent_at // 60000}"
    before = delivered_in(dynamodb, health, health_key) if health else 0
    answers, stderr = run_function(args.binary, env, payloads)
    if answers[0] != {"stored": 1}:
        fail(f"the SES event was answered {answers[0]}\n{stderr[-3000:]}")
    if answers[1].get("statusCode") != 400:
        fail(f"a request for no provider was answered {answers[1]}")
    stored = [(email_id, ses)] + ([(sms_id, sms)] if sms else [])
    for event_id, provider in stored:
        item = dynamodb.get_item(TableName=table, Key={"id": {"S": f"trail#{event_id}#{provider}"}}).get("Item")
        if not item or item["status"]["S"] != "delivered":
            fail(f"the trail of {provider} holds {item}\n{stderr[-3000:]}")
    if health:
        # The delivery counted once in its provider's health, in the minute it was sent.
        after = delivered_in(dynamodb, health, health_key)
        if after != before + 1:
            fail(f"the fleet's health counted {after - before} deliveries at {health_key}\n{stderr[-3000:]}")
    print(f"deployed receipts function: started; {', '.join(p for _, p in stored)} receipts "
          f"reached {table}{' and the health in ' + health if health else ''}, a stray URL was refused")


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--env", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--pool-id")
    parser.add_argument("--receipts", action="store_true")
    args = parser.parse_args()
    if args.receipts:
        with open(args.env) as f:
            env = {key: str(value) for key, value in json.load(f).items()}
        env.update(moto_env(args.moto))
        env["PATH"] = os.environ.get("PATH", "")
        check_receipts(args, env)
        return
    if not args.pool_id:
        fail("--pool-id is required for the sender")
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
    events = [example(name, args.pool_id, mint(args.moto, key_arn, args.pool_id, code))
              for name, code in [("CustomEmailSender_SignUp", "481516"), ("CustomSMSSender_Authentication", "234234")]]
    outcomes, _ = run_function(args.binary, env, events)
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
