#!/usr/bin/env python3
"""Verifies one webhook request with the Standard Webhooks reference library.

Usage: verify_standard_webhook.py SECRET < request.json
where request.json is {"headers": {...}, "body": "<raw body>"}. Prints the
verified payload's message_id; exits 1 with the library's error otherwise.
An independent check of Switchboard's signatures (providers/tests/webhook.rs, tests/cli/invoke.rs).
"""
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> int:
    secret = sys.argv[1]
    request = json.load(sys.stdin)
    try:
        payload = Webhook(secret).verify(request["body"], request["headers"])
    except WebhookVerificationError as error:
        print(f"verification failed: {error}", file=sys.stderr)
        return 1
    print(payload["message_id"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
