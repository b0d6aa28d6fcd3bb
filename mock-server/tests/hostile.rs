//! Hostile and broken input: one test per row of the README's bad-input
//! table. Every case gets a documented answer: a RetCode envelope or a 4xx,
//! never a panic, a 500 or a hang.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::ok;
use compshare_mock::{Config, MockServer};
use compshare_protocol::signature::{sign_flat, sign_json};
use serde_json::{json, Value};

/// Sends raw bytes and reads the whole answer: (status, body).
/// Sends `request` on a fresh connection; the whole answer, head and body.
fn raw_answer(server: &MockServer, request: &[u8]) -> String {
    let mut s = TcpStream::connect(server.address()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The journal kept the last request's refusal in under `bytes`.
fn assert_last_journal_message_shorter_than(server: &MockServer, bytes: usize) {
    let entries = server.requests(&Default::default());
    let message = entries.last().unwrap().message.as_deref().unwrap();
    assert!(
        message.len() < bytes,
        "a {}-byte journal message",
        message.len()
    );
}

/// Sends `request`; the answer's status and body.
fn raw(server: &MockServer, request: &[u8]) -> (u16, String) {
    let text = raw_answer(server, request);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

fn post_form(body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A signed form body of the default account, pairs as given (in order).
fn signed(pairs: &[(&str, &str)]) -> String {
    let pairs = compshare_protocol::signed::call(LIST.1, pairs, "my_public_key", "my_private_key");
    compshare_protocol::signed::form_body(&pairs)
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

const LIST: (&str, &str) = ("Action", "DescribeCompShareCustomImages");
const REGION: (&str, &str) = ("Region", "cn-wlcb");

#[tokio::test(flavor = "multi_thread")]
async fn invalid_utf8_in_a_key_or_value_is_400() {
    let server = MockServer::start().await.unwrap();
    for body in ["%FF=1", "Action=%C3%28", "Region=cn-wlcb&Name=%E2%82"] {
        let (status, text) = raw(&server, &post_form(body));
        assert_eq!(status, 400, "{body}: {text}");
        assert!(json_of(&text)["Error"].as_str().unwrap().contains("UTF-8"));
    }
    let (status, _) = raw(
        &server,
        b"GET /?Action=%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undecodable_value_under_a_huge_key_is_400_with_the_key_clipped() {
    // The refusal names the key; the answer and the journal keep only its
    // first 64 characters, not the 900 KB sent.
    let server = MockServer::start().await.unwrap();
    let key = "K".repeat(900_000);
    let (status, text) = raw(&server, &post_form(&format!("{key}=%FF")));
    assert_eq!(status, 400);
    assert!(text.len() < 500, "a {}-byte refusal", text.len());
    let error = json_of(&text)["Error"].as_str().unwrap().to_owned();
    assert!(
        error.contains(&format!("parameter {} is", "K".repeat(64))),
        "{error}"
    );
    assert_last_journal_message_shorter_than(&server, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_unsupported_content_type_is_415_named_clipped() {
    let server = MockServer::start().await.unwrap();
    let ct = format!("text/{}", "x".repeat(60_000));
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {ct}\r\nContent-Length: 3\r\n\r\na=1"
    );
    let (status, text) = raw(&server, request.as_bytes());
    assert_eq!(status, 415);
    assert!(text.len() < 600, "a {}-byte refusal", text.len());
    assert!(json_of(&text)["Error"]
        .as_str()
        .unwrap()
        .contains("text/xxx"));
    assert_last_journal_message_shorter_than(&server, 600);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_percent_encoding_is_kept_literally_and_signed_as_sent() {
    let server = MockServer::start().await.unwrap();
    // `%zz` and a lone `%` are not escapes: the value is the text itself.
    let pairs = [LIST, REGION, ("CompShareImageId", "%zz%")];
    let mut all: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.push(("PublicKey".into(), "my_public_key".into()));
    let sig = sign_flat(
        all.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        "my_private_key",
    );
    let body = format!(
        "Action=DescribeCompShareCustomImages&Region=cn-wlcb&CompShareImageId=%zz%&PublicKey=my_public_key&Signature={sig}"
    );
    let (status, text) = raw(&server, &post_form(&body));
    assert_eq!(status, 200);
    let v = json_of(&text);
    assert_eq!(
        (v["RetCode"].clone(), v["TotalCount"].clone()),
        (json!(0), json!(0)),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_twice_in_the_form_is_230_once_the_signature_holds() {
    let server = MockServer::start().await.unwrap();
    let body = signed(&[LIST, REGION, ("Limit", "5"), ("Limit", "6")]);
    let (_, text) = raw(&server, &post_form(&body));
    let v = json_of(&text);
    assert_eq!(v["RetCode"], 230);
    assert_eq!(v["Message"], "Params [Limit] not available");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_in_form_and_query_takes_the_bodys_value() {
    let server = MockServer::start().await.unwrap();
    let body = signed(&[LIST, REGION, ("Limit", "5")]);
    let mut req = post_form(&body);
    let head = String::from_utf8(req.clone()).unwrap().replacen(
        "POST / ",
        "POST /?Limit=7&Action=Nothing ",
        1,
    );
    req = head.into_bytes();
    let (_, text) = raw(&server, &req);
    let v = json_of(&text);
    assert_eq!(v["RetCode"], 0, "{v}");
    assert_eq!(v["ImageSet"].as_array().unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_differing_only_in_case_are_distinct_and_both_signed() {
    let server = MockServer::start().await.unwrap();
    let body = signed(&[LIST, REGION, ("limit", "1"), ("Limit", "2")]);
    let (_, text) = raw(&server, &post_form(&body));
    let v = json_of(&text);
    assert_eq!(v["RetCode"], 0);
    assert_eq!(
        v["ImageSet"].as_array().unwrap().len(),
        2,
        "`limit` is not `Limit`"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_keys_are_skipped_and_empty_values_count_as_absent() {
    let server = MockServer::start().await.unwrap();
    let body = format!(
        "{}&=orphan&&",
        signed(&[LIST, REGION, ("Zone", ""), ("Limit", "")])
    );
    let (_, text) = raw(&server, &post_form(&body));
    let v = json_of(&text);
    assert_eq!(v["RetCode"], 0, "{v}");
    assert_eq!(
        v["ImageSet"].as_array().unwrap().len(),
        20,
        "an empty Limit is the default"
    );
    let body = signed(&[LIST, ("Region", "")]);
    let (_, text) = raw(&server, &post_form(&body));
    assert_eq!(json_of(&text)["Message"], "Missing params [Region]");
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_integers_for_offset_and_limit_get_230_but_a_plus_sign_is_read() {
    let server = MockServer::start().await.unwrap();
    for (name, bad) in [
        ("Limit", "1e3"),
        ("Limit", " 5"),
        ("Offset", "0x10"),
        ("Offset", "99999999999999999999"),
        ("Limit", "5.0"),
    ] {
        let (_, text) = raw(&server, &post_form(&signed(&[LIST, REGION, (name, bad)])));
        let v = json_of(&text);
        assert_eq!(v["RetCode"], 230, "{name}={bad:?}");
        assert_eq!(v["Message"], format!("Params [{name}] not available"));
    }
    let (_, text) = raw(
        &server,
        &post_form(&signed(&[LIST, REGION, ("Limit", "+5")])),
    );
    assert_eq!(json_of(&text)["ImageSet"].as_array().unwrap().len(), 5);
}

fn post_json(body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn json_that_is_not_an_object_or_nested_too_deep_is_400() {
    let server = MockServer::start().await.unwrap();
    for body in ["[1,2]", "\"Action\"", "42", "null"] {
        let (status, text) = raw(&server, &post_json(body));
        assert_eq!(status, 400, "{body}: {text}");
    }
    let deep = format!("{{\"A\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let (status, text) = raw(&server, &post_json(&deep));
    assert_eq!(status, 400, "{text}");
    assert!(json_of(&text)["Error"]
        .as_str()
        .unwrap()
        .contains("invalid JSON"));
}

#[tokio::test(flavor = "multi_thread")]
async fn json_duplicate_keys_keep_the_last_value() {
    let server = MockServer::start().await.unwrap();
    let body = json!({"Action": "DescribeCompShareCustomImages", "Region": "cn-wlcb", "Limit": 3, "PublicKey": "my_public_key"});
    let sig = sign_json(body.as_object().unwrap(), "my_private_key");
    let text = format!(
        r#"{{"Action":"DescribeCompShareCustomImages","Region":"cn-wlcb","Limit":9,"Limit":3,"PublicKey":"my_public_key","Signature":"{sig}"}}"#
    );
    let (_, answer) = raw(&server, &post_json(&text));
    let v = json_of(&answer);
    assert_eq!(v["RetCode"], 0, "{v}");
    assert_eq!(v["ImageSet"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_members_that_flatten_to_one_key_are_230_once_the_signature_holds() {
    // `UHostIds: [a]` and `UHostIds.0: b` both sign, and both are the flat
    // parameter `UHostIds.0`: a key given twice, as in a form.
    let server = MockServer::start().await.unwrap();
    let body = json!({"Action": "DescribeCompShareInstance", "Region": "cn-wlcb", "UHostIds": ["uhost-demo0run"], "UHostIds.0": "uhost-demo0stp", "PublicKey": "my_public_key"});
    let mut body = body.as_object().unwrap().clone();
    let sig = sign_json(&body, "my_private_key");
    body.insert("Signature".into(), sig.into());
    let (status, answer) = raw(&server, &post_json(&Value::Object(body).to_string()));
    assert_eq!(status, 200, "{answer}");
    let v = json_of(&answer);
    assert_eq!(v["RetCode"], 230, "{v}");
    assert_eq!(v["Message"], "Params [UHostIds.0] not available");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_numbers_beyond_i64_are_read_as_floats_and_beyond_f64_are_400() {
    let server = MockServer::start().await.unwrap();
    let body = json!({"Action": "DescribeCompShareCustomImages", "Region": "cn-wlcb", "Limit": 99999999999999999999u128 as f64, "PublicKey": "my_public_key"});
    let sig = sign_json(body.as_object().unwrap(), "my_private_key");
    let text = format!(
        r#"{{"Action":"DescribeCompShareCustomImages","Region":"cn-wlcb","Limit":99999999999999999999,"PublicKey":"my_public_key","Signature":"{sig}"}}"#
    );
    let (_, answer) = raw(&server, &post_json(&text));
    assert_eq!(json_of(&answer)["Message"], "Params [Limit] not available");
    let (status, _) = raw(&server, &post_json(r#"{"Action":"A","Limit":1e400}"#));
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_is_413_declared_or_not() {
    let server = MockServer::start_with(Config {
        body_limit: 1000,
        ..Config::default()
    })
    .await
    .unwrap();
    let big = format!("Action={}", "A".repeat(2000));
    let (status, _) = raw(&server, &post_form(&big));
    assert_eq!(status, 413);
    // Chunked, so no Content-Length announces it.
    let chunked = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    let (status, text) = raw(&server, chunked.as_bytes());
    assert_eq!(status, 413, "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_content_type_reads_form_and_a_wrong_one_is_415() {
    let server = MockServer::start().await.unwrap();
    let body = signed(&[LIST, REGION, ("Limit", "2")]);
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (_, text) = raw(&server, req.as_bytes());
    assert_eq!(json_of(&text)["RetCode"], 0);
    for ct in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
    ] {
        let req = format!("POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        let (status, _) = raw(&server, req.as_bytes());
        assert_eq!(status, 415, "{ct}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_thousand_parameters_are_answered() {
    let server = MockServer::start().await.unwrap();
    let extra: Vec<(String, String)> = (0..100_000)
        .map(|i| (format!("p{i}"), "1".to_owned()))
        .collect();
    let mut pairs: Vec<(&str, &str)> = vec![LIST, REGION, ("Limit", "1")];
    pairs.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let body = signed(&pairs);
    assert!(
        body.len() < compshare_mock::DEFAULT_BODY_LIMIT,
        "{}",
        body.len()
    );
    let (status, text) = raw(&server, &post_form(&body));
    assert_eq!(status, 200);
    assert_eq!(json_of(&text)["RetCode"], 0);
    let journal = server.requests_for("DescribeCompShareCustomImages");
    // The kept parameters, the count of the rest, and the redacted Signature.
    assert!(journal[0].params.len() <= compshare_mock::journal::MAX_JOURNAL_PARAMS + 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_action_of_a_megabyte_is_413_by_default_and_161_clipped_when_allowed() {
    let server = MockServer::start().await.unwrap();
    let action = "X".repeat(1 << 20);
    let (status, _) = raw(&server, &post_form(&format!("Action={action}")));
    assert_eq!(status, 413);
    let roomy = MockServer::start_with(Config {
        body_limit: 4 << 20,
        ..Config::default()
    })
    .await
    .unwrap();
    let (status, text) = raw(&roomy, &post_form(&format!("Action={action}")));
    assert_eq!(status, 200);
    assert!(
        text.len() < 2000,
        "the answer does not echo the megabyte: {} bytes",
        text.len()
    );
    let v = json_of(&text);
    assert_eq!(v["RetCode"], 161);
    assert!(v["Message"].as_str().unwrap().ends_with("…] not found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_trickled_byte_by_byte_is_cut_off_by_the_read_timeout() {
    let server = MockServer::start_with(Config {
        read_timeout: Duration::from_secs(1),
        ..Config::default()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let addr = server.address();
    let closed = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        for b in b"POST / HTTP/1.1\r\nHost: x\r\n".iter().take(6) {
            if s.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(400));
        }
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        buf
    })
    .await
    .unwrap();
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(6), "{waited:?}");
    let text = String::from_utf8_lossy(&closed);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    // A body that stops arriving gets 408.
    let addr = server.address();
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=").unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn thousands_of_idle_connections_do_not_stop_the_mock_answering() {
    let server = MockServer::start().await.unwrap();
    let mut idle = Vec::new();
    for _ in 0..2000 {
        match TcpStream::connect(server.address()) {
            Ok(s) => idle.push(s),
            Err(_) => break,
        }
    }
    assert!(idle.len() >= 500, "{} connections opened", idle.len());
    let creds = server.credentials();
    ok(&server, &creds, "DescribeCompShareCustomImages", &[]).await;
    drop(idle);
}

#[tokio::test(flavor = "multi_thread")]
async fn other_methods_and_paths_get_405_and_404() {
    let server = MockServer::start().await.unwrap();
    let (status, text) = raw(
        &server,
        b"PUT / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(status, 405);
    assert_eq!(json_of(&text)["Status"], 405);
    let (status, text) = raw(
        &server,
        b"GET /v1/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 404);
    assert_eq!(json_of(&text)["Status"], 404);
    // Only `/` itself is the API.
    for path in ["//", "/?", "/index.html"] {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        );
        let (status, text) = raw(&server, request.as_bytes());
        if path == "/?" {
            // An empty query: still the API (no Action: 160).
            assert_eq!(status, 200, "{path}");
            assert_eq!(json_of(&text)["RetCode"], 160, "{path}");
        } else {
            assert_eq!(status, 404, "{path}");
        }
    }
    // HEAD on the API path: the 405 head, no body.
    let text = raw_answer(
        &server,
        b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(text.starts_with("HTTP/1.1 405"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("x-ucloud-request-uuid:"),
        "{text}"
    );
    assert!(text.ends_with("\r\n\r\n"), "{text}");
}
