//! `X-UCLOUD-REQUEST-UUID`: both SDKs read the request id from this header,
//! so every answer carries one, and never the same one twice. (The harness
//! also checks this on every answer of every test.)

use std::collections::HashSet;

use contract_tests::request::HttpRequest;
use contract_tests::{skip_when_external, Endpoint, Keys, Raw};
use reqwest::Method;

fn ids(answers: &[Raw]) -> Vec<String> {
    answers
        .iter()
        .map(|a| a.request_id.clone().expect("a request id"))
        .collect()
}

#[test]
fn every_answer_carries_a_fresh_request_id() {
    let ep = Endpoint::under_test();
    let region = [("Region", ep.region())];
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(ep.call("DescribeCompShareCustomImages", &region));
        answers.push(ep.call_get("DescribeCompShareCustomImages", &region));
        answers.push(ep.call("NoSuchAction", &region));
        answers.push(ep.call_as(
            &Keys::new("unknown-key", "x"),
            "DescribeCompShareCustomImages",
            &region,
        ));
        answers.push(ep.call("DescribeCompShareCustomImages", &[]));
    }
    let ids = ids(&answers);
    assert!(ids.iter().all(|id| !id.trim().is_empty()));
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[test]
fn every_4xx_answer_carries_a_fresh_request_id() {
    if skip_when_external(
        "every_4xx_answer_carries_a_fresh_request_id",
        "4xx answers are the mock's own choice",
    ) {
        return;
    }
    let ep = Endpoint::under_test();
    let mut answers = Vec::new();
    for _ in 0..2 {
        answers.push(ep.send(&HttpRequest::raw(Method::GET, "/nowhere", None, Vec::new())));
        answers.push(ep.send(&HttpRequest::raw(Method::DELETE, "/", None, Vec::new())));
        answers.push(ep.send(&HttpRequest::raw(
            Method::POST,
            "/",
            Some("text/csv"),
            b"a,b".to_vec(),
        )));
        answers.push(ep.send(&HttpRequest::raw(
            Method::POST,
            "/",
            Some("application/json"),
            b"{".to_vec(),
        )));
    }
    assert!(answers.iter().all(|a| (400..500).contains(&a.status)));
    let ids = ids(&answers);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[test]
fn the_in_process_request_id_is_a_uuid() {
    if skip_when_external(
        "the_in_process_request_id_is_a_uuid",
        "the id format is the mock's own choice",
    ) {
        return;
    }
    let ep = Endpoint::under_test();
    let raw = ep.call("DescribeCompShareCustomImages", &[("Region", ep.region())]);
    let id = raw.request_id.unwrap();
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
    assert!(
        id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "{id}"
    );
}
