#!/usr/bin/env python3
"""Mint a code exactly as Amazon Cognito does, with the official Python AWS Encryption SDK.

Independent of Switchboard's Rust code: tests use it to prove that what Python (like
Cognito) encrypts, Switchboard decrypts.

    mint_cognito_code.py KEY_ARN USER_POOL_ID PLAINTEXT

Prints base64 of an Encryption SDK message: suite 0x0378
(AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, not key-committing, signed), encryption
context {"userpool-id": USER_POOL_ID}. Set AWS_ENDPOINT_URL to reach a local KMS.
"""
import base64
import sys

import aws_encryption_sdk
import botocore.session
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    key_arn, user_pool_id, plaintext = sys.argv[1:]
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
    )
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(
        key_ids=[key_arn], botocore_session=botocore.session.Session()
    )
    ciphertext, _header = client.encrypt(
        source=plaintext.encode("utf-8"),
        key_provider=provider,
        encryption_context={"userpool-id": user_pool_id},
        algorithm=Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    )
    print(base64.b64encode(ciphertext).decode("ascii"))


if __name__ == "__main__":
    main()
