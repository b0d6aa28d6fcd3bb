//! CFS and container instances over the wire: a container zone makes
//! `cpod-` instances, CFS is priced, created, grown, attached through
//! AttachUS3 (bought when the zone has none), detached, refunded and
//! deleted; AttachUS3 on a `uhost-` answers 8433 without US3; all of it is
//! kept across a restart.

mod common;

use common::{admin, advance, call, ok};
use compshare_mock::{Config, Credentials, MockServer};
use serde_json::{json, Value};

const POD: &str = "cpod-demo0pod";
const FIXTURE_CFS: &str = "cfs-demo0pod";
const REGION: (&str, &str) = ("Region", "cn-sh2");
const ZONE: (&str, &str) = ("Zone", "cn-sh2-01");

async fn server(config: Config) -> MockServer {
    common::frozen(config).await
}

fn second() -> Credentials {
    Credentials {
        public_key: "second_public_key".into(),
        private_key: "second_private_key".into(),
    }
}

async fn create_pod(server: &MockServer) -> String {
    let creds = server.credentials();
    let made = ok(
        server,
        &creds,
        "CreateCompShareInstance",
        &[
            REGION,
            ZONE,
            ("CompShareImageId", "compshareImage-165jmhx19ik7"),
            ("CPU", "16"),
            ("Memory", "65536"),
            ("GPU", "1"),
            ("GpuType", "4090"),
            ("MachineType", "G"),
        ],
    )
    .await;
    made["UHostIds"][0].as_str().unwrap().to_owned()
}

async fn cfs_list(server: &MockServer, creds: &Credentials) -> Vec<Value> {
    let d = ok(server, creds, "DescribeCFS", &[REGION]).await;
    d["CFSSet"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_container_zone_is_marked_and_makes_cpod_instances_that_every_action_serves() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    let zones = ok(&server, &creds, "DescribeCompShareSupportZone", &[]).await;
    let pods: Vec<&str> = zones["ZoneInfo"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|z| z["IsPod"] == true)
        .map(|z| z["Zone"].as_str().unwrap())
        .collect();
    assert_eq!(pods, ["cn-sh2-01"]);
    let id = create_pod(&server).await;
    assert!(id.starts_with("cpod-") && id.len() == 13, "{id}");
    advance(&server, 60);
    let listed = ok(
        &server,
        &creds,
        "DescribeCompShareInstance",
        &[REGION, ("Limit", "100")],
    )
    .await;
    let ids: Vec<&str> = listed["UHostSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["UHostId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id.as_str()) && ids.contains(&POD), "{ids:?}");
    for action in ["StopCompShareInstance", "StartCompShareInstance"] {
        ok(&server, &creds, action, &[REGION, ZONE, ("UHostId", &id)]).await;
        advance(&server, 60);
    }
    ok(
        &server,
        &creds,
        "ModifyCompShareInstanceName",
        &[REGION, ZONE, ("UHostId", &id), ("Name", "pod")],
    )
    .await;
    ok(
        &server,
        &creds,
        "StopCompShareInstance",
        &[REGION, ZONE, ("UHostId", &id)],
    )
    .await;
    advance(&server, 60);
    ok(
        &server,
        &creds,
        "TerminateCompShareInstance",
        &[REGION, ZONE, ("UHostId", &id)],
    )
    .await;
    let made_default = ok(
        &server,
        &creds,
        "CreateCompShareInstance",
        &[
            ("Zone", "cn-wlcb-01"),
            ("CompShareImageId", "compshareImage-165jmhx19ik7"),
            ("CPU", "16"),
            ("Memory", "65536"),
            ("GPU", "1"),
            ("GpuType", "4090"),
            ("MachineType", "G"),
        ],
    )
    .await;
    assert!(made_default["UHostIds"][0]
        .as_str()
        .unwrap()
        .starts_with("uhost-"));
}

