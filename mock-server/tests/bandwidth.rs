//! Share bandwidth over the wire: priced, created (one per zone), resized,
//! instances' EIPs switched onto it and back, deleted (EIPs migrate back),
//! per account, in the state dump, cleared by a reset, kept across a
//! restart.

mod common;

use common::{admin, call, ok};
use compshare_mock::{Config, Credentials, MockServer};
use serde_json::Value;

const STOPPED: &str = "uhost-demo0stp";
const RUNNING: &str = "uhost-demo0run";
const ZONE: (&str, &str) = ("Zone", "cn-wlcb-01");

async fn server(config: Config) -> MockServer {
    common::frozen(config).await
}

fn second() -> Credentials {
    Credentials {
        public_key: "second_public_key".into(),
        private_key: "second_private_key".into(),
    }
}

async fn create(server: &MockServer, creds: &Credentials, mbps: &str) -> Value {
    ok(
        server,
        creds,
        "CreateCompShareShareBandwidth",
        &[
            ZONE,
            ("ShareBandwidth", mbps),
            ("ChargeType", "Month"),
            ("Quantity", "1"),
        ],
    )
    .await
}

async fn describe(server: &MockServer, creds: &Credentials) -> Value {
    ok(server, creds, "DescribeCompShareShareBandwidth", &[ZONE]).await
}

async fn eip(server: &MockServer, id: &str) -> Value {
    let creds = server.credentials();
    let d = ok(
        server,
        &creds,
        "DescribeCompShareInstance",
        &[
            ("UHostIds.0", id),
            ("SkipBill", "true"),
            ("IncludeShareBandwidth", "true"),
        ],
    )
    .await;
    d["UHostSet"][0]["IPSet"][1]["ShareBandwidth"].clone()
}

async fn switch(server: &MockServer, ids: &[&str], to: &str) -> Value {
    let creds = server.credentials();
    let mut params = vec![ZONE, ("TargetScope", to)];
    let keys: Vec<String> = (0..ids.len()).map(|n| format!("UHostIds.{n}")).collect();
    for (k, v) in keys.iter().zip(ids) {
        params.push((k, v));
    }
    ok(server, &creds, "SwitchCompShareEIPShareBandwidth", &params).await["Results"].clone()
}

