//! Data disks over the wire: created and attached, listed on their
//! instance, detached on the virtual clock, deleted (8434 meanwhile),
//! resized and priced, kept across a restart.

mod common;

use common::{admin, advance, call, ok};
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

async fn create(server: &MockServer, host: &str, size: &str) -> String {
    let creds = server.credentials();
    let made = ok(
        server,
        &creds,
        "CreateAndAttachCompshareDisk",
        &[
            ZONE,
            ("UHostId", host),
            ("Size", size),
            ("DiskType", "SSDDataDisk"),
            ("Name", "data"),
            ("ChargeType", "Month"),
            ("Quantity", "1"),
        ],
    )
    .await;
    made["UDiskId"].as_str().unwrap().to_owned()
}

async fn host(server: &MockServer, id: &str) -> Value {
    let creds = server.credentials();
    let d = ok(
        server,
        &creds,
        "DescribeCompShareInstance",
        &[("UHostIds.0", id)],
    )
    .await;
    d["UHostSet"][0].clone()
}

#[tokio::test]
async fn a_disk_is_created_listed_detached_and_deleted_with_8434_while_detaching() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    let id = create(&server, STOPPED, "100").await;
    assert!(id.starts_with("udisk-"), "{id}");

    let inst = host(&server, STOPPED).await;
    assert_eq!(
        inst["UDiskSet"][0]["UDiskId"], "udisk-demo0use",
        "the fixture's"
    );
    assert_eq!(inst["UDiskSet"][1]["UDiskId"], id.as_str());
    assert_eq!(inst["UDiskSet"][1]["Device"], "/dev/vdc");
    assert_eq!(inst["UDiskSet"][1]["Status"], "InUse");
    assert_eq!(inst["TotalVolumeSpace"], 300);

    let listed = ok(
        &server,
        &creds,
        "DescribeCompshareDisk",
        &[("HostId", STOPPED)],
    )
    .await;
    let disk = &listed["DiskSet"][1];
    assert_eq!(disk["ResourceId"], id.as_str());
    assert_eq!(disk["MountInstance"], STOPPED);
    assert_eq!(disk["Configuration"], "100GB");
    assert_eq!(disk["Zone"], "cn-wlcb-01");
    let none = ok(
        &server,
        &creds,
        "DescribeCompshareDisk",
        &[("HostId", RUNNING)],
    )
    .await;
    assert_eq!(none["DiskSet"], serde_json::json!([]));

    let attached = call(
        &server,
        &creds,
        "DeleteCompshareDisk",
        &[ZONE, ("UDiskId", &id)],
    )
    .await;
    assert_eq!(attached["RetCode"], 290, "{attached}");

    ok(
        &server,
        &creds,
        "DetachCompshareDisk",
        &[
            ZONE,
            ("UHostId", STOPPED),
            ("UDiskId", &id),
            ("Device", "/dev/vdc"),
        ],
    )
    .await;
    let detaching = call(
        &server,
        &creds,
        "DeleteCompshareDisk",
        &[ZONE, ("UDiskId", &id)],
    )
    .await;
    assert_eq!(detaching["RetCode"], 8434, "{detaching}");
    assert!(
        detaching["Message"].as_str().unwrap().contains(&id),
        "{detaching}"
    );
    assert_eq!(
        host(&server, STOPPED).await["UDiskSet"][1]["Status"],
        "Detaching"
    );

    advance(&server, 5);
    let inst = host(&server, STOPPED).await;
    assert_eq!(inst["UDiskSet"].as_array().unwrap().len(), 1);
    assert_eq!(inst["TotalVolumeSpace"], 200);
    let deleted = ok(
        &server,
        &creds,
        "DeleteCompshareDisk",
        &[ZONE, ("UDiskId", &id)],
    )
    .await;
    assert_eq!(deleted["UDiskId"], id.as_str());
    ok(
        &server,
        &creds,
        "DeleteCompshareDisk",
        &[ZONE, ("UDiskId", &id)],
    )
    .await;
    let listed = ok(&server, &creds, "DescribeCompshareDisk", &[]).await;
    assert_eq!(listed["TotalCount"], 2, "the fixture's two");
}