#[tokio::test]
async fn a_cfs_is_priced_created_grown_refunded_and_deleted() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    let price = ok(
        &server,
        &creds,
        "GetCompShareCFSPrice",
        &[
            REGION,
            ZONE,
            ("Size", "200"),
            ("ChargeType", "Month"),
            ("Quantity", "2"),
        ],
    )
    .await;
    assert_eq!(
        price["PriceDetails"],
        json!([{"ChargeType": "Month", "Quantity": 2, "Price": 140.0, "OriginalPrice": 140.0}])
    );
    for (k, v) in [("Size", "49"), ("Size", "2049"), ("ChargeType", "Postpay")] {
        let mut p = vec![
            REGION,
            ZONE,
            ("Size", "200"),
            ("ChargeType", "Month"),
            ("Quantity", "1"),
        ];
        p.retain(|(n, _)| *n != k);
        p.push((k, v));
        let r = call(&server, &creds, "GetCompShareCFSPrice", &p).await;
        assert_eq!(r["RetCode"], 230, "{k}={v}: {r}");
    }
    let outside = call(
        &server,
        &creds,
        "CreateCFS",
        &[
            ("Zone", "cn-wlcb-01"),
            ("Size", "200"),
            ("ChargeType", "Month"),
            ("Quantity", "1"),
            ("Name", "x"),
        ],
    )
    .await;
    assert_eq!(outside["RetCode"], 230);
    assert!(
        outside["Message"].as_str().unwrap().contains("Zone"),
        "{outside}"
    );
    let made = ok(
        &server,
        &creds,
        "CreateCFS",
        &[
            REGION,
            ZONE,
            ("Size", "200"),
            ("ChargeType", "Month"),
            ("Quantity", "1"),
            ("Name", "train"),
        ],
    )
    .await;
    let id = made["CfsId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cfs-"), "{id}");
    let one = ok(&server, &creds, "DescribeCFS", &[REGION, ("CfsId", &id)]).await;
    assert_eq!(one["TotalCount"], 1);
    let c = &one["CFSSet"][0];
    assert_eq!(
        (c["Name"].as_str(), c["Size"].as_i64()),
        (Some("train"), Some(200))
    );
    assert_eq!(c["ZoneId"], 100201);
    assert_eq!(c["MountStatus"], "Unmounted");
    assert_eq!(c["MountedUHostIds"], json!([]));
    assert_eq!(
        c["PurchaseValue"].as_i64().unwrap() - c["CreateTime"].as_i64().unwrap(),
        30 * 86_400
    );
    assert_eq!(
        cfs_list(&server, &creds).await.len(),
        2,
        "the fixture's and this one"
    );

    let up = ok(
        &server,
        &creds,
        "GetCompShareCFSUpgradePrice",
        &[REGION, ZONE, ("CfsId", &id), ("Size", "300")],
    )
    .await;
    assert_eq!(up["Price"], 35.0);
    let shrink = call(
        &server,
        &creds,
        "ResizeCFS",
        &[REGION, ZONE, ("CfsId", &id), ("Size", "100")],
    )
    .await;
    assert_eq!(shrink["RetCode"], 230);
    ok(
        &server,
        &creds,
        "ResizeCFS",
        &[REGION, ZONE, ("CfsId", &id), ("Size", "300")],
    )
    .await;
    assert_eq!(cfs_list(&server, &creds).await[1]["Size"], 300);

    let refund = ok(
        &server,
        &creds,
        "GetCompShareCFSRefundPrice",
        &[REGION, ZONE, ("CFSId", &id)],
    )
    .await;
    assert_eq!(refund["RefundPrice"], 70.0);
    advance(&server, 15 * 86_400);
    let refund = ok(
        &server,
        &creds,
        "GetCompShareCFSRefundPrice",
        &[REGION, ZONE, ("CFSId", &id)],
    )
    .await;
    assert_eq!(refund["RefundPrice"], 35.0);
    let spelled = call(
        &server,
        &creds,
        "GetCompShareCFSRefundPrice",
        &[REGION, ZONE, ("CfsId", &id)],
    )
    .await;
    assert_eq!(
        spelled["RetCode"], 210,
        "CFSId is required on this action: {spelled}"
    );

    ok(
        &server,
        &creds,
        "DeleteCFS",
        &[REGION, ZONE, ("CfsId", &id), ("Recycle", "false")],
    )
    .await;
    let gone = call(
        &server,
        &creds,
        "DeleteCFS",
        &[REGION, ZONE, ("CfsId", &id), ("Recycle", "false")],
    )
    .await;
    assert_eq!(gone["RetCode"], 230);
    assert_eq!(cfs_list(&server, &creds).await.len(), 1);
}

