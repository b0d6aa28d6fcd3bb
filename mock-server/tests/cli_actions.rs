//! What the official CLI sends and reads, over the wire: no default Region,
//! the fields it reads from instances, the actions the generated SDK lacks,
//! the parameters it names otherwise.

mod common;

use common::{call, ok};
use compshare_mock::{Config, Credentials, MockServer};
use compshare_protocol::catalogue::Catalogue;
use compshare_protocol::signed;
use serde_json::{json, Value};

const ZONE: (&str, &str) = ("Zone", "cn-wlcb-01");
const RUNNING: &str = "uhost-demo0run";
const STOPPED: &str = "uhost-demo0stp";

async fn server() -> MockServer {
    common::frozen(Config::default()).await
}

fn now(server: &MockServer) -> i64 {
    server.shared().state.read().unwrap().clock.now()
}

/// A signed form POST with exactly `params` (no Region added), as the CLI sends it.
async fn bare(
    server: &MockServer,
    creds: &Credentials,
    action: &str,
    params: &[(&str, &str)],
) -> Value {
    let pairs = signed::call(action, params, &creds.public_key, &creds.private_key);
    let resp = reqwest::Client::new()
        .post(server.uri())
        .form(&pairs)
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    if body["RetCode"] == 0 {
        Catalogue::get().check_answer(action, &body).unwrap();
    }
    body
}

async fn instance(server: &MockServer, id: &str) -> Value {
    let creds = server.credentials();
    let body = bare(
        server,
        &creds,
        "DescribeCompShareInstance",
        &[("UHostIds.0", id), ("Limit", "1"), ("Offset", "0")],
    )
    .await;
    assert_eq!(body["RetCode"], 0, "{body}");
    body["UHostSet"][0].clone()
}

#[tokio::test]
async fn instances_are_found_without_a_region_and_name_their_region_and_zone() {
    let server = server().await;
    let creds = server.credentials();
    let all = bare(
        &server,
        &creds,
        "DescribeCompShareInstance",
        &[("Limit", "100"), ("Offset", "0")],
    )
    .await;
    assert_eq!(all["RetCode"], 0);
    let hosts = all["UHostSet"].as_array().unwrap();
    assert!(hosts.len() >= 2);
    for h in hosts {
        let (region, zone) = if h["UHostId"].as_str().unwrap().starts_with("cpod-") {
            ("cn-sh2", "cn-sh2-01")
        } else {
            ("cn-wlcb", "cn-wlcb-01")
        };
        assert_eq!(h["Region"], region, "{h}");
        assert_eq!(h["Zone"], zone);
        assert_eq!(h["BasicImageId"], h["CompShareImageId"]);
        assert_eq!(h["ImageId"], h["CompShareImageId"]);
        let public = &h["IPSet"][1];
        assert!(public["IPId"].as_str().unwrap().starts_with("eip-"));
        assert_eq!(public["ShareBandwidth"]["Scope"], "Public");
    }
    // Another region lists none of them; the zones answer without a Region.
    let other = ok(
        &server,
        &creds,
        "DescribeCompShareInstance",
        &[("Region", "cn-bj2")],
    )
    .await;
    assert_eq!(other["TotalCount"], 0);
    let zones = bare(&server, &creds, "DescribeCompShareSupportZone", &[]).await;
    assert_eq!(zones["ZoneInfo"].as_array().unwrap().len(), 5);
    assert_eq!(zones["ZoneInfo"][0]["IsPod"], false);
}

