//! A minimal signed caller for the mock's own integration tests.
#![allow(dead_code)]

use compshare_mock::{Config, Credentials, MockServer};
use compshare_protocol::signed;
use serde_json::Value;

/// Sends a signed form POST and returns the JSON answer.
pub async fn call(
    server: &MockServer,
    creds: &Credentials,
    action: &str,
    params: &[(&str, &str)],
) -> Value {
    let mut params = params.to_vec();
    if !params.iter().any(|(k, _)| *k == "Region") {
        params.push(("Region", "cn-wlcb"));
    }
    let pairs = signed::call(action, &params, &creds.public_key, &creds.private_key);
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
        if let Err(m) = compshare_protocol::catalogue::Catalogue::get().check_answer(action, &body)
        {
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

/// Calls the control plane (`/_mock{path}`) and returns the status and the
/// JSON answer.
pub async fn admin(
    server: &MockServer,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let c = reqwest::Client::new();
    let url = format!("{}/_mock{path}", server.uri());
    let req = match method {
        "GET" => c.get(url),
        "POST" => c.post(url),
        "DELETE" => c.delete(url),
        _ => unreachable!(),
    };
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// A mock started with `config` whose clock is frozen: it moves only by [`advance`].
pub async fn frozen(config: Config) -> MockServer {
    let server = MockServer::start_with(config).await.unwrap();
    server.shared().state.write().unwrap().clock.freeze();
    server
}

/// Moves the mock's virtual clock on by `secs`.
pub fn advance(server: &MockServer, secs: u64) {
    server.shared().state.write().unwrap().clock.advance(secs);
}
