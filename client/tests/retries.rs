//! How often each kind of failure is tried: the SDKs' retry rules.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{answer, config};
use compshare_client::{Client, Error};
use serde_json::json;
use tokio::io::AsyncReadExt;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACTION: &str = "DescribeCompShareInstance";

/// Mounts `response` for every request, expecting exactly `times` of them.
async fn server_answering(response: ResponseTemplate, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .expect(times)
        .mount(&server)
        .await;
    server
}

async fn call(
    server: &MockServer,
    action: &str,
    max_retries: u32,
) -> Result<serde_json::Value, Error> {
    let client = Client::new(config(&server.uri()).with_max_retries(max_retries)).unwrap();
    client.invoke(action, json!({})).await
}

#[tokio::test]
async fn a_retcode_of_2000_or_more_is_retried_up_to_max_retries() {
    for code in [2000, 2001, 5000] {
        let server = server_answering(answer(ACTION, code, json!({})), 4).await;
        let err = call(&server, ACTION, 3).await.unwrap_err();
        assert_eq!(err.ret_code(), Some(code));
        server.verify().await;
    }
}

#[tokio::test]
async fn a_retcode_below_2000_is_never_retried() {
    for code in [171, 210, 230, 1999] {
        let server = server_answering(answer(ACTION, code, json!({})), 1).await;
        let err = call(&server, ACTION, 3).await.unwrap_err();
        assert_eq!(err.ret_code(), Some(code));
        server.verify().await;
    }
}

#[tokio::test]
async fn http_429_502_503_and_504_are_retried() {
    for status in [429, 502, 503, 504] {
        let server = server_answering(ResponseTemplate::new(status), 3).await;
        let err = call(&server, ACTION, 2).await.unwrap_err();
        assert!(
            matches!(err, Error::Http { status: s, .. } if s == status),
            "{err:?}"
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn http_500_and_other_statuses_are_never_retried() {
    for status in [500, 400, 404, 413] {
        let server = server_answering(ResponseTemplate::new(status), 1).await;
        let err = call(&server, ACTION, 3).await.unwrap_err();
        assert!(
            matches!(err, Error::Http { status: s, .. } if s == status),
            "{err:?}"
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn create_copy_and_publish_actions_are_never_retried() {
    for action in [
        "CreateCompShareInstance",
        "CopyCompShareCustomImage",
        "PublishCompShareImage",
    ] {
        let server = server_answering(answer(action, 2000, json!({})), 1).await;
        assert_eq!(
            call(&server, action, 3).await.unwrap_err().ret_code(),
            Some(2000)
        );
        server.verify().await;
        let server = server_answering(ResponseTemplate::new(503), 1).await;
        call(&server, action, 3).await.unwrap_err();
        server.verify().await;
    }
}

#[tokio::test]
async fn max_retries_zero_sends_exactly_once() {
    let server = server_answering(answer(ACTION, 2000, json!({})), 1).await;
    call(&server, ACTION, 0).await.unwrap_err();
}

#[tokio::test]
async fn a_transient_failure_followed_by_success_returns_the_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer(ACTION, 2000, json!({})))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(answer(ACTION, 0, json!({"TotalCount": 7})))
        .expect(1)
        .mount(&server)
        .await;
    let answer = call(&server, ACTION, 3).await.unwrap();
    assert_eq!(answer["TotalCount"], 7);
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_retried_as_a_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let acceptor = tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            // Read the request, then hang up without answering.
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            drop(socket);
        }
    });
    let client = Client::new(config(&uri).with_max_retries(2)).unwrap();
    let err = client.invoke(ACTION, json!({})).await.unwrap_err();
    acceptor.abort();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_timeout_is_a_retried_transport_error() {
    let server = server_answering(
        answer(ACTION, 0, json!({})).set_delay(Duration::from_millis(500)),
        2,
    )
    .await;
    let client = Client::new(
        config(&server.uri())
            .with_max_retries(1)
            .with_timeout(Duration::from_millis(100)),
    )
    .unwrap();
    let err = client.invoke(ACTION, json!({})).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.is_timeout()),
        "{err:?}"
    );
}