#[tokio::test]
async fn a_share_bandwidth_is_priced_created_resized_switched_to_and_deleted() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    assert!(
        describe(&server, &creds)
            .await
            .get("CompanyShareBandwidth")
            .is_none(),
        "none yet"
    );
    let before = eip(&server, RUNNING).await;
    assert_eq!(before["Scope"], "Public");
    assert_eq!(before["CanSwitch"], false, "nothing to switch to yet");
    let price = ok(
        &server,
        &creds,
        "GetCompShareShareBandwidthPrice",
        &[
            ZONE,
            ("ShareBandwidth", "100"),
            ("ChargeType", "Month"),
            ("Quantity", "2"),
        ],
    )
    .await;
    assert_eq!(price["TotalPrice"], 400_000, "100 Mbps × 2000 fen × 2");
    let made = create(&server, &creds, "100").await;
    let id = made["CompanyShareBandwidth"]["ShareBandwidthId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("bwshare-"), "{made}");
    assert_eq!(made["CompanyShareBandwidth"]["Bandwidth"], 100);
    assert_eq!(made["OrderNo"].as_str().unwrap().len(), 16);
    let twice = call(
        &server,
        &creds,
        "CreateCompShareShareBandwidth",
        &[
            ZONE,
            ("ShareBandwidth", "20"),
            ("ChargeType", "Month"),
            ("Quantity", "1"),
        ],
    )
    .await;
    assert_eq!(twice["RetCode"], 290, "{twice}");
    assert!(twice["Message"].as_str().unwrap().contains(&id));

    assert_eq!(eip(&server, RUNNING).await["CanSwitch"], true);
    let results = switch(
        &server,
        &[RUNNING, "uhost-second01", "uhost-nowhere"],
        "Company",
    )
    .await;
    assert_eq!(results[0]["Success"], true, "{results}");
    assert_eq!(results[0]["CurrentScope"], "Company");
    assert_eq!(results[1]["Success"], false, "another account's");
    assert_eq!(results[2]["Success"], false, "none such");
    assert!(!results[2]["Message"].as_str().unwrap().is_empty());
    let on = eip(&server, RUNNING).await;
    assert_eq!(on["Scope"], "Company");
    assert_eq!(on["ShareBandwidthId"], id.as_str());
    assert_eq!(on["Bandwidth"], 100);
    assert_eq!(on["TargetScope"], "Public");
    let listed = describe(&server, &creds).await["CompanyShareBandwidth"].clone();
    assert_eq!(listed["ShareBandwidthId"], id.as_str());
    assert_eq!(listed["BindEIPCount"], 1);
    assert_eq!(listed["BindEIPInfo"][0]["UHostId"], RUNNING);
    assert_eq!(
        listed["BindEIPInfo"][0]["EIPId"],
        on_eip_id(&server, RUNNING).await
    );

    let up = ok(
        &server,
        &creds,
        "GetCompShareShareBandwidthUpgradePrice",
        &[ZONE, ("ShareBandwidthId", &id), ("ShareBandwidth", "150")],
    )
    .await;
    assert_eq!(up["TotalPrice"], 100_000);
    let down = ok(
        &server,
        &creds,
        "GetCompShareShareBandwidthUpgradePrice",
        &[ZONE, ("ShareBandwidthId", &id), ("ShareBandwidth", "50")],
    )
    .await;
    assert_eq!(down["TotalPrice"], -100_000, "a refund");
    ok(
        &server,
        &creds,
        "ModifyCompShareShareBandwidth",
        &[ZONE, ("ShareBandwidthId", &id), ("ShareBandwidth", "150")],
    )
    .await;
    assert_eq!(eip(&server, RUNNING).await["Bandwidth"], 150);
    let refund = ok(
        &server,
        &creds,
        "GetCompShareShareBandwidthRefundPrice",
        &[ZONE, ("ShareBandwidthId", &id)],
    )
    .await;
    assert_eq!(refund["RefundPrice"], -300_000);

    switch(&server, &[STOPPED], "Company").await;
    let deleted = ok(
        &server,
        &creds,
        "DeleteCompShareShareBandwidth",
        &[ZONE, ("ShareBandwidthId", &id)],
    )
    .await;
    assert_eq!(deleted["MigratedEIPCount"], 2);
    assert_eq!(eip(&server, RUNNING).await["Scope"], "Public");
    assert_eq!(eip(&server, STOPPED).await["ShareBandwidthId"], "");
    assert!(describe(&server, &creds)
        .await
        .get("CompanyShareBandwidth")
        .is_none());
    let no_target = switch(&server, &[RUNNING], "Company").await;
    assert_eq!(no_target[0]["Success"], false);
    assert_eq!(no_target[0]["CurrentScope"], "Public");
}

async fn on_eip_id(server: &MockServer, id: &str) -> Value {
    let creds = server.credentials();
    let d = ok(
        server,
        &creds,
        "DescribeCompShareInstance",
        &[("UHostIds.0", id)],
    )
    .await;
    d["UHostSet"][0]["IPSet"][1]["IPId"].clone()
}

