//! What the integration tests share: a fast-retrying config, answers in the
//! gateway envelope, and a reader that checks signatures.
#![allow(dead_code)]

use std::time::Duration;

use compshare_client::Config;
use compshare_protocol::request::{parse, Verb, WireRequest};
use compshare_protocol::signature::verify;
use serde_json::{json, Value};
use wiremock::ResponseTemplate;

pub const PUBLIC_KEY: &str = "my_public_key";
pub const PRIVATE_KEY: &str = "my_private_key";
pub const REQUEST_ID: &str = "5b2ae5c8-8d8f-4a0e-9f2e-1c7e0b1d2a3f";

/// A config pointing at `uri`, retrying fast so retry tests take milliseconds.
pub fn config(uri: &str) -> Config {
    Config::new(PUBLIC_KEY, PRIVATE_KEY)
        .with_base_url(uri)
        .with_timeout(Duration::from_secs(5))
        .with_retry_backoff(Duration::from_millis(1), Duration::from_millis(4))
}

/// An answer in the gateway's envelope, with the request id header.
pub fn answer(action: &str, code: i64, fields: Value) -> ResponseTemplate {
    let mut body = json!({"Action": format!("{action}Response"), "RetCode": code});
    if code != 0 {
        body["Message"] = json!(format!("error {code}"));
    }
    if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
        b.extend(f.clone());
    }
    ResponseTemplate::new(200)
        .set_body_json(body)
        .insert_header("X-UCLOUD-REQUEST-UUID", REQUEST_ID)
}

/// Reads a received request as the mock's gateway does, and checks its
/// signature with the one shared implementation.
pub fn read_signed(request: &wiremock::Request) -> WireRequest {
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    let wire = parse(Verb::Post, request.url.query(), content_type, &request.body)
        .expect("the request is readable");
    verify(&wire.canonical, PRIVATE_KEY, wire.signature.as_deref())
        .expect("the signature verifies");
    wire
}
