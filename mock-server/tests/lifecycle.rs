//! The instance and custom-image lifecycle, over the wire.

mod common;

use common::{advance, call, ok};
use compshare_mock::{Config, MockServer};
use serde_json::Value;

const ZONE: (&str, &str) = ("Zone", "cn-wlcb-01");

async fn server() -> MockServer {
    common::frozen(Config::default()).await
}

fn create_params() -> Vec<(&'static str, &'static str)> {
    vec![
        ZONE,
        ("CompShareImageId", "compshareImage-165jmhx19ik7"),
        ("CPU", "16"),
        ("Memory", "65536"),
        ("GPU", "1"),
        ("GpuType", "4090"),
        ("MachineType", "G"),
        ("ChargeType", "Dynamic"),
        ("Disks.0.IsBoot", "true"),
        ("Disks.0.Size", "100"),
        ("Disks.0.Type", "CLOUD_SSD"),
        ("Name", "trainer"),
    ]
}

async fn state_of(server: &MockServer, id: &str) -> String {
    let creds = server.credentials();
    let d = ok(
        server,
        &creds,
        "DescribeCompShareInstance",
        &[("UHostIds.0", id)],
    )
    .await;
    d["UHostSet"][0]["State"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_instance_boots_stops_images_and_terminates() {
    let server = server().await;
    let creds = server.credentials();
    let created = ok(&server, &creds, "CreateCompShareInstance", &create_params()).await;
    let id = created["UHostIds"][0].as_str().unwrap().to_owned();
    assert!(id.starts_with("uhost-"), "{id}");
    assert_eq!(state_of(&server, &id).await, "Initializing");
    let refused = call(
        &server,
        &creds,
        "StopCompShareInstance",
        &[ZONE, ("UHostId", &id)],
    )
    .await;
    assert_eq!(refused["RetCode"], 290, "{refused}");
    advance(&server, 5);
    assert_eq!(state_of(&server, &id).await, "Running");
    ok(
        &server,
        &creds,
        "StopCompShareInstance",
        &[ZONE, ("UHostId", &id)],
    )
    .await;
    assert_eq!(state_of(&server, &id).await, "Stopping");
    advance(&server, 2);
    assert_eq!(state_of(&server, &id).await, "Stopped");

    let made = ok(
        &server,
        &creds,
        "CreateCompShareCustomImage",
        &[ZONE, ("UHostId", &id), ("Name", "snap")],
    )
    .await;
    let image = made["CompShareImageId"].as_str().unwrap().to_owned();
    let listed = ok(
        &server,
        &creds,
        "DescribeCompShareCustomImages",
        &[("CompShareImageId", &image)],
    )
    .await;
    assert_eq!(listed["ImageSet"][0]["Status"], "Making");
    advance(&server, 30);
    let progress = ok(
        &server,
        &creds,
        "GetCompShareImageCreateProgress",
        &[ZONE, ("CompShareImageId", &image)],
    )
    .await;
    assert_eq!(progress["Process"], 50.0);
    assert_eq!(progress["RemainingDuration"], "30");
    let copy_refused = call(
        &server,
        &creds,
        "CopyCompShareCustomImage",
        &[ZONE, ("CompShareImageId", &image)],
    )
    .await;
    assert_eq!(copy_refused["RetCode"], 290);
    advance(&server, 30);
    let listed = ok(
        &server,
        &creds,
        "DescribeCompShareCustomImages",
        &[("CompShareImageId", &image)],
    )
    .await;
    assert_eq!(listed["ImageSet"][0]["Status"], "Available");
    let progress = ok(
        &server,
        &creds,
        "GetCompShareImageCreateProgress",
        &[ZONE, ("CompShareImageId", &image)],
    )
    .await;
    assert_eq!(progress["Process"], 100.0);

    let copy = ok(
        &server,
        &creds,
        "CopyCompShareCustomImage",
        &[
            ZONE,
            ("CompShareImageId", &image),
            ("TargetImageName", "snap2"),
        ],
    )
    .await;
    let copy_id = copy["NewCompShareImageId"].as_str().unwrap().to_owned();
    ok(
        &server,
        &creds,
        "UpdateCompShareImage",
        &[
            ZONE,
            ("CompShareImageId", &copy_id),
            ("Description", "d"),
            ("Tags.0", "t"),
        ],
    )
    .await;
    let listed = ok(
        &server,
        &creds,
        "DescribeCompShareCustomImages",
        &[("CompShareImageId", &copy_id)],
    )
    .await;
    assert_eq!(listed["ImageSet"][0]["Description"], "d");
    assert_eq!(listed["ImageSet"][0]["Name"], "snap2");

    // Share with the second account, which then sees it and can boot from it once Available.
    let second = server.account_credentials(1).unwrap();
    let shared = ok(
        &server,
        &creds,
        "ModifyCompShareImageShareAccount",
        &[
            ("CompShareImageId", &image),
            ("AddAccounts.0", "56000002"),
            ("AddAccounts.1", "99"),
        ],
    )
    .await;
    assert_eq!(shared["InvalidAccounts"], serde_json::json!([99]));
    let accounts = ok(
        &server,
        &creds,
        "DescribeCompShareImageShareAccounts",
        &[("CompShareImageId", &image)],
    )
    .await;
    assert_eq!(accounts["AccountSet"][0]["AccountId"], "56000002");
    let sharing = ok(&server, &second, "DescribeCompShareSharingImages", &[]).await;
    assert_eq!(sharing["TotalCount"], 1);
    assert_eq!(sharing["ImageSet"][0]["CompShareImageId"], image.as_str());

    ok(
        &server,
        &creds,
        "PublishCompShareImage",
        &[
            ZONE,
            ("CompShareImageId", &image),
            ("Price", "1.5"),
            ("CommunityImageName", "public-snap"),
        ],
    )
    .await;
    let community = ok(
        &server,
        &second,
        "DescribeCommunityImages",
        &[ZONE, ("Name", "public-snap")],
    )
    .await;
    assert_eq!(community["TotalCount"], 1);
    assert_eq!(community["ImageSet"][0]["Price"], 1.5);

    ok(
        &server,
        &creds,
        "TerminateCompShareCustomImage",
        &[ZONE, ("CompShareImageId", &copy_id)],
    )
    .await;
    let gone = ok(
        &server,
        &creds,
        "DescribeCompShareCustomImages",
        &[("CompShareImageId", &copy_id)],
    )
    .await;
    assert_eq!(gone["TotalCount"], 0);

    ok(
        &server,
        &creds,
        "TerminateCompShareInstance",
        &[ZONE, ("UHostId", &id)],
    )
    .await;
    let d = ok(
        &server,
        &creds,
        "DescribeCompShareInstance",
        &[("UHostIds.0", &id)],
    )
    .await;
    assert_eq!(d["TotalCount"], 0);
    let again = call(
        &server,
        &creds,
        "TerminateCompShareInstance",
        &[ZONE, ("UHostId", &id)],
    )
    .await;
    assert_eq!(again["RetCode"], 230);
    assert_eq!(again["Message"], "Params [UHostId] not available");
}

#[tokio::test]
async fn another_accounts_instance_is_not_there() {
    let server = server().await;
    let creds = server.credentials();
    let created = ok(&server, &creds, "CreateCompShareInstance", &create_params()).await;
    let id = created["UHostIds"][0].as_str().unwrap().to_owned();
    let second = server.account_credentials(1).unwrap();
    let d = ok(&server, &second, "DescribeCompShareInstance", &[]).await;
    assert_eq!(d["TotalCount"], 1, "only its own fixture instance");
    assert_eq!(d["UHostSet"][0]["UHostId"], "uhost-second01");
    let e = call(
        &server,
        &second,
        "StopCompShareInstance",
        &[ZONE, ("UHostId", &id)],
    )
    .await;
    assert_eq!(e["Message"], "Params [UHostId] not available");
}

#[tokio::test]
async fn create_refuses_unknown_gpu_machine_and_image() {
    let server = server().await;
    let creds = server.credentials();
    let before = ok(&server, &creds, "DescribeCompShareInstance", &[]).await["TotalCount"].clone();
    for (key, bad) in [
        ("GpuType", "A100"),
        ("MachineType", "X"),
        ("CompShareImageId", "compshareImage-nothing"),
        ("Quantity", "11"),
    ] {
        let mut p = create_params();
        p.retain(|(k, _)| *k != key);
        p.push((key, bad));
        let e = call(&server, &creds, "CreateCompShareInstance", &p).await;
        assert_eq!(e["RetCode"], 230, "{key}={bad}: {e}");
        assert_eq!(e["Message"], format!("Params [{key}] not available"));
    }
    let d = ok(&server, &creds, "DescribeCompShareInstance", &[]).await;
    assert_eq!(
        d["TotalCount"], before,
        "refused creates leave nothing behind"
    );
}

#[tokio::test]
async fn describe_images_refuses_limit_and_prices_follow_the_table() {
    let server = server().await;
    let creds = server.credentials();
    let e = call(
        &server,
        &creds,
        "DescribeCompShareImages",
        &[("Limit", "10")],
    )
    .await;
    assert_eq!(e["Message"], "Params [Limit] not available");
    // With ImageType, Limit pages that type (docs/PROTOCOL.md §8).
    let one = ok(
        &server,
        &creds,
        "DescribeCompShareImages",
        &[("ImageType", "System"), ("Limit", "1"), ("Offset", "0")],
    )
    .await;
    assert_eq!(one["ImageSet"].as_array().unwrap().len(), 1);
    assert!(one["TotalCount"].as_i64().unwrap() >= 1);
    assert_eq!(one["ImageSet"][0]["ImageType"], "System");
    let imgs = ok(&server, &creds, "DescribeCompShareImages", &[]).await;
    let ids: Vec<&Value> = imgs["ImageSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["CompShareImageId"])
        .collect();
    assert!(ids.contains(&&Value::from("compshareImage-165jmhx19ik7")));
    let price = ok(
        &server,
        &creds,
        "GetCompShareInstancePrice",
        &[ZONE, ("GpuType", "5090"), ("Gpu", "2")],
    )
    .await;
    assert_eq!(price["PriceDetails"][0]["Instance"], 5.54);
    assert!(
        price.get("PriceDetail").is_none(),
        "the API reference's name only"
    );
    let zones = ok(&server, &creds, "DescribeCompShareSupportZone", &[]).await;
    assert_eq!(zones["ZoneInfo"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn platform_images_are_filtered_by_each_filter_given_and_listed_whole_without() {
    let server = server().await;
    let creds = server.credentials();
    let ids = |answer: &Value| -> Vec<String> {
        answer["ImageSet"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["CompShareImageId"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = ok(&server, &creds, "DescribeCompShareImages", &[]).await;
    assert_eq!(all["TotalCount"], 4);
    assert_eq!(ids(&all).len(), 4);
    for (filter, want) in [
        (("ImageType", "App"), 2),
        (("ImageType", "System"), 2),
        (("Tag", "CUDA"), 2),
        (("Tag", "LLM"), 1),
        (("Name", "CUDA 12"), 2),
        (("Author", "UCloud"), 4),
        (("Author", "someone else"), 0),
        (("CompShareImageId", "compshareImage-24t37t3try6j"), 1),
        // An empty value is no filter.
        (("Tag", ""), 4),
    ] {
        let got = ok(&server, &creds, "DescribeCompShareImages", &[filter]).await;
        assert_eq!(got["TotalCount"], want, "{filter:?}");
        assert_eq!(ids(&got).len(), want, "{filter:?}");
    }
    let both = ok(
        &server,
        &creds,
        "DescribeCompShareImages",
        &[("ImageType", "System"), ("Tag", "PyTorch")],
    )
    .await;
    assert_eq!(ids(&both), ["compshareImage-165jmhx19ik7"]);
    // A parameter that is no filter of the action changes nothing.
    let other = ok(&server, &creds, "DescribeCompShareImages", &[("Foo", "x")]).await;
    assert_eq!(other["TotalCount"], 4);
}
