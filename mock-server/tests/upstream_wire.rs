//! `--upstream` against a wiremock upstream: what is forwarded (the
//! client's bytes, its signature, no extra header), what the client gets in
//! each mode, and upstream trouble (timeouts, refused connections, non-JSON)
//! turned into a 502 or a journaled note, never a hang.

use std::sync::Arc;
use std::time::Duration;

use compshare_mock::journal::Entry;
use compshare_mock::upstream::{check_url, Mode, Upstream, UpstreamConfig};
use compshare_mock::{Config, Credentials, MockServer};
use compshare_protocol::signed;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

async fn mock_with(upstream: &str, mode: Mode, timeout: Duration, mutations: bool) -> MockServer {
    let config = UpstreamConfig {
        url: check_url(upstream).unwrap(),
        mode,
        timeout,
        shadow_mutations: mutations,
    };
    MockServer::start_with(Config {
        upstream: Some(Arc::new(Upstream::new(config, None))),
        ..Config::default()
    })
    .await
    .unwrap()
}

/// A signed form body, as bytes, with the key pair given.
fn signed(creds: &Credentials, action: &str, params: &[(&str, &str)]) -> String {
    let mut params = params.to_vec();
    params.push(("Region", "cn-wlcb"));
    let pairs = signed::call(action, &params, &creds.public_key, &creds.private_key);
    signed::form_body(&pairs)
}

