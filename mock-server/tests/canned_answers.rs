//! Canned answers over the wire: paging of a canned list, cases picked by
//! parameters, `GET /_mock/actions`, a fixture directory's own responses,
//! and the binary refusing a bad canned answer at start-up.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use compshare_mock::fixtures::Fixtures;
use compshare_mock::{Config, MockServer};
use compshare_protocol::catalogue::Catalogue;
use compshare_protocol::signed;
use serde_json::{json, Value};

async fn call(server: &MockServer, action: &str, params: &[(&str, &str)]) -> Value {
    let creds = server.credentials();
    let pairs = signed::call(action, params, &creds.public_key, &creds.private_key);
    let body: Value = reqwest::Client::new()
        .post(server.uri())
        .form(&pairs)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    if body["RetCode"] == 0 {
        Catalogue::get()
            .check_answer(action, &body)
            .unwrap_or_else(|m| panic!("{action}: {m}"));
    }
    body
}

const ORDER: &[(&str, &str)] = &[
    ("BeginTime", "1700000000"),
    ("EndTime", "1720000000"),
    ("TeamId", "100001"),
    ("VirtualCompanyId", "300001"),
];

fn with<'a>(base: &[(&'a str, &'a str)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(more).copied().collect()
}

fn order_nos(body: &Value) -> Vec<String> {
    body["OrderInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["OrderNo"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn describe_team_member_order_pages_the_members_orders() {
    let server = MockServer::start().await.unwrap();
    let first = call(&server, "DescribeTeamMemberOrder", ORDER).await;
    assert_eq!(first["RetCode"], 0);
    assert_eq!(
        (
            first["Total"].clone(),
            first["Offset"].clone(),
            first["Limit"].clone()
        ),
        (json!(27), json!(0), json!(20))
    );
    let first_nos = order_nos(&first);
    assert_eq!(first_nos.len(), 20);
    assert_eq!(first_nos[0], "order-20240602002", "newest first");
    assert_eq!(first["OrderInfos"][2]["OrderDetail"][0]["Value"], "4090 x1");

    let rest = call(
        &server,
        "DescribeTeamMemberOrder",
        &with(ORDER, &[("Offset", "20"), ("Limit", "10")]),
    )
    .await;
    assert_eq!(
        (
            rest["Total"].clone(),
            rest["Offset"].clone(),
            rest["Limit"].clone()
        ),
        (json!(27), json!(20), json!(10))
    );
    let rest_nos = order_nos(&rest);
    assert_eq!(rest_nos.len(), 7);
    assert!(
        rest_nos.iter().all(|n| !first_nos.contains(n)),
        "pages overlap"
    );

    let past = call(
        &server,
        "DescribeTeamMemberOrder",
        &with(ORDER, &[("Offset", "30")]),
    )
    .await;
    assert_eq!(
        (past["Total"].clone(), past["OrderInfos"].clone()),
        (json!(27), json!([]))
    );

    let bad = call(
        &server,
        "DescribeTeamMemberOrder",
        &with(ORDER, &[("Limit", "-5")]),
    )
    .await;
    assert_eq!(
        (bad["RetCode"].clone(), bad["Message"].clone()),
        (json!(230), json!("Params [Limit] not available"))
    );
}

#[tokio::test]
async fn the_gpu_inventory_case_is_picked_by_region() {
    let server = MockServer::start().await.unwrap();
    let wlcb = call(
        &server,
        "DescribeCompShareGpuInventory",
        &[("Region", "cn-wlcb")],
    )
    .await;
    let inventory: Value =
        serde_json::from_str(wlcb["GpuInventoryByZone"].as_str().unwrap()).unwrap();
    let zone = &inventory["Exclusive"]["10027"];
    for gpu in ["3080Ti", "3090", "4090", "4090_48G", "5090"] {
        assert!(zone[gpu].as_u64().unwrap() > 0, "{gpu} in {inventory}");
    }
    let bj = call(
        &server,
        "DescribeCompShareGpuInventory",
        &[("Region", "cn-bj2"), ("Zone", "cn-bj2-02")],
    )
    .await;
    assert_eq!(bj["RetCode"], 0);
    assert_eq!(bj["GpuInventoryByZone"], r#"{"Exclusive":{},"Spot":{}}"#);

    let llm = call(
        &server,
        "DescribeModelRepositoryModels",
        &[
            ("Region", "cn-wlcb"),
            ("Zone", "cn-wlcb-01"),
            ("Tags", "LLM"),
        ],
    )
    .await;
    let all = call(
        &server,
        "DescribeModelRepositoryModels",
        &[("Region", "cn-wlcb"), ("Zone", "cn-wlcb-01")],
    )
    .await;
    let llms = llm["Models"].as_array().unwrap();
    assert!(!llms.is_empty() && llms.iter().all(|m| m["Tag"] == "LLM"));
    assert!(all["Models"].as_array().unwrap().len() > llms.len());
}

#[tokio::test]
async fn get_mock_actions_lists_every_action_with_its_support_level() {
    let server = MockServer::start().await.unwrap();
    let resp = reqwest::get(format!("{}/_mock/actions", server.uri()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let actions = body["Actions"].as_array().unwrap();
    assert_eq!(actions.len(), Catalogue::get().actions.len());
    let of = |name: &str| {
        actions
            .iter()
            .find(|a| a["Action"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(of("DescribeCompShareCustomImages")["Support"], "stateful");
    assert_eq!(
        of("DescribeTeamMemberOrder"),
        json!({"Action": "DescribeTeamMemberOrder", "Support": "stateful", "Paging": {"List": "OrderInfos", "Count": "Total"}})
    );
    assert_eq!(
        of("CheckULHostResourceCapacity"),
        json!({"Action": "CheckULHostResourceCapacity", "Support": "neutral"})
    );
}

/// A fixture directory: the repository's accounts, no images, and the given
/// response files.
fn fixture_dir(name: &str, responses: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compshare-mock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("responses")).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    std::fs::copy(repo.join("accounts.json"), dir.join("accounts.json")).unwrap();
    std::fs::write(dir.join("images.json"), "[]").unwrap();
    for (file, text) in responses {
        std::fs::write(dir.join("responses").join(file), text).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_fixture_directory_brings_its_own_canned_answers() {
    let dir = fixture_dir(
        "own-responses",
        &[("CheckCompShareNetOptimizer.json", r#"{"Optimized": true}"#)],
    );
    let fixtures = Fixtures::load_dir(&dir).unwrap();
    let server = MockServer::start_with(Config {
        fixtures,
        ..Config::default()
    })
    .await
    .unwrap();
    let body = call(
        &server,
        "CheckCompShareNetOptimizer",
        &[("Region", "cn-wlcb"), ("Zone", "cn-wlcb-01")],
    )
    .await;
    assert_eq!(body["Optimized"], true);
    // The directory's set replaces the built-in one: no built-in canned answer.
    let ports = call(
        &server,
        "DescribeCompShareSoftwarePort",
        &[("Region", "cn-wlcb")],
    )
    .await;
    assert_eq!(ports["SoftwarePort"], json!([]));
    let listed: Value = reqwest::get(format!("{}/_mock/actions", server.uri()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let canned: Vec<&str> = listed["Actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["Support"] == "canned")
        .map(|a| a["Action"].as_str().unwrap())
        .collect();
    assert_eq!(canned, ["CheckCompShareNetOptimizer"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the binary on a fixture directory and returns its exit code and
/// stderr; a mock that starts instead of refusing is killed and fails.
fn run_binary(dir: &Path) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_compshare-mock"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--log-level",
            "warn",
            "--fixtures",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the mock started instead of refusing the fixtures");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_binary_refuses_a_bad_canned_answer_and_exits_non_zero() {
    let dir = fixture_dir(
        "bad-response",
        &[(
            "DescribeTeamMemberOrder.json",
            r#"[{"match": {"TeamId": 1}, "answer": {}}, {"answer": {"OrderInfos": [{"Count": "two"}]}}]"#,
        )],
    );
    let (code, err) = run_binary(&dir);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("responses/DescribeTeamMemberOrder.json: entry 1: field answer.OrderInfos.0.Count: expected integer, found string"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let dir = fixture_dir("unknown-response", &[("DescribeEverything.json", "{}")]);
    let (code, err) = run_binary(&dir);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("responses/DescribeEverything.json: DescribeEverything is not an action of the catalogue"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
