//! What the mock keeps and refuses over the wire: id streams across resets,
//! the journal's bounds and pages, abandoned requests, used-up fault rules,
//! misspelled fault actions and control-plane paths.

mod common;

use common::ok;
use compshare_mock::{Config, MockServer};
use serde_json::{json, Value};

async fn admin(server: &MockServer, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
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
