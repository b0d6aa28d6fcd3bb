//! Arbitrary requests straight into the app (`app().oneshot(...)`): whatever
//! arrives, the answer is a JSON envelope (HTTP 200) or a JSON 4xx, never a
//! panic or a 5xx, and the state keeps its invariants.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use compshare_mock::{app, Config, Shared};
use http_body_util::BodyExt;
use proptest::prelude::*;
use tower::ServiceExt;

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::PATCH),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("/".to_owned()),
        1 => "/[a-z_/]{0,12}",
        1 => Just("/_mock/health".to_owned()),
        1 => Just("/_mock/clock".to_owned()),
    ]
}

/// Parameter names the mock knows, so many requests get deep into the checks.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Action".to_owned()),
        Just("Region".to_owned()),
        Just("Zone".to_owned()),
        Just("Limit".to_owned()),
        Just("Offset".to_owned()),
        Just("PublicKey".to_owned()),
        Just("Signature".to_owned()),
        Just("UHostIds.0".to_owned()),
        Just("Disks.0.Size".to_owned()),
        "[A-Za-z.%0-9]{0,10}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("DescribeCompShareCustomImages".to_owned()),
        Just("CreateCompShareInstance".to_owned()),
        Just("cn-wlcb".to_owned()),
        Just("my_public_key".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999".to_owned()),
        "[ -~]{0,16}",
        "\\PC{0,8}",
    ]
}

fn form() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((key(), value()), 0..12).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('&', "%26")))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    })
}

fn body() -> impl Strategy<Value = (Option<&'static str>, Vec<u8>)> {
    prop_oneof![
        3 => form().prop_map(|b| (Some("application/x-www-form-urlencoded"), b)),
        1 => form().prop_map(|b| (None, b)),
        2 => prop::collection::vec((key(), value()), 0..8).prop_map(|pairs| {
            let obj: serde_json::Map<String, serde_json::Value> =
                pairs.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
            (Some("application/json"), serde_json::to_vec(&obj).unwrap())
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| (Some("application/json"), b)),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| (Some("text/plain"), b)),
    ]
}

fn query() -> impl Strategy<Value = Option<String>> {
    prop::option::of(form().prop_map(|b| String::from_utf8_lossy(&b).replace([' ', '#'], "_")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn any_request_gets_a_json_envelope_or_a_json_4xx(method in method(), path in path(), query in query(), (ct, body) in body()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let shared = Arc::new(Shared::new(Config::default()));
        let before = shared.state.read().unwrap().dump();
        let uri = match &query {
            Some(q) if !q.is_empty() => format!("{path}?{q}"),
            _ => path.clone(),
        };
        let Ok(mut req) = Request::builder().method(method.clone()).uri(&uri).body(Body::from(body.clone())) else {
            return Ok(()); // not a request HTTP can carry
        };
        if let Some(ct) = ct {
            req.headers_mut().insert("content-type", ct.parse().unwrap());
        }
        let resp = rt.block_on(app(shared.clone()).oneshot(req)).unwrap();
        let status = resp.status().as_u16();
        let bytes = rt.block_on(resp.into_body().collect()).unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{method} {uri}: not JSON ({e}): {:?}", String::from_utf8_lossy(&bytes))))?;
        prop_assert!(status == 200 || (400..500).contains(&status), "{} {}: HTTP {}", method, uri, status);
        if status == 200 && path == "/" {
            prop_assert!(json["Action"].as_str().is_some_and(|a| a.ends_with("Response")), "{}", json);
            prop_assert!(json["RetCode"].is_i64(), "{}", json);
        }
        // Only a signed, valid request may change state; none of these is signed right.
        let after = shared.state.read().unwrap().dump();
        prop_assert_eq!(&before["Images"], &after["Images"]);
        prop_assert_eq!(&before["Instances"], &after["Instances"]);
    }
}
