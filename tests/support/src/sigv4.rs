//! Checks an AWS Signature Version 4 the way the service does, written from the
//! specification (hmac + sha2), independent of the SDK's signer: the canonical
//! request from what arrived, the string to sign, the derived key, the signature.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use wiremock::Request;

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("the request has no `{name}` header"))
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug)]
pub struct Authorization {
    /// `AKID/20261123/eu-west-1/sms-voice/aws4_request`
    pub credential: String,
    /// `content-type;host;x-amz-date;x-amz-target`
    pub signed_headers: String,
    /// Hex signature.
    pub signature: String,
}

/// Parses the `Authorization` header.
pub fn authorization(request: &Request) -> Authorization {
    let value = header(request, "authorization");
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .unwrap_or_else(|| panic!("not a SigV4 authorization: {value}"));
    let part = |name: &str| {
        rest.split(", ")
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} in {value}"))
            .to_string()
    };
    Authorization {
        credential: part("Credential"),
        signed_headers: part("SignedHeaders"),
        signature: part("Signature"),
    }
}

/// Asserts that `request` is signed with `secret` for `region` and `service`
/// and that the signature covers `must_sign` headers (and so the body, through
/// its hash).
pub fn assert_signed(
    request: &Request,
    secret: &str,
    region: &str,
    service: &str,
    must_sign: &[&str],
) {
    let auth = authorization(request);
    let scope: Vec<&str> = auth.credential.splitn(2, '/').collect();
    let scope = scope[1];
    let date = &header(request, "x-amz-date")[..8];
    assert_eq!(scope, format!("{date}/{region}/{service}/aws4_request"));
    let signed: Vec<&str> = auth.signed_headers.split(';').collect();
    for name in must_sign {
        assert!(
            signed.contains(name),
            "`{name}` is not signed: {}",
            auth.signed_headers
        );
    }
    let canonical_headers: String = signed
        .iter()
        .map(|name| format!("{name}:{}\n", header(request, name).trim()))
        .collect();
    let payload_hash = hex::encode(Sha256::digest(&request.body));
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{}\n{payload_hash}",
        request.method,
        request.url.path(),
        request.url.query().unwrap_or(""),
        auth.signed_headers
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        header(request, "x-amz-date"),
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date);
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part);
    }
    let expected = hex::encode(hmac(&key, &string_to_sign));
    assert_eq!(
        auth.signature, expected,
        "the SigV4 signature does not verify"
    );
}