#[tokio::test]
async fn another_accounts_disk_is_230_and_refusals_change_nothing() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    let id = create(&server, RUNNING, "50").await;
    let (_, before) = admin(&server, "GET", "/state", None).await;
    for (action, params) in [
        ("DeleteCompshareDisk", vec![ZONE, ("UDiskId", id.as_str())]),
        (
            "ResizeCompShareDisk",
            vec![ZONE, ("UDiskId", id.as_str()), ("Size", "80")],
        ),
        (
            "AttachCompshareDisk",
            vec![
                ZONE,
                ("UHostId", "uhost-second01"),
                ("UDiskId", id.as_str()),
            ],
        ),
    ] {
        let e = call(&server, &second(), action, &params).await;
        assert_eq!(e["RetCode"], 230, "{action}: {e}");
        assert_eq!(e["Message"], "Params [UDiskId] not available", "{action}");
    }
    let running = call(
        &server,
        &creds,
        "ResizeCompShareDisk",
        &[ZONE, ("UDiskId", &id), ("Size", "80")],
    )
    .await;
    assert_eq!(running["RetCode"], 290, "its instance runs: {running}");
    let small = call(
        &server,
        &creds,
        "CreateAndAttachCompshareDisk",
        &[
            ZONE,
            ("UHostId", RUNNING),
            ("Size", "5"),
            ("DiskType", "SSDDataDisk"),
            ("Name", "tiny"),
        ],
    )
    .await;
    assert_eq!(small["RetCode"], 230, "{small}");
    let (_, after) = admin(&server, "GET", "/state", None).await;
    assert_eq!(before["Disks"], after["Disks"]);
    assert_eq!(after["Disks"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn resize_and_the_upgrade_price_follow_the_size() {
    let server = server(Config::default()).await;
    let creds = server.credentials();
    let id = create(&server, STOPPED, "100").await;
    let price = ok(
        &server,
        &creds,
        "GetCompShareAttachedDiskUpgradePrice",
        &[
            ZONE,
            ("UHostId", STOPPED),
            ("DiskId", &id),
            ("DiskSpace", "200"),
            ("BackupMode", "SNAPSHOT"),
        ],
    )
    .await;
    assert_eq!(price["PriceDetail"]["UDisk"], 80.0);
    assert_eq!(price["PriceDetail"]["Snapshot"], 10.0);
    assert_eq!(price["Price"], 90.0);
    ok(
        &server,
        &creds,
        "ResizeCompShareDisk",
        &[
            ZONE,
            ("UDiskId", &id),
            ("UHostId", STOPPED),
            ("Size", "200"),
        ],
    )
    .await;
    assert_eq!(host(&server, STOPPED).await["UDiskSet"][1]["Size"], 200);
    let shrink = call(
        &server,
        &creds,
        "ResizeCompShareDisk",
        &[ZONE, ("UDiskId", &id), ("Size", "150")],
    )
    .await;
    assert_eq!(shrink["RetCode"], 230);
}

#[tokio::test(flavor = "multi_thread")]
async fn disks_and_a_detach_under_way_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("disks-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let config = Config {
        state_file: Some(state.clone()),
        ..Config::default()
    };
    let server = MockServer::start_with(config.clone()).await.unwrap();
    let creds = server.credentials();
    let kept = create(&server, STOPPED, "100").await;
    let gone = create(&server, STOPPED, "60").await;
    ok(
        &server,
        &creds,
        "DetachCompshareDisk",
        &[ZONE, ("UHostId", STOPPED), ("UDiskId", &gone)],
    )
    .await;
    server.shared().state.write().unwrap().clock.advance(10);
    ok(
        &server,
        &creds,
        "DeleteCompshareDisk",
        &[ZONE, ("UDiskId", &gone)],
    )
    .await;
    let before = ok(&server, &creds, "DescribeCompshareDisk", &[]).await;
    server.shared().save().unwrap();
    drop(server);
    let again = MockServer::start_with(config).await.unwrap();
    let after = ok(&again, &creds, "DescribeCompshareDisk", &[]).await;
    assert_eq!(after["DiskSet"], before["DiskSet"]);
    assert_eq!(after["DiskSet"][2]["ResourceId"], kept.as_str());
    ok(
        &again,
        &creds,
        "DeleteCompshareDisk",
        &[ZONE, ("UDiskId", &gone)],
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}
