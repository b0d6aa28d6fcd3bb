//! A minimal signed caller for the mock's own integration tests.
#![allow(dead_code)]

use compshare_mock::wire::signature::sign_flat;
use compshare_mock::{Credentials, MockServer};
use serde_json::Value;

/// Sends a signed form POST and returns the JSON answer.
pub async fn call(
    server: &MockServer,
    creds: &Credentials,
    action: &str,
    params: &[(&str, &str)],
) -> Value {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    pairs.push(("Action".into(), action.into()));
    pairs.push(("PublicKey".into(), creds.public_key.clone()));
    if !pairs.iter().any(|(k, _)| k == "Region") {
        pairs.push(("Region".into(), "cn-wlcb".into()));
    }
    let sig = sign_flat(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &creds.private_key,
    );
    pairs.push(("Signature".into(), sig));
    let resp = reqwest::Client::new()
        .post(server.uri())
        .form(&pairs)
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(body["Action"], format!("{action}Response"));
    if body["RetCode"] == 0 {
        if let Err(m) = compshare_mock::catalogue::Catalogue::get().check_answer(action, &body) {
            panic!("{action} answered outside its catalogue model: {m}\n{body}");
        }
    }
    body
}

/// Like [`call`], but asserts RetCode 0.
pub async fn ok(
    server: &MockServer,
    creds: &Credentials,
    action: &str,
    params: &[(&str, &str)],
) -> Value {
    let body = call(server, creds, action, params).await;
    assert_eq!(body["RetCode"], 0, "{action}: {body}");
    body
}
