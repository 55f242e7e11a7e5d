//! A Lambda Function URL request (payload format 2.0) and its answer: the
//! path, the raw query as the provider sent it, lower-cased headers and the
//! body, decoded from base64 (Function URLs encode form bodies).

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{json, Value};

/// One HTTP request to the receipts function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST`, `GET`, …
    pub method: String,
    /// The path, e.g. `/twilio-main`.
    pub path: String,
    /// The query exactly as sent, without `?` (a signature may cover it).
    pub raw_query: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The Function URL's host, e.g. `abc.lambda-url.us-east-1.on.aws`.
    pub domain: String,
    /// The body, decoded.
    pub body: Vec<u8>,
}

/// Whether `payload` is a Function URL request.
pub fn is_http(payload: &Value) -> bool {
    payload["version"] == "2.0" && payload["requestContext"]["http"].is_object()
}

/// The request in `payload`, or why it is none.
pub fn request(payload: &Value) -> Result<HttpRequest, String> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    let headers = payload["headers"]
        .as_object()
        .map(|headers| {
            headers
                .iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), text(value)))
                .collect()
        })
        .unwrap_or_default();
    let body = text(&payload["body"]);
    let body = match payload["isBase64Encoded"].as_bool().unwrap_or(false) {
        true => base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| "the body is marked base64 and is not".to_string())?,
        false => body.into_bytes(),
    };
    Ok(HttpRequest {
        method: text(&payload["requestContext"]["http"]["method"]),
        path: text(&payload["rawPath"]),
        raw_query: text(&payload["rawQueryString"])
            .trim_start_matches('?')
            .to_string(),
        headers,
        domain: text(&payload["requestContext"]["domainName"]),
        body,
    })
}

/// The answer a Function URL returns: `status` with a short text body.
pub fn answer(status: u16, text: &str) -> Value {
    json!({
        "statusCode": status,
        "headers": { "content-type": "text/plain; charset=utf-8" },
        "body": text,
        "isBase64Encoded": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_body_is_decoded_and_the_query_kept_as_sent() {
        let payload = json!({
            "version": "2.0",
            "rawPath": "/twilio-main",
            "rawQueryString": "sb_event_id=ab&x=%2B1",
            "headers": { "X-Twilio-Signature": "sig", "content-type": "application/x-www-form-urlencoded" },
            "requestContext": { "domainName": "abc.lambda-url.us-east-1.on.aws", "http": { "method": "POST" } },
            "body": "TWVzc2FnZVN0YXR1cz1kZWxpdmVyZWQ=",
            "isBase64Encoded": true,
        });
        assert!(is_http(&payload));
        let request = request(&payload).unwrap();
        assert_eq!(request.body, b"MessageStatus=delivered");
        assert_eq!(request.raw_query, "sb_event_id=ab&x=%2B1");
        assert_eq!(request.headers["x-twilio-signature"], "sig");
        assert_eq!(request.path, "/twilio-main");
    }

    #[test]
    fn a_cognito_event_is_no_http_request() {
        assert!(!is_http(
            &json!({ "version": "1", "triggerSource": "CustomSMSSender_SignUp" })
        ));
    }
}
