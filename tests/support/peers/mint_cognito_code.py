#!/usr/bin/env python3
"""Mint a code exactly as Amazon Cognito does, with the official Python AWS Encryption SDK.

Independent of Switchboard's Rust code: tests use it to prove that what Python (like
Cognito) encrypts, Switchboard decrypts — and, with the options, that codes Cognito
would never make are refused.

    mint_cognito_code.py KEY_ARN USER_POOL_ID PLAINTEXT
        [--suite NAME] [--no-pool-context] [--also-key ARN]

Prints base64 of an Encryption SDK message: by default suite 0x0378
(AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, not key-committing, signed), encryption
context {"userpool-id": USER_POOL_ID}, one data key under KEY_ARN. Options: another
suite (an aws_encryption_sdk Algorithm name), a context without `userpool-id`, a second
data key. Set AWS_ENDPOINT_URL to reach a local KMS.
"""
import argparse
import base64

import aws_encryption_sdk
import botocore.session
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy


def main() -> None:
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("key_arn")
    parser.add_argument("user_pool_id")
    parser.add_argument("plaintext")
    parser.add_argument("--suite", default="AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384")
    parser.add_argument("--no-pool-context", action="store_true")
    parser.add_argument("--also-key")
    args = parser.parse_args()
    suite = Algorithm[args.suite]
    policy = (
        CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
        if suite.is_committing()
        else CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
    )
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=policy)
    keys = [args.key_arn] + ([args.also_key] if args.also_key else [])
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(
        key_ids=keys, botocore_session=botocore.session.Session()
    )
    context = {"purpose": "test"} if args.no_pool_context else {"userpool-id": args.user_pool_id}
    ciphertext, _header = client.encrypt(
        source=args.plaintext.encode("utf-8"),
        key_provider=provider,
        encryption_context=context,
        algorithm=suite,
    )
    print(base64.b64encode(ciphertext).decode("ascii"))


if __name__ == "__main__":
    main()