#[tokio::test]
async fn a_scheduled_shutdown_sent_as_scheduler_stop_time_reads_back_and_cancels() {
    let server = server().await;
    let creds = server.credentials();
    let at = (now(&server) + 3600).to_string();
    let project = bare(&server, &creds, "GetProjectList", &[]).await;
    assert_eq!(project["ProjectSet"][0]["IsDefault"], true);
    let pid = project["ProjectSet"][0]["ProjectId"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = [
        ZONE,
        ("Region", "cn-wlcb"),
        ("ProjectId", pid.as_str()),
        ("UHostId", RUNNING),
        ("SchedulerStopTime", at.as_str()),
    ];
    ok(&server, &creds, "UpdateCompShareStopScheduler", &set).await;
    assert_eq!(
        instance(&server, RUNNING).await["SchedulerStopTime"],
        json!(now(&server) + 3600)
    );
    // Neither name: 210 naming the catalogue's; too soon: 230.
    let none = call(
        &server,
        &creds,
        "UpdateCompShareStopScheduler",
        &[ZONE, ("UHostId", RUNNING)],
    )
    .await;
    assert_eq!(none["Message"], "Missing params [StopTime]");
    let soon = (now(&server) + 10).to_string();
    let early = call(
        &server,
        &creds,
        "UpdateCompShareStopScheduler",
        &[
            ZONE,
            ("UHostId", RUNNING),
            ("SchedulerStopTime", soon.as_str()),
        ],
    )
    .await;
    assert_eq!(early["Message"], "Params [SchedulerStopTime] not available");
    assert_eq!(
        instance(&server, RUNNING).await["SchedulerStopTime"],
        json!(now(&server) + 3600)
    );
    ok(
        &server,
        &creds,
        "DeleteCompShareStopScheduler",
        &[("UHostId", RUNNING)],
    )
    .await;
    assert_eq!(instance(&server, RUNNING).await["SchedulerStopTime"], 0);
}

#[tokio::test]
async fn charge_type_resize_ports_and_password_change_what_the_listing_shows() {
    let server = server().await;
    let creds = server.credentials();
    ok(
        &server,
        &creds,
        "SwitchChargeType",
        &[ZONE, ("UHostId", RUNNING), ("DestChargeType", "Month")],
    )
    .await;
    assert_eq!(instance(&server, RUNNING).await["ChargeType"], "Month");
    let bad = call(
        &server,
        &creds,
        "SwitchChargeType",
        &[ZONE, ("UHostId", RUNNING), ("DestChargeType", "Weekly")],
    )
    .await;
    assert_eq!(bad["RetCode"], 230);

    let running = call(
        &server,
        &creds,
        "ResizeCompShareInstance",
        &[ZONE, ("UHostId", RUNNING), ("Gpu", "2")],
    )
    .await;
    assert_eq!(running["RetCode"], 290, "Stopped only");
    ok(
        &server,
        &creds,
        "ResizeCompShareInstance",
        &[
            ZONE,
            ("UHostId", STOPPED),
            ("Cpu", "32"),
            ("Memory", "131072"),
            ("Gpu", "2"),
        ],
    )
    .await;
    let h = instance(&server, STOPPED).await;
    assert_eq!(
        (h["CPU"].clone(), h["Memory"].clone(), h["GPU"].clone()),
        (json!(32), json!(131072), json!(2))
    );
    let both = call(
        &server,
        &creds,
        "ResizeCompShareInstance",
        &[
            ZONE,
            ("UHostId", STOPPED),
            ("Gpu", "4"),
            ("DiskId", "x"),
            ("DiskSpace", "200"),
        ],
    )
    .await;
    assert_eq!(both["Message"], "Params [DiskId] not available");
    assert_eq!(
        instance(&server, STOPPED).await["GPU"],
        2,
        "a refusal changes nothing"
    );

    ok(
        &server,
        &creds,
        "ResetCompShareInstancePassword",
        &[ZONE, ("UHostId", STOPPED), ("Password", "UGFzc3cwcmQh")],
    )
    .await;
    assert_eq!(instance(&server, STOPPED).await["Password"], "UGFzc3cwcmQh");

    ok(
        &server,
        &creds,
        "UpdateCompShareInstancePorts",
        &[
            ZONE,
            ("UHostId", RUNNING),
            ("HttpPorts.0", "8888"),
            ("TcpPorts.0", "22"),
        ],
    )
    .await;
    let port = call(
        &server,
        &creds,
        "UpdateCompShareInstancePorts",
        &[ZONE, ("UHostId", RUNNING), ("TcpPorts.0", "70000")],
    )
    .await;
    assert_eq!(port["Message"], "Params [TcpPorts] not available");
    let (_, dump) = common::admin(&server, "GET", "/state", None).await;
    let dumped = dump.to_string();
    assert!(dumped.contains("8888"), "ports kept: {dumped:.300}");
}

#[tokio::test]
async fn prices_are_answered_under_the_names_the_cli_reads() {
    let server = server().await;
    let creds = server.credentials();
    let user = ok(
        &server,
        &creds,
        "GetCompShareInstanceUserPrice",
        &[
            ZONE,
            ("GpuType", "4090"),
            ("GPU", "2"),
            ("CPU", "32"),
            ("Memory", "131072"),
        ],
    )
    .await;
    assert_eq!(user["PriceDetails"][0]["Instance"], 4.1);
    let up = ok(
        &server,
        &creds,
        "GetCompShareInstanceUpgradePrice",
        &[ZONE, ("UHostId", RUNNING), ("GPU", "2")],
    )
    .await;
    assert_eq!(up["Price"], 2.05);
    let refund = ok(
        &server,
        &creds,
        "GetCompShareRefundPrice",
        &[
            ZONE,
            ("UHostIds.0", RUNNING),
            ("UHostIds.1", "uhost-second01"),
        ],
    )
    .await;
    let rows = refund["RefundPriceSet"].as_array().unwrap();
    assert_eq!(rows[0]["Code"], 0);
    assert_eq!(rows[1]["Code"], 230, "another account's instance");
    assert_eq!(rows[1]["Message"], rows[1]["ErrMessage"]);
    let capacity = ok(
        &server,
        &creds,
        "CheckCompShareResourceCapacity",
        &[
            ZONE,
            ("GpuType", "4090"),
            ("MachineType", "G"),
            ("MinimalCpuPlatform", "Auto"),
            ("CompShareImageId", "compshareImage-165jmhx19ik7"),
            ("ChargeType", "Postpay"),
            ("Disks.0.IsBoot", "true"),
            ("Disks.0.Type", "CLOUD_SSD"),
            ("Disks.0.Size", "100"),
        ],
    )
    .await;
    assert_eq!(
        capacity["Specs"][0],
        json!({"Gpu": 1, "Cpu": 16, "Mem": 64, "ResourceEnough": true})
    );
}

#[tokio::test]
async fn monitoring_takes_the_clis_json_body_and_answers_data_list() {
    let server = server().await;
    let creds = server.credentials();
    // The CLI's form of this one action: a JSON body, UHostIds a native
    // array, signed as the ids concatenated.
    let body = json!({"Region": "cn-wlcb", "Zone": "cn-wlcb-01", "UHostIds": [RUNNING, STOPPED]});
    let signed = signed::json(
        "GetCompShareInstanceMonitor",
        body.as_object().unwrap(),
        &creds.public_key,
        &creds.private_key,
    );
    let resp = reqwest::Client::new()
        .post(server.uri())
        .json(&signed)
        .send()
        .await
        .unwrap();
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["RetCode"], 0, "{answer}");
    let list = answer["Data"]["List"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let cpu = &list[0]["Metrics"][0];
    assert_eq!(cpu["MetricKey"], "uhost_cpu_used");
    let values = cpu["Results"][0]["Values"].as_array().unwrap();
    assert_eq!(values.len(), 5);
    assert!(
        values[4]["Value"].as_f64().unwrap() > 0.0,
        "a running instance works"
    );
    let stopped = &list[1]["Metrics"][0]["Results"][0]["Values"][4]["Value"];
    assert_eq!(stopped, 0.0);
    let none = call(&server, &creds, "GetCompShareInstanceMonitor", &[ZONE]).await;
    assert_eq!(none["Message"], "Missing params [UHostIds]");
}

#[tokio::test]
async fn cli_events_are_checked_and_journaled() {
    let server = server().await;
    let creds = server.credentials();
    let good = [
        ("Command", "image.tags"),
        ("CLIVersion", "0.5.6"),
        ("OS", "linux"),
        ("OccurredAt", "2026-11-29T10:00:00Z"),
    ];
    assert_eq!(
        bare(&server, &creds, "CreateCSCLIEvent", &good).await["RetCode"],
        0
    );
    let mut late = good;
    late[3] = ("OccurredAt", "yesterday");
    let bad = bare(&server, &creds, "CreateCSCLIEvent", &late).await;
    assert_eq!(bad["Message"], "Params [OccurredAt] not available");
    let (_, journal) =
        common::admin(&server, "GET", "/requests?action=CreateCSCLIEvent", None).await;
    let codes: Vec<&Value> = journal["Requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["RetCode"])
        .collect();
    assert_eq!(codes, [&json!(0), &json!(230)]);
}

#[tokio::test]
async fn the_merged_catalogue_is_served_with_the_added_actions() {
    let server = server().await;
    let (status, c) = common::admin(&server, "GET", "/catalogue", None).await;
    assert_eq!(status, 200);
    for action in [
        "CheckCompShareResourceCapacity",
        "SwitchChargeType",
        "CreateCSCLIEvent",
    ] {
        assert!(c["actions"][action].is_object(), "{action}");
    }
    let scheduler = &c["actions"]["UpdateCompShareStopScheduler"];
    assert_eq!(scheduler["aliases"][0]["alias"], "SchedulerStopTime");
    assert!(c["models"]["CompShareInstanceSet"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Region"));
}

#[tokio::test]
async fn machine_types_filter_the_search_and_match_the_capacity_sizes() {
    let server = server().await;
    let creds = server.credentials();
    let search = ok(
        &server,
        &creds,
        "DescribeAvailableCompShareInstanceTypes",
        &[ZONE, ("InstanceType", "uhost"), ("MachineTypes.0", "4090")],
    )
    .await;
    let types = search["AvailableInstanceTypes"].as_array().unwrap();
    assert_eq!(types.len(), 1);
    assert_eq!(types[0]["Name"], "4090");
    assert_eq!(types[0]["Zone"], "cn-wlcb-01");
    let gpus: Vec<&Value> = types[0]["MachineSizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["Gpu"])
        .collect();
    let capacity = ok(
        &server,
        &creds,
        "CheckCompShareResourceCapacity",
        &[
            ZONE,
            ("GpuType", "4090"),
            ("MachineType", "G"),
            ("MinimalCpuPlatform", "Auto"),
            ("CompShareImageId", "compshareImage-165jmhx19ik7"),
            ("ChargeType", "Spot"),
            ("Disks.0.IsBoot", "true"),
        ],
    )
    .await;
    let offered: Vec<&Value> = capacity["Specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["Gpu"])
        .collect();
    assert_eq!(gpus, offered, "the search and the capacity check agree");
    let all = ok(
        &server,
        &creds,
        "DescribeAvailableCompShareInstanceTypes",
        &[],
    )
    .await;
    assert_eq!(
        all["AvailableInstanceTypes"].as_array().unwrap().len(),
        5,
        "cn-wlcb-01's five GPU types"
    );
    let bad = call(
        &server,
        &creds,
        "DescribeAvailableCompShareInstanceTypes",
        &[("InstanceType", "vm")],
    )
    .await;
    assert_eq!(bad["Message"], "Params [InstanceType] not available");
}

#[tokio::test]
async fn lower_case_model_filters_are_read_as_the_catalogues() {
    let server = server().await;
    let creds = server.credentials();
    let upper = ok(
        &server,
        &creds,
        "DescribeModelRepositoryModels",
        &[ZONE, ("Tags", "Text-to-Image")],
    )
    .await;
    let lower = ok(
        &server,
        &creds,
        "DescribeModelRepositoryModels",
        &[ZONE, ("tags", "Text-to-Image")],
    )
    .await;
    assert_eq!(upper["Models"], lower["Models"]);
    assert!(lower["Models"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["Tag"] == "Text-to-Image"));
    let (_, journal) = common::admin(
        &server,
        "GET",
        "/requests?action=DescribeModelRepositoryModels",
        None,
    )
    .await;
    let last = journal["Requests"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last.get("Notes")
            .is_none_or(|n| !n.to_string().contains("tags")),
        "not noted as ignored: {last}"
    );
}