#[tokio::test]
async fn another_accounts_share_bandwidth_is_230_and_refusals_change_nothing() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    let id = create(&server, &creds, "100").await["CompanyShareBandwidth"]["ShareBandwidthId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, before) = admin(&server, "GET", "/state", None).await;
    let ids: Vec<&str> = before["ShareBandwidths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["ShareBandwidthId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&id.as_str()) && ids.contains(&"bwshare-demo0bj2"),
        "{ids:?}"
    );
    for (action, params) in [
        (
            "ModifyCompShareShareBandwidth",
            vec![
                ZONE,
                ("ShareBandwidthId", id.as_str()),
                ("ShareBandwidth", "50"),
            ],
        ),
        (
            "DeleteCompShareShareBandwidth",
            vec![ZONE, ("ShareBandwidthId", id.as_str())],
        ),
        (
            "GetCompShareShareBandwidthRefundPrice",
            vec![ZONE, ("ShareBandwidthId", id.as_str())],
        ),
    ] {
        let e = call(&server, &second(), action, &params).await;
        assert_eq!(e["RetCode"], 230, "{action}: {e}");
        assert_eq!(e["Message"], "Params [ShareBandwidthId] not available");
    }
    assert!(describe(&server, &second())
        .await
        .get("CompanyShareBandwidth")
        .is_none());
    for (name, value) in [
        ("ShareBandwidth", "19"),
        ("ShareBandwidth", "10001"),
        ("ChargeType", "Dynamic"),
        ("Quantity", "0"),
    ] {
        let mut params = vec![
            ("Zone", "cn-sh2-01"),
            ("Region", "cn-sh2"),
            ("ShareBandwidth", "100"),
            ("ChargeType", "Month"),
            ("Quantity", "1"),
        ];
        params.retain(|(k, _)| *k != name);
        params.push((name, value));
        let e = call(&server, &creds, "CreateCompShareShareBandwidth", &params).await;
        assert_eq!(e["RetCode"], 230, "{name}={value}: {e}");
    }
    let wrong_zone = call(
        &server,
        &creds,
        "ModifyCompShareShareBandwidth",
        &[
            ("Region", "cn-bj2"),
            ("Zone", "cn-bj2-02"),
            ("ShareBandwidthId", &id),
            ("ShareBandwidth", "50"),
        ],
    )
    .await;
    assert_eq!(wrong_zone["RetCode"], 230, "not that zone's: {wrong_zone}");
    let mismatch = call(
        &server,
        &creds,
        "DescribeCompShareShareBandwidth",
        &[("Zone", "cn-bj2-02")],
    )
    .await;
    assert_eq!(
        mismatch["RetCode"], 230,
        "a zone of another region: {mismatch}"
    );
    let scope = call(
        &server,
        &creds,
        "SwitchCompShareEIPShareBandwidth",
        &[ZONE, ("UHostIds.0", RUNNING), ("TargetScope", "Private")],
    )
    .await;
    assert_eq!(scope["RetCode"], 230, "{scope}");
    let (_, after) = admin(&server, "GET", "/state", None).await;
    assert_eq!(before["ShareBandwidths"], after["ShareBandwidths"]);
    assert_eq!(before["Instances"], after["Instances"]);

    let (status, _) = admin(&server, "POST", "/reset", None).await;
    assert_eq!(status, 200);
    let (_, reset) = admin(&server, "GET", "/state", None).await;
    let left = reset["ShareBandwidths"].as_array().unwrap();
    assert_eq!(left.len(), 1, "the fixture's only: {left:?}");
    assert_eq!(left[0]["ShareBandwidthId"], "bwshare-demo0bj2");
}

#[tokio::test]
async fn terminating_an_instance_unbinds_its_eip() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    create(&server, &creds, "100").await;
    switch(&server, &[RUNNING, STOPPED], "Company").await;
    assert_eq!(
        describe(&server, &creds).await["CompanyShareBandwidth"]["BindEIPCount"],
        2
    );
    ok(
        &server,
        &creds,
        "TerminateCompShareInstance",
        &[ZONE, ("UHostId", STOPPED)],
    )
    .await;
    let listed = describe(&server, &creds).await["CompanyShareBandwidth"].clone();
    assert_eq!(listed["BindEIPCount"], 1);
    assert_eq!(listed["BindEIPInfo"][0]["UHostId"], RUNNING);
    let back = switch(&server, &[RUNNING], "Public").await;
    assert_eq!(back[0]["CurrentScope"], "Public");
    assert_eq!(
        describe(&server, &creds).await["CompanyShareBandwidth"]["BindEIPCount"],
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn share_bandwidths_and_bindings_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("bandwidth-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let config = Config {
        state_file: Some(state.clone()),
        ..Config::default()
    };
    let server = MockServer::start_with(config.clone()).await.unwrap();
    let creds = server.credentials();
    create(&server, &creds, "200").await;
    switch(&server, &[RUNNING], "Company").await;
    let before = describe(&server, &creds).await;
    let bound = eip(&server, RUNNING).await;
    server.shared().save().unwrap();
    drop(server);
    let again = MockServer::start_with(config).await.unwrap();
    assert_eq!(
        describe(&again, &creds).await["CompanyShareBandwidth"],
        before["CompanyShareBandwidth"]
    );
    assert_eq!(eip(&again, RUNNING).await, bound);
    assert_eq!(bound["Scope"], "Company");
    let _ = std::fs::remove_dir_all(&dir);
}