#[tokio::test]
async fn attach_us3_on_a_cpod_mounts_cfs_and_buys_fifty_gib_when_the_zone_has_none() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    let list = cfs_list(&server, &creds).await;
    assert_eq!(list[0]["CfsId"], FIXTURE_CFS);
    assert_eq!(list[0]["MountStatus"], "Mounted");
    assert_eq!(list[0]["MountedUHostIds"], json!([POD]));

    let mounted = call(
        &server,
        &creds,
        "DeleteCFS",
        &[REGION, ZONE, ("CfsId", FIXTURE_CFS), ("Recycle", "false")],
    )
    .await;
    assert_eq!(mounted["RetCode"], 290, "mounted, no Recycle: {mounted}");
    ok(
        &server,
        &creds,
        "DetachCFS",
        &[REGION, ZONE, ("UHostId", POD)],
    )
    .await;
    let again = call(
        &server,
        &creds,
        "DetachCFS",
        &[REGION, ZONE, ("UHostId", POD)],
    )
    .await;
    assert_eq!(again["RetCode"], 230);
    ok(
        &server,
        &creds,
        "DeleteCFS",
        &[REGION, ZONE, ("CfsId", FIXTURE_CFS), ("Recycle", "false")],
    )
    .await;
    assert!(cfs_list(&server, &creds).await.is_empty());

    ok(
        &server,
        &creds,
        "AttachUS3",
        &[REGION, ZONE, ("UHostId", POD)],
    )
    .await;
    let list = cfs_list(&server, &creds).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0]["Size"].as_i64(), list[0]["ChargeType"].as_str()),
        (Some(50), Some("Month"))
    );
    assert_eq!(list[0]["MountedUHostIds"], json!([POD]));
    ok(
        &server,
        &creds,
        "AttachUS3",
        &[REGION, ZONE, ("UHostId", POD)],
    )
    .await;
    assert_eq!(
        cfs_list(&server, &creds).await.len(),
        1,
        "attached already: nothing bought"
    );

    // Recycle detaches Stopped instances first, never Running ones.
    let id = list[0]["CfsId"].as_str().unwrap();
    let recycle = [REGION, ZONE, ("CfsId", id), ("Recycle", "true")];
    ok(
        &server,
        &creds,
        "StartCompShareInstance",
        &[REGION, ZONE, ("UHostId", POD)],
    )
    .await;
    advance(&server, 60);
    let running = call(&server, &creds, "DeleteCFS", &recycle).await;
    assert_eq!(running["RetCode"], 290, "{running}");
    ok(
        &server,
        &creds,
        "StopCompShareInstance",
        &[REGION, ZONE, ("UHostId", POD)],
    )
    .await;
    advance(&server, 60);
    ok(&server, &creds, "DeleteCFS", &recycle).await;
    assert!(cfs_list(&server, &creds).await.is_empty());
}

#[tokio::test]
async fn attach_us3_on_a_uhost_needs_us3_and_other_accounts_see_nothing() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    let (_, before) = admin(&server, "GET", "/state", None).await;
    ok(
        &server,
        &creds,
        "AttachUS3",
        &[("Zone", "cn-wlcb-01"), ("UHostId", "uhost-demo0run")],
    )
    .await;
    let off = call_as(&second(), "AttachUS3", &server, "uhost-second01").await;
    assert_eq!(off["RetCode"], 8433, "{off}");
    assert!(cfs_list(&server, &second()).await.is_empty());
    for (action, params) in [
        ("DetachCFS", vec![REGION, ZONE, ("UHostId", POD)]),
        (
            "DeleteCFS",
            vec![REGION, ZONE, ("CfsId", FIXTURE_CFS), ("Recycle", "true")],
        ),
        (
            "ResizeCFS",
            vec![REGION, ZONE, ("CfsId", FIXTURE_CFS), ("Size", "500")],
        ),
        (
            "GetCompShareCFSRefundPrice",
            vec![REGION, ZONE, ("CFSId", FIXTURE_CFS)],
        ),
        ("AttachUS3", vec![REGION, ZONE, ("UHostId", POD)]),
    ] {
        let r = common::call(&server, &second(), action, &params).await;
        assert_eq!(r["RetCode"], 230, "{action}: {r}");
    }
    let (_, after) = admin(&server, "GET", "/state", None).await;
    assert_eq!(after["CFS"], before["CFS"]);
}

async fn call_as(creds: &Credentials, action: &str, server: &MockServer, host: &str) -> Value {
    common::call(
        server,
        creds,
        action,
        &[("Zone", "cn-wlcb-01"), ("UHostId", host)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn cfs_and_cpod_instances_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("cfs-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let config = Config {
        state_file: Some(state.clone()),
        ..Config::default()
    };
    let server = MockServer::start_with(config.clone()).await.unwrap();
    let creds = server.credentials();
    let pod = create_pod(&server).await;
    server.shared().state.write().unwrap().clock.advance(60);
    ok(
        &server,
        &creds,
        "DetachCFS",
        &[REGION, ZONE, ("UHostId", POD)],
    )
    .await;
    ok(
        &server,
        &creds,
        "AttachUS3",
        &[REGION, ZONE, ("UHostId", &pod)],
    )
    .await;
    let made = ok(
        &server,
        &creds,
        "CreateCFS",
        &[
            REGION,
            ZONE,
            ("Size", "80"),
            ("ChargeType", "Year"),
            ("Quantity", "1"),
            ("Name", "kept"),
        ],
    )
    .await;
    let before = ok(&server, &creds, "DescribeCFS", &[REGION]).await;
    server.shared().save().unwrap();
    drop(server);
    let again = MockServer::start_with(config).await.unwrap();
    let after = ok(&again, &creds, "DescribeCFS", &[REGION]).await;
    assert_eq!(after["CFSSet"], before["CFSSet"]);
    assert_eq!(after["CFSSet"][0]["MountedUHostIds"], json!([pod]));
    assert_eq!(after["CFSSet"][1]["CfsId"], made["CfsId"]);
    let host = ok(
        &again,
        &creds,
        "DescribeCompShareInstance",
        &[REGION, ("UHostIds.0", &pod)],
    )
    .await;
    assert_eq!(host["UHostSet"][0]["UHostId"], pod.as_str());
    let _ = std::fs::remove_dir_all(&dir);
}
