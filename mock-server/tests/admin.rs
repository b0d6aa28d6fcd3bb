//! The control plane over HTTP: every `/_mock/` operation.

mod common;

use common::{admin, call, ok};
use compshare_mock::{Config, MockServer};
use serde_json::{json, Value};

fn create_params() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Zone", "cn-wlcb-01"),
        ("CompShareImageId", "compshareImage-165jmhx19ik7"),
        ("CPU", "16"),
        ("Memory", "65536"),
        ("GPU", "1"),
        ("GpuType", "4090"),
        ("MachineType", "G"),
    ]
}

#[tokio::test]
async fn health_reports_version_and_counts() {
    let server = MockServer::start().await.unwrap();
    let (status, body) = admin(&server, "GET", "/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["Status"], "ok");
    let added = compshare_protocol::catalogue::Overlay::get().actions.len();
    assert_eq!(body["Actions"], 80 + added as i64);
    assert_eq!(body["Version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn reset_returns_to_the_fixtures_and_state_dumps_without_private_keys() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    ok(&server, &creds, "CreateCompShareInstance", &create_params()).await;
    let (_, dump) = admin(&server, "GET", "/state", None).await;
    assert_eq!(
        dump["Instances"].as_array().unwrap().len(),
        5,
        "four from the fixtures, one created"
    );
    assert!(!dump.to_string().contains("my_private_key"));
    assert_eq!(dump["Accounts"][0]["PublicKey"], "my_public_key");
    let (status, _) = admin(&server, "POST", "/reset", None).await;
    assert_eq!(status, 200);
    let (_, dump) = admin(&server, "GET", "/state", None).await;
    assert_eq!(dump["Instances"].as_array().unwrap().len(), 4);
    assert_eq!(dump["Images"].as_array().unwrap().len(), 59);
}

#[tokio::test]
async fn fixtures_load_at_run_time_with_the_same_validation() {
    let server = MockServer::start().await.unwrap();
    let default_creds = server.credentials();
    let accounts =
        json!([{"AccountId": "7", "AccountName": "solo", "PublicKey": "pk7", "PrivateKey": "sk7"}]);
    let bad_images = json!([{"CompShareImageId": "i", "ImageType": "Custom", "Status": "Available", "CreateTime": "x"}]);
    let (status, body) = admin(
        &server,
        "POST",
        "/fixtures",
        Some(json!({"accounts": accounts, "images": bad_images})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["Error"],
        "fixtures refused: images.json: entry 0: field CreateTime: expected integer, found string"
    );
    let images = json!([{"CompShareImageId": "compshareImage-solo", "ImageType": "Custom", "Status": "Available", "Owner": {"AccountId": "7"}}]);
    let instances = json!([{"UHostId": "uhost-solo0001", "AccountId": "7", "Zone": "cn-wlcb-01", "State": "Stopped",
        "CPU": 8, "Memory": 32768, "GPU": 1, "GpuType": "3090", "CompShareImageId": "compshareImage-solo"}]);
    let responses = json!({"DescribeCompShareSoftwarePort": {"SoftwarePort": [{"Port": 8888, "Software": "JupyterLab"}]}});
    let body = json!({"accounts": accounts, "images": images, "instances": instances, "responses": responses});
    let (status, text) = admin(&server, "POST", "/fixtures", Some(body)).await;
    assert_eq!(status, 200, "{text}");
    let solo = compshare_mock::Credentials {
        public_key: "pk7".into(),
        private_key: "sk7".into(),
    };
    let listed = ok(&server, &solo, "DescribeCompShareCustomImages", &[]).await;
    assert_eq!(
        listed["ImageSet"][0]["CompShareImageId"],
        "compshareImage-solo"
    );
    let hosts = ok(&server, &solo, "DescribeCompShareInstance", &[]).await;
    assert_eq!(hosts["UHostSet"][0]["State"], "Stopped");
    let ports = ok(&server, &solo, "DescribeCompShareSoftwarePort", &[]).await;
    assert_eq!(ports["SoftwarePort"][0]["Port"], 8888);
    admin(&server, "POST", "/reset", None).await;
    let hosts = ok(&server, &solo, "DescribeCompShareInstance", &[]).await;
    assert_eq!(
        hosts["TotalCount"], 1,
        "a reset returns to the loaded set, instances included"
    );
    let old = call(
        &server,
        &default_creds,
        "DescribeCompShareCustomImages",
        &[],
    )
    .await;
    assert_eq!(old["RetCode"], 172);
    assert_eq!(
        server.credentials().public_key,
        "pk7",
        "credentials follow the loaded set"
    );
}

#[tokio::test]
async fn the_journal_records_filters_redacts_and_explains_171() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    ok(
        &server,
        &creds,
        "DescribeCompShareCustomImages",
        &[("Limit", "5")],
    )
    .await;
    let wrong = compshare_mock::Credentials {
        public_key: creds.public_key.clone(),
        private_key: "not-it".into(),
    };
    call(
        &server,
        &wrong,
        "ResetCompShareInstancePassword",
        &[
            ("Zone", "cn-wlcb-01"),
            ("UHostId", "uhost-x"),
            ("Password", "c2VjcmV0"),
            ("WithoutGpu", "True"),
        ],
    )
    .await;
    let (_, all) = admin(&server, "GET", "/requests", None).await;
    assert_eq!(all["Count"], 2);
    let text = all.to_string();
    assert!(
        !text.contains("c2VjcmV0"),
        "the password is redacted everywhere"
    );
    assert!(!text.contains("my_private_key") && !text.contains("not-it"));
    let first = &all["Requests"][0];
    assert_eq!(first["Action"], "DescribeCompShareCustomImages");
    assert_eq!(first["RetCode"], 0);
    assert_eq!(first["Account"], "56000001");
    assert_eq!(first["Params"]["Signature"], "<redacted>");
    assert_eq!(first["Params"]["Limit"], "5");
    let (_, refused) = admin(&server, "GET", "/requests?ret_code=171", None).await;
    assert_eq!(refused["Count"], 1);
    let e = &refused["Requests"][0];
    assert_eq!(e["RefusedBy"], "signature");
    assert_eq!(e["Params"]["Password"], "<redacted>");
    let canonical = e["Signature"]["Canonical"].as_str().unwrap();
    assert!(
        canonical.starts_with("ActionResetCompShareInstancePassword"),
        "{canonical}"
    );
    let hints = e["Signature"]["Hints"].to_string();
    assert!(hints.contains("WithoutGpu is `True`"), "{hints}");
    let (_, by_action) = admin(
        &server,
        "GET",
        "/requests?action=DescribeCompShareCustomImages&account=56000001",
        None,
    )
    .await;
    assert_eq!(by_action["Count"], 1);
    admin(&server, "DELETE", "/requests", None).await;
    let (_, none) = admin(&server, "GET", "/requests", None).await;
    assert_eq!(none["Count"], 0);
}

#[tokio::test]
async fn fault_rules_shape_answers_then_retire() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    let (status, made) = admin(&server, "POST", "/faults", Some(json!({"action": "DescribeCompShareCustomImages", "ret_code": 2001, "message": "busy", "times": 1}))).await;
    assert_eq!(status, 200);
    assert_eq!(made["id"], 1);
    let e = call(&server, &creds, "DescribeCompShareCustomImages", &[]).await;
    assert_eq!(
        (e["RetCode"].clone(), e["Message"].clone()),
        (json!(2001), json!("busy"))
    );
    ok(&server, &creds, "DescribeCompShareCustomImages", &[]).await;

    admin(&server, "POST", "/faults", Some(json!({"action": "DescribeCompShareCustomImages", "params": {"Limit": "3"}, "http_status": 503}))).await;
    let resp = reqwest::Client::new()
        .post(server.uri())
        .form(&[("Action", "DescribeCompShareCustomImages"), ("Limit", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("X-UCLOUD-REQUEST-UUID"));
    ok(
        &server,
        &creds,
        "DescribeCompShareCustomImages",
        &[("Limit", "4")],
    )
    .await;
    let (_, listed) = admin(&server, "GET", "/faults", None).await;
    assert_eq!(listed["Faults"].as_array().unwrap().len(), 2);
    assert_eq!(
        listed["Faults"][0]["exhausted"], true,
        "used up, still listed"
    );
    assert_eq!(listed["Faults"][1]["exhausted"], false);
    let id = listed["Faults"][1]["id"].as_u64().unwrap();
    let (status, _) = admin(&server, "DELETE", &format!("/faults/{id}"), None).await;
    assert_eq!(status, 200);
    let (status, _) = admin(&server, "DELETE", &format!("/faults/{id}"), None).await;
    assert_eq!(status, 404);

    admin(
        &server,
        "POST",
        "/faults",
        Some(json!({"malformed_body": true, "times": 1})),
    )
    .await;
    let text = reqwest::Client::new()
        .post(server.uri())
        .form(&[("Action", "X")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    admin(
        &server,
        "POST",
        "/faults",
        Some(json!({"drop_connection": true, "times": 1})),
    )
    .await;
    let dropped = async {
        reqwest::Client::new()
            .post(server.uri())
            .form(&[("Action", "X")])
            .send()
            .await?
            .bytes()
            .await
    };
    assert!(
        dropped.await.is_err(),
        "a dropped connection is a transport error"
    );

    admin(
        &server,
        "POST",
        "/faults",
        Some(json!({"delay_ms": 300, "times": 1})),
    )
    .await;
    let t = std::time::Instant::now();
    ok(&server, &creds, "DescribeCompShareCustomImages", &[]).await;
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));

    let (status, body) = admin(
        &server,
        "POST",
        "/faults",
        Some(json!({"http_status": 418})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    admin(
        &server,
        "POST",
        "/faults",
        Some(json!({"http_status": 500})),
    )
    .await;
    admin(&server, "DELETE", "/faults", None).await;
    ok(&server, &creds, "DescribeCompShareCustomImages", &[]).await;
}

#[tokio::test]
async fn the_clock_advances_so_making_images_become_available() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    admin(&server, "POST", "/clock/freeze", None).await;
    let (_, before) = admin(&server, "GET", "/clock", None).await;
    let id = ok(&server, &creds, "CreateCompShareInstance", &create_params()).await["UHostIds"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, after) = admin(
        &server,
        "POST",
        "/clock/advance",
        Some(json!({"seconds": 3600})),
    )
    .await;
    assert_eq!(
        after["now"].as_i64().unwrap() - before["now"].as_i64().unwrap(),
        3600
    );
    let img = ok(
        &server,
        &creds,
        "CreateCompShareCustomImage",
        &[("Zone", "cn-wlcb-01"), ("UHostId", &id), ("Name", "x")],
    )
    .await;
    let img = img["CompShareImageId"].as_str().unwrap().to_owned();
    admin(
        &server,
        "POST",
        "/clock/advance",
        Some(json!({"seconds": 60})),
    )
    .await;
    let listed = ok(
        &server,
        &creds,
        "DescribeCompShareCustomImages",
        &[("CompShareImageId", &img)],
    )
    .await;
    assert_eq!(listed["ImageSet"][0]["Status"], "Available");
    let (status, _) = admin(
        &server,
        "POST",
        "/clock/advance",
        Some(json!({"seconds": -1})),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_seed_makes_ids_and_request_ids_reproducible() {
    async fn run() -> (Vec<String>, String) {
        let server = MockServer::start().await.unwrap();
        admin(&server, "POST", "/seed", Some(json!({"seed": 7}))).await;
        let creds = server.credentials();
        let a = ok(&server, &creds, "CreateCompShareInstance", &create_params()).await;
        let (_, journal) = admin(&server, "GET", "/requests", None).await;
        (
            vec![a["UHostIds"][0].as_str().unwrap().to_owned()],
            journal["Requests"][0]["RequestId"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }
    assert_eq!(run().await, run().await);
}

#[tokio::test]
async fn save_without_a_state_file_is_a_conflict() {
    let server = MockServer::start().await.unwrap();
    let (status, body) = admin(&server, "POST", "/save", None).await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn with_a_token_the_admin_api_refuses_callers_without_it() {
    let server = MockServer::start_with(Config {
        admin_token: Some("t0k".into()),
        ..Config::default()
    })
    .await
    .unwrap();
    let (status, _) = admin(&server, "GET", "/health", None).await;
    assert_eq!(status, 401);
    let resp = reqwest::Client::new()
        .get(format!("{}/_mock/health", server.uri()))
        .bearer_auth("t0k")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn expectations_pass_when_met_and_report_what_was_received() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    server.expect("DescribeCompShareCustomImages", 2);
    ok(&server, &creds, "DescribeCompShareCustomImages", &[]).await;
    assert!(server
        .verify()
        .contains("expected DescribeCompShareCustomImages 2 time(s), received it 1 time(s)"));
    ok(&server, &creds, "DescribeCompShareCustomImages", &[]).await;
    assert_eq!(server.verify(), "");
}

#[tokio::test]
#[should_panic(expected = "expectations not met")]
async fn an_unmet_expectation_fails_the_test_on_drop() {
    let server = MockServer::start().await.unwrap();
    server.expect("StartCompShareInstance", 1);
}

#[tokio::test]
async fn rust_helpers_inject_faults_and_read_the_journal() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    server
        .fail_next("DescribeCompShareCustomImages", 2, 503)
        .unwrap();
    let c = reqwest::Client::new();
    for _ in 0..2 {
        let r = c
            .post(server.uri())
            .form(&[("Action", "DescribeCompShareCustomImages")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503);
    }
    ok(&server, &creds, "DescribeCompShareCustomImages", &[]).await;
    let seen = server.requests_for("DescribeCompShareCustomImages");
    let statuses: Vec<u16> = seen.iter().map(|e| e.http_status).collect();
    assert_eq!(statuses, vec![503, 503, 200]);
}

#[tokio::test]
async fn a_query_or_path_the_admin_api_cannot_read_is_a_json_400() {
    let server = MockServer::start().await.unwrap();
    for (method, path) in [
        ("GET", "/requests?ret_code"),
        ("GET", "/requests?ret_code=x"),
        ("DELETE", "/faults/%FF"),
    ] {
        let (status, body) = admin(&server, method, path, None).await;
        assert_eq!(status, 400, "{method} {path}: {body}");
        assert_eq!(body["Status"], 400, "{method} {path}: {body}");
        assert!(body["Error"].is_string(), "{method} {path}: {body}");
    }
}
