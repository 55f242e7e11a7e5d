#!/usr/bin/env python3
"""Signs a delivery receipt as its provider does, with the provider's own code:
Twilio's `RequestValidator` (twilio), Standard Webhooks as Svix signs for Resend
(standardwebhooks), ECDSA P-256 as SendGrid's Signed Event Webhook (cryptography),
and Mailgun's documented HMAC-SHA256. Reads one JSON request on stdin, writes
the headers (or the key pair) as JSON on stdout.

  {"kind": "twilio", "auth_token": …, "url": …, "params": {…}}
  {"kind": "resend", "secret": "whsec_…", "id": …, "timestamp": N, "body": …}
  {"kind": "sendgrid-key"}                       → {"private_key_pem", "public_key"}
  {"kind": "sendgrid", "private_key_pem": …, "timestamp": N, "body": …}
  {"kind": "mailgun", "key": …, "timestamp": N, "token": …}
"""
import base64
import hashlib
import hmac
import json
import sys
from datetime import datetime, timezone


def main():
    request = json.load(sys.stdin)
    kind = request["kind"]
    if kind == "twilio":
        from twilio.request_validator import RequestValidator

        validator = RequestValidator(request["auth_token"])
        signature = validator.compute_signature(request["url"], request["params"])
        assert validator.validate(request["url"], request["params"], signature)
        out = {"x-twilio-signature": signature}
    elif kind == "resend":
        from standardwebhooks.webhooks import Webhook

        at = datetime.fromtimestamp(request["timestamp"], tz=timezone.utc)
        signature = Webhook(request["secret"]).sign(request["id"], at, request["body"])
        out = {
            "svix-id": request["id"],
            "svix-timestamp": str(request["timestamp"]),
            "svix-signature": signature,
        }
    elif kind == "sendgrid-key":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        out = {"private_key_pem": pem, "public_key": base64.b64encode(public).decode()}
    elif kind == "sendgrid":
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = serialization.load_pem_private_key(request["private_key_pem"].encode(), None)
        timestamp = str(request["timestamp"])
        signed = (timestamp + request["body"]).encode()
        signature = base64.b64encode(key.sign(signed, ec.ECDSA(hashes.SHA256()))).decode()
        out = {
            "x-twilio-email-event-webhook-timestamp": timestamp,
            "x-twilio-email-event-webhook-signature": signature,
        }
    elif kind == "mailgun":
        signed = f"{request['timestamp']}{request['token']}".encode()
        out = {"signature": hmac.new(request["key"].encode(), signed, hashlib.sha256).hexdigest()}
    else:
        sys.exit(f"unknown kind {kind!r}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
