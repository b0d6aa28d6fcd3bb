//! What the mock keeps and refuses over the wire: id streams across resets,
//! the journal's bounds and pages, abandoned requests, used-up fault rules,
//! misspelled fault actions and control-plane paths.

mod common;

use common::{admin, ok};
use compshare_mock::{Config, MockServer};
use serde_json::{json, Value};

const CREATE: &[(&str, &str)] = &[
    ("Zone", "cn-wlcb-01"),
    ("CompShareImageId", "compshareImage-165jmhx19ik7"),
    ("CPU", "16"),
    ("Memory", "65536"),
    ("GPU", "1"),
    ("GpuType", "4090"),
    ("MachineType", "G"),
];

async fn create_instance(server: &MockServer) -> String {
    let creds = server.credentials();
    ok(server, &creds, "CreateCompShareInstance", CREATE).await["UHostIds"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create_image(server: &MockServer) -> String {
    let creds = server.credentials();
    ok(
        server,
        &creds,
        "CreateCompShareCustomImage",
        &[
            ("Zone", "cn-wlcb-01"),
            ("UHostId", "uhost-demo0run"),
            ("Name", "x"),
        ],
    )
    .await["CompShareImageId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn seeded(seed: u64) -> Config {
    Config {
        seed: Some(seed),
        ..Config::default()
    }
}

#[tokio::test]
async fn each_kind_of_id_is_its_own_stream() {
    // An image made first does not move the instance ids of a seeded mock.
    let plain = MockServer::start_with(seeded(11)).await.unwrap();
    let first = create_instance(&plain).await;
    let after_image = MockServer::start_with(seeded(11)).await.unwrap();
    create_image(&after_image).await;
    assert_eq!(create_instance(&after_image).await, first);
}

#[tokio::test]
async fn a_reset_repeats_ids_with_a_seed_and_never_without() {
    let server = MockServer::start_with(seeded(5)).await.unwrap();
    let a = create_instance(&server).await;
    admin(&server, "POST", "/reset", None).await;
    assert_eq!(
        create_instance(&server).await,
        a,
        "with a seed, ids start over at a reset"
    );

    let server = MockServer::start().await.unwrap();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..5 {
        assert!(seen.insert(create_instance(&server).await));
        assert!(seen.insert(create_image(&server).await));
        admin(&server, "POST", "/reset", None).await;
    }
}

#[tokio::test]
async fn an_unknown_control_plane_path_is_a_json_404_that_lists_the_routes() {
    let server = MockServer::start().await.unwrap();
    let (status, body) = admin(&server, "GET", "/helth", None).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["Status"], 404);
    let error = body["Error"].as_str().unwrap();
    assert!(error.contains("/_mock/helth"), "the path as asked: {error}");
    assert!(error.contains("did you mean /_mock/health?"), "{error}");
    let routes: Vec<&str> = body["Routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    for route in [
        "GET /_mock/health",
        "GET /_mock/requests",
        "POST /_mock/save",
    ] {
        assert!(routes.contains(&route), "{routes:?}");
    }
    // Every listed route is served: none answers 404.
    let c = reqwest::Client::new();
    for route in &routes {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path.replace("{id}", "999");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = c
            .request(method, format!("{}{path}", server.uri()))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert!(
            status != 404 || text.contains("no fault rule"),
            "{route}: {status} {text}"
        );
    }
}

#[tokio::test]
async fn a_fault_rule_for_an_action_outside_the_catalogue_is_refused_with_the_nearest() {
    let server = MockServer::start().await.unwrap();
    let (status, body) = admin(
        &server,
        "POST",
        "/faults",
        Some(json!({"action": "DescribeCompShareInstances", "http_status": 503})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let error = body["Error"].as_str().unwrap();
    assert!(
        error.contains("DescribeCompShareInstances")
            && error.contains("did you mean DescribeCompShareInstance?"),
        "{error}"
    );
    let (_, listed) = admin(&server, "GET", "/faults", None).await;
    assert_eq!(listed["Faults"], json!([]), "nothing was added");
}

#[tokio::test]
async fn a_used_up_rule_stays_listed_as_exhausted_until_deleted() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    let (_, made) = admin(
        &server,
        "POST",
        "/faults",
        Some(json!({"action": "DescribeCompShareCustomImages", "ret_code": 2001, "times": 2})),
    )
    .await;
    let id = made["id"].as_u64().unwrap();
    for _ in 0..3 {
        common::call(&server, &creds, "DescribeCompShareCustomImages", &[]).await;
    }
    let (_, listed) = admin(&server, "GET", "/faults", None).await;
    let rule = &listed["Faults"][0];
    assert_eq!(rule["id"], id, "{listed}");
    assert_eq!(rule["applied"], 2, "{listed}");
    assert_eq!(rule["exhausted"], true, "{listed}");
    let journal = server.requests_for("DescribeCompShareCustomImages");
    let codes: Vec<Option<i64>> = journal.iter().map(|e| e.ret_code).collect();
    assert_eq!(codes, [Some(2001), Some(2001), Some(0)]);
    let (status, _) = admin(&server, "DELETE", &format!("/faults/{id}"), None).await;
    assert_eq!(status, 200);
    let (_, listed) = admin(&server, "GET", "/faults", None).await;
    assert_eq!(listed["Faults"], json!([]));
}

#[tokio::test]
async fn a_request_abandoned_during_a_delay_is_journaled_as_abandoned() {
    let server = MockServer::start().await.unwrap();
    admin(
        &server,
        "POST",
        "/faults",
        Some(json!({"action": "DescribeCompShareCustomImages", "delay_ms": 2000, "times": 1})),
    )
    .await;
    let creds = server.credentials();
    let pairs = compshare_protocol::signed::call(
        "DescribeCompShareCustomImages",
        &[("Region", "cn-wlcb")],
        &creds.public_key,
        &creds.private_key,
    );
    let gave_up = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap()
        .post(server.uri())
        .form(&pairs)
        .send()
        .await;
    assert!(gave_up.is_err(), "the client times out during the delay");
    // The mock notices the closed connection; the entry is there at once or
    // when the delay would have ended.
    let mut entries = Vec::new();
    for _ in 0..40 {
        entries = server.requests_for("DescribeCompShareCustomImages");
        if !entries.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(entries.len(), 1, "every attempt is journaled");
    let (_, journal) = admin(&server, "GET", "/requests", None).await;
    let e = &journal["Requests"][0];
    assert_eq!(e["Abandoned"], true, "{journal}");
    assert_eq!(e["HttpStatus"], 499, "{journal}");
    assert_eq!(e["Fault"], 1, "{journal}");
    let (_, listed) = admin(&server, "GET", "/faults", None).await;
    assert_eq!(listed["Faults"][0]["applied"], 1);
}

#[tokio::test]
async fn the_journal_is_bounded_in_bytes_and_read_in_pages() {
    let server = MockServer::start_with(Config {
        body_limit: 4 * 1024 * 1024,
        ..Config::default()
    })
    .await
    .unwrap();
    let creds = server.credentials();
    // 60 requests of 300 params of 1 KiB each (about 300 KB): without a
    // byte bound the journal would keep about 12 MB of them.
    let value = "v".repeat(1024);
    let names: Vec<String> = (0..300).map(|i| format!("Unknown{i:03}")).collect();
    for _ in 0..60 {
        let params: Vec<(&str, &str)> =
            names.iter().map(|n| (n.as_str(), value.as_str())).collect();
        ok(&server, &creds, "DescribeCompShareCustomImages", &params).await;
    }
    let text = reqwest::get(format!("{}/_mock/requests", server.uri()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.len() <= 60 * 70 * 1024,
        "an entry keeps at most 64 KiB of parameters: {} bytes",
        text.len()
    );
    let all: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(all["Count"], 60);
    assert_eq!(all["Total"], 60);
    assert_eq!(all["Next"], Value::Null);
    let first = &all["Requests"][0]["Params"];
    assert!(
        first["…"]
            .as_str()
            .unwrap()
            .ends_with("more parameters not recorded"),
        "{}",
        first["…"]
    );

    // Pages: the current filters still apply; Next leads to the rest.
    let (_, page) = admin(
        &server,
        "GET",
        "/requests?action=DescribeCompShareCustomImages&limit=25",
        None,
    )
    .await;
    assert_eq!(
        (page["Count"].clone(), page["Total"].clone()),
        (json!(25), json!(60))
    );
    let mut seen = 25;
    let mut next = page["Next"].as_u64().unwrap();
    loop {
        let (_, page) = admin(
            &server,
            "GET",
            &format!("/requests?action=DescribeCompShareCustomImages&limit=25&after={next}"),
            None,
        )
        .await;
        seen += page["Count"].as_u64().unwrap();
        assert!(page["Requests"][0]["Seq"].as_u64().unwrap() > next);
        match page["Next"].as_u64() {
            Some(n) => next = n,
            None => break,
        }
    }
    assert_eq!(seen, 60);
    for bad in ["limit=0", "limit=1001", "after=x"] {
        let (status, body) = admin(&server, "GET", &format!("/requests?{bad}"), None).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}
