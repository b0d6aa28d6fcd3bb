//! The dashboard over HTTP: the page and its assets (self-contained, served
//! without the token), and what it reads beyond the rest of the control
//! plane: one journal entry with its answer, and the builds in the state.
//! The page itself is driven in a browser by `ui-tests/`.

mod common;

use common::{call, ok};
use compshare_mock::journal::MAX_JOURNAL_ANSWER;
use compshare_mock::{Config, MockServer};
use serde_json::Value;

async fn get(server: &MockServer, path: &str, token: Option<&str>) -> reqwest::Response {
    let req = reqwest::Client::new().get(format!("{}{path}", server.uri()));
    let req = match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    };
    req.send().await.unwrap()
}

/// The Seq of the newest journal entry.
async fn last_seq(server: &MockServer) -> u64 {
    let body: Value = get(server, "/_mock/requests", None)
        .await
        .json()
        .await
        .unwrap();
    body["Requests"].as_array().unwrap().last().unwrap()["Seq"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_self_contained() {
    let server = MockServer::start().await.unwrap();
    let mut sources = String::new();
    for (path, kind) in [
        ("/_mock/ui", "text/html"),
        ("/_mock/ui/", "text/html"),
        ("/_mock/ui/app.js", "text/javascript"),
        ("/_mock/ui/app.css", "text/css"),
    ] {
        let resp = get(&server, path, None).await;
        assert_eq!(resp.status(), 200, "{path}");
        let h = resp.headers();
        assert!(
            h["content-type"].to_str().unwrap().starts_with(kind),
            "{path}"
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"));
        sources.push_str(&resp.text().await.unwrap());
    }
    // Nothing is fetched from elsewhere: no absolute URL in any asset.
    for scheme in ["http://", "https://", "//cdn", "@import"] {
        assert!(!sources.contains(scheme), "an asset mentions {scheme}");
    }
    assert!(sources.contains(r#"src="/_mock/ui/app.js""#));
    assert!(sources.contains(r#"href="/_mock/ui/app.css""#));
    assert_eq!(get(&server, "/_mock/ui/other.js", None).await.status(), 404);
}

#[tokio::test]
async fn with_a_token_the_page_loads_but_its_data_needs_the_token() {
    let server = MockServer::start_with(Config {
        admin_token: Some("t0k".into()),
        ..Config::default()
    })
    .await
    .unwrap();
    assert_eq!(get(&server, "/_mock/ui", None).await.status(), 200);
    assert_eq!(get(&server, "/_mock/ui/app.js", None).await.status(), 200);
    ok(
        &server,
        &server.credentials(),
        "DescribeCompShareInstance",
        &[],
    )
    .await;
    for path in ["/_mock/state", "/_mock/requests", "/_mock/requests/1"] {
        assert_eq!(get(&server, path, None).await.status(), 401, "{path}");
        assert_eq!(
            get(&server, path, Some("wrong")).await.status(),
            401,
            "{path}"
        );
        assert_eq!(
            get(&server, path, Some("t0k")).await.status(),
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_journal_entry_opens_with_its_answer() {
    let server = MockServer::start().await.unwrap();
    // Answers are kept once the page is opened.
    assert_eq!(get(&server, "/_mock/ui", None).await.status(), 200);
    let creds = server.credentials();
    let sent = ok(
        &server,
        &creds,
        "DescribeCompShareInstance",
        &[("Limit", "1")],
    )
    .await;
    let seq = last_seq(&server).await;
    let entry: Value = get(&server, &format!("/_mock/requests/{seq}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["Seq"], seq);
    assert_eq!(entry["Action"], "DescribeCompShareInstance");
    assert_eq!(entry["Params"]["Signature"], "<redacted>");
    let answer: Value = serde_json::from_str(entry["Answer"].as_str().unwrap()).unwrap();
    assert_eq!(answer, sent);
    assert_eq!(entry["AnswerClipped"], false);
    assert_eq!(
        entry["AnswerSize"].as_u64().unwrap() as usize,
        entry["Answer"].as_str().unwrap().len()
    );

    // A 171 opens to its diagnosis and the refusal it was answered.
    let wrong = compshare_mock::Credentials {
        public_key: creds.public_key.clone(),
        private_key: "not-the-key".into(),
    };
    assert_eq!(
        call(&server, &wrong, "DescribeCompShareInstance", &[]).await["RetCode"],
        171
    );
    let seq = last_seq(&server).await;
    let entry: Value = get(&server, &format!("/_mock/requests/{seq}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(entry["Signature"]["Canonical"]
        .as_str()
        .unwrap()
        .starts_with("ActionDescribeCompShareInstance"));
    assert!(entry["Answer"]
        .as_str()
        .unwrap()
        .contains(r#""RetCode":171"#));

    let missing = get(&server, "/_mock/requests/999999", None).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(get(&server, "/_mock/requests/x", None).await.status(), 400);
}

#[tokio::test]
async fn a_large_answer_is_kept_clipped() {
    let server = MockServer::start_with(Config {
        journal_answers: true,
        ..Config::default()
    })
    .await
    .unwrap();
    let creds = server.credentials();
    let sent = ok(
        &server,
        &creds,
        "DescribeCompShareCustomImages",
        &[("Limit", "100")],
    )
    .await;
    let size = serde_json::to_vec(&sent).unwrap().len();
    assert!(size > MAX_JOURNAL_ANSWER, "{size}");
    let seq = last_seq(&server).await;
    let entry: Value = get(&server, &format!("/_mock/requests/{seq}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["AnswerClipped"], true);
    assert_eq!(entry["AnswerSize"].as_u64().unwrap() as usize, size);
    let kept = entry["Answer"].as_str().unwrap();
    assert!(kept.len() <= MAX_JOURNAL_ANSWER + 3, "{}", kept.len());
    assert!(kept.starts_with(r#"{"Action":"DescribeCompShareCustomImagesResponse","RetCode":0"#));
}

#[tokio::test]
async fn with_no_journal_no_answer_is_kept() {
    let server = MockServer::start_with(Config {
        journal_size: 0,
        ..Config::default()
    })
    .await
    .unwrap();
    ok(
        &server,
        &server.credentials(),
        "DescribeCompShareInstance",
        &[],
    )
    .await;
    assert_eq!(get(&server, "/_mock/requests/1", None).await.status(), 404);
}

#[tokio::test]
async fn the_state_shows_a_build_in_progress() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    let made = ok(
        &server,
        &creds,
        "CreateCompShareCustomImage",
        &[
            ("Zone", "cn-wlcb-01"),
            ("UHostId", "uhost-demo0stp"),
            ("Name", "checkpoint"),
        ],
    )
    .await;
    let id = made["CompShareImageId"].as_str().unwrap();
    let state: Value = get(&server, "/_mock/state", None)
        .await
        .json()
        .await
        .unwrap();
    let build = &state["Builds"][id];
    let (start, ready) = (
        build["Start"].as_i64().unwrap(),
        build["Ready"].as_i64().unwrap(),
    );
    assert_eq!(ready - start, 60, "{build}");
    server.advance_clock(60);
    let state: Value = get(&server, "/_mock/state", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(state["Builds"].get(id).is_none(), "{}", state["Builds"]);
}

#[tokio::test]
async fn no_answer_is_kept_until_the_page_is_opened() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    ok(&server, &creds, "DescribeCompShareInstance", &[]).await;
    let seq = last_seq(&server).await;
    let entry: Value = get(&server, &format!("/_mock/requests/{seq}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["Answer"], "", "{entry}");
    assert_eq!(get(&server, "/_mock/ui", None).await.status(), 200);
    ok(&server, &creds, "DescribeCompShareInstance", &[]).await;
    let seq = last_seq(&server).await;
    let entry: Value = get(&server, &format!("/_mock/requests/{seq}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        entry["Answer"].as_str().unwrap().contains("UHostSet"),
        "{entry}"
    );
}