async fn post(url: &str, body: &str) -> (u16, Option<String>, Vec<u8>) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Client-Only", "not forwarded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let id = resp
        .headers()
        .get("X-UCLOUD-REQUEST-UUID")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        resp.status().as_u16(),
        id,
        resp.bytes().await.unwrap().to_vec(),
    )
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The journal entry of a request id, once its upstream note is no longer pending.
async fn settled(server: &MockServer, id: &str) -> Entry {
    for _ in 0..400 {
        let found = server
            .requests(&Default::default())
            .into_iter()
            .find(|e| e.request_id == id);
        if let Some(e) = found {
            if e.upstream.as_ref().is_some_and(|n| !n.pending) {
                return e;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no settled journal entry for {id}");
}

fn unknown_creds() -> Credentials {
    Credentials {
        public_key: "a-key-the-fixtures-do-not-know".into(),
        private_key: "its-private-key".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn shadow_forwards_the_clients_bytes_and_signature_with_no_extra_header() {
    let wm = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"Action":"DescribeCompShareSoftwarePortResponse","RetCode":0,"SoftwarePort":[]}"#,
            "application/json",
        ))
        .mount(&wm)
        .await;
    let server = mock_with(&wm.uri(), Mode::Shadow, Duration::from_secs(10), false).await;
    let body = signed(&server.credentials(), "DescribeCompShareSoftwarePort", &[]);
    let (status, id, answer) = post(
        &format!("{}/?Action=DescribeCompShareSoftwarePort", server.uri()),
        &body,
    )
    .await;
    assert_eq!(status, 200);
    // The mock's own answer: the built-in canned ports.
    assert_eq!(
        json_of(&answer)["SoftwarePort"][0]["Software"],
        "JupyterLab"
    );
    let entry = settled(&server, &id.unwrap()).await;
    let got = wm.received_requests().await.unwrap();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(r.url.query(), Some("Action=DescribeCompShareSoftwarePort"));
    assert_eq!(
        r.body,
        body.as_bytes(),
        "the body, signature included, is forwarded byte for byte"
    );
    let mut names: Vec<&str> = r.headers.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["content-length", "content-type", "host"]);
    assert_eq!(
        r.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let note = entry.upstream.unwrap();
    assert!(note.forwarded && !note.unverified_key);
    assert_eq!(note.status, Some(200));
    assert!(note.differences.is_empty(), "{:?}", note.differences);
    assert_eq!(entry.params["Signature"], "<redacted>");
}

#[tokio::test(flavor = "multi_thread")]
async fn shadow_reports_each_differing_path_with_a_count_and_an_example() {
    let wm = wiremock::MockServer::start().await;
    // The mock's answer with one field of another type, one missing and one extra.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"Action":"DescribeCompShareSoftwarePortResponse","RetCode":0,
                "SoftwarePort":[{"Software":"x","Port":"8888"}],"Extra":{"A":1}}"#,
            "application/json",
        ))
        .mount(&wm)
        .await;
    let server = mock_with(&wm.uri(), Mode::Shadow, Duration::from_secs(10), false).await;
    let creds = server.credentials();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (_, id, _) = post(
            &server.uri(),
            &signed(&creds, "DescribeCompShareSoftwarePort", &[]),
        )
        .await;
        ids.push(id.unwrap());
    }
    // A mutation is answered by the mock alone.
    let (_, id, answer) = post(
        &server.uri(),
        &signed(
            &creds,
            "ModifyCompShareInstanceName",
            &[("UHostId", "uhost-none"), ("Name", "n")],
        ),
    )
    .await;
    assert_ne!(json_of(&answer)["RetCode"], 0, "the mock's own refusal");
    let mutation = server
        .requests(&Default::default())
        .into_iter()
        .find(|e| Some(&e.request_id) == id.as_ref())
        .unwrap();
    let note = mutation.upstream.unwrap();
    assert!(!note.forwarded && !note.pending);
    assert!(note.not_forwarded.unwrap().contains("--shadow-mutations"));
    for id in &ids {
        let e = settled(&server, id).await;
        let kinds: Vec<(String, String)> = e
            .upstream
            .unwrap()
            .differences
            .iter()
            .map(|d| {
                (
                    d.path.clone(),
                    serde_json::to_value(d.kind)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("SoftwarePort[].Port".to_owned(), "type".to_owned()),
                ("Extra".to_owned(), "missing_in_mock".to_owned()),
            ]
        );
    }
    assert_eq!(wm.received_requests().await.unwrap().len(), 2);
    let summary: Value = reqwest::get(format!("{}/_mock/shadow", server.uri()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["Mode"], "shadow");
    let actions = summary["Actions"].as_array().unwrap();
    let ports = actions
        .iter()
        .find(|a| a["Action"] == "DescribeCompShareSoftwarePort")
        .unwrap();
    assert_eq!(
        (ports["Requests"].as_u64(), ports["Identical"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(
        ports["Differences"],
        json!([
            {"Path": "Extra", "Kind": "missing_in_mock", "Count": 2,
             "Example": {"Mock": "(absent)", "Upstream": "object", "RequestId": ids[0]}},
            {"Path": "SoftwarePort[].Port", "Kind": "type", "Count": 2,
             "Example": {"Mock": "number", "Upstream": "string", "RequestId": ids[0]}},
        ])
    );
    let modify = actions
        .iter()
        .find(|a| a["Action"] == "ModifyCompShareInstanceName")
        .unwrap();
    assert_eq!(
        (modify["Requests"].as_u64(), modify["NotForwarded"].as_u64()),
        (Some(0), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shadow_mutations_forwards_mutating_actions_too() {
    let wm = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"RetCode":0}"#, "application/json"),
        )
        .mount(&wm)
        .await;
    let server = mock_with(&wm.uri(), Mode::Shadow, Duration::from_secs(10), true).await;
    let body = signed(
        &server.credentials(),
        "StopCompShareInstance",
        &[("UHostId", "uhost-none")],
    );
    let (_, id, _) = post(&server.uri(), &body).await;
    let e = settled(&server, &id.unwrap()).await;
    assert!(e.upstream.unwrap().forwarded);
    assert_eq!(
        wm.received_requests().await.unwrap()[0].body,
        body.as_bytes()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_returns_the_upstreams_status_body_and_request_id() {
    let wm = wiremock::MockServer::start().await;
    let upstream_body = r#"{"Action":"DescribeCompShareInstanceResponse","RetCode":0,"UHostSet":[],"TotalCount":0,"Live":true}"#;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(upstream_body, "application/json")
                .insert_header("X-UCLOUD-REQUEST-UUID", "0f0f0f0f-upstream-id"),
        )
        .mount(&wm)
        .await;
    let server = mock_with(&wm.uri(), Mode::Proxy, Duration::from_secs(10), false).await;
    // A key the fixtures do not know: passed on unchecked, and marked so.
    let body = signed(&unknown_creds(), "DescribeCompShareInstance", &[]);
    let (status, id, answer) = post(&server.uri(), &body).await;
    assert_eq!(status, 200);
    assert_eq!(answer, upstream_body.as_bytes());
    assert_eq!(id.as_deref(), Some("0f0f0f0f-upstream-id"));
    let e = server
        .requests_for("DescribeCompShareInstance")
        .pop()
        .unwrap();
    assert_eq!(e.request_id, "0f0f0f0f-upstream-id");
    assert_eq!(e.ret_code, Some(0));
    assert_eq!(e.account, None);
    let note = e.upstream.unwrap();
    assert!(note.forwarded && note.unverified_key);
    assert_eq!(
        wm.received_requests().await.unwrap()[0].body,
        body.as_bytes()
    );

    // A known key with a wrong signature is refused by the mock and not forwarded.
    let mut creds = server.credentials();
    creds.private_key = "wrong".into();
    let (status, _, answer) = post(
        &server.uri(),
        &signed(&creds, "DescribeCompShareInstance", &[]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(json_of(&answer)["RetCode"], 171);
    assert_eq!(wm.received_requests().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_upstream_is_a_502_naming_it_in_proxy_and_a_note_in_shadow() {
    let wm = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"RetCode":0}"#, "application/json")
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&wm)
        .await;
    let proxy = mock_with(&wm.uri(), Mode::Proxy, Duration::from_millis(300), false).await;
    let body = signed(&proxy.credentials(), "DescribeCompShareInstance", &[]);
    let (status, id, answer) = post(&proxy.uri(), &body).await;
    assert_eq!(status, 502);
    assert!(id.is_some());
    let v = json_of(&answer);
    assert_eq!(v["Status"], 502);
    let error = v["Error"].as_str().unwrap();
    assert!(
        error.contains(&wm.uri()) && error.contains("did not answer within 300 ms"),
        "{error}"
    );
    let e = proxy
        .requests_for("DescribeCompShareInstance")
        .pop()
        .unwrap();
    assert_eq!(e.http_status, 502);
    assert_eq!(e.refused_by.as_deref(), Some("upstream"));

    let shadow = mock_with(&wm.uri(), Mode::Shadow, Duration::from_millis(300), false).await;
    let (status, id, answer) = post(
        &shadow.uri(),
        &signed(&shadow.credentials(), "DescribeCompShareInstance", &[]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(json_of(&answer)["RetCode"], 0, "the mock's own answer");
    let note = settled(&shadow, &id.unwrap()).await.upstream.unwrap();
    assert!(note.error.unwrap().contains("did not answer within 300 ms"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_json_answer_and_a_refused_connection_are_502s() {
    let wm = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
        )
        .mount(&wm)
        .await;
    let proxy = mock_with(&wm.uri(), Mode::Proxy, Duration::from_secs(10), false).await;
    let (status, _, answer) = post(
        &proxy.uri(),
        &signed(&proxy.credentials(), "DescribeCompShareInstance", &[]),
    )
    .await;
    assert_eq!(status, 502);
    assert!(json_of(&answer)["Error"]
        .as_str()
        .unwrap()
        .contains("not JSON"));

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let record = mock_with(&url, Mode::Record, Duration::from_secs(10), false).await;
    let (status, _, answer) = post(
        &record.uri(),
        &signed(&record.credentials(), "DescribeCompShareSoftwarePort", &[]),
    )
    .await;
    assert_eq!(status, 502);
    let error = json_of(&answer)["Error"].as_str().unwrap().to_owned();
    assert!(
        error.contains(&url) && error.contains("cannot be reached"),
        "{error}"
    );
    let shadow = mock_with(&url, Mode::Shadow, Duration::from_secs(10), false).await;
    let (status, id, _) = post(
        &shadow.uri(),
        &signed(&shadow.credentials(), "DescribeCompShareSoftwarePort", &[]),
    )
    .await;
    assert_eq!(status, 200);
    let note = settled(&shadow, &id.unwrap()).await.upstream.unwrap();
    assert!(note.error.unwrap().contains("cannot be reached"));
}

#[test]
fn only_https_or_a_loopback_upstream_is_accepted() {
    for ok in [
        "https://api.compshare.cn",
        "http://127.0.0.1:9",
        "http://localhost:8",
        "http://[::1]:7/",
    ] {
        assert!(check_url(ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://api.compshare.cn",
        "ftp://127.0.0.1",
        "api.compshare.cn",
        "http://10.0.0.1",
    ] {
        assert!(check_url(bad).is_err(), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn shadow_answers_an_unknown_key_as_the_first_account_and_marks_it() {
    let wm = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"Action":"DescribeCompShareInstanceResponse","RetCode":0,"UHostSet":[],"TotalCount":0}"#,
            "application/json",
        ))
        .mount(&wm)
        .await;
    let server = mock_with(&wm.uri(), Mode::Shadow, Duration::from_secs(10), false).await;
    let body = signed(&unknown_creds(), "DescribeCompShareInstance", &[]);
    let (status, id, answer) = post(&server.uri(), &body).await;
    assert_eq!(status, 200);
    assert_eq!(
        json_of(&answer)["RetCode"],
        0,
        "not 172: answered as the first account"
    );
    let e = settled(&server, &id.unwrap()).await;
    assert_eq!(e.params["PublicKey"], "a-key-the-fixtures-do-not-know");
    assert_eq!(e.account.as_deref(), Some("56000001"));
    assert!(e.upstream.unwrap().unverified_key);
    assert_eq!(
        wm.received_requests().await.unwrap()[0].body,
        body.as_bytes()
    );
}
