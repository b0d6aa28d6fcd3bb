//! The Rust client against the in-process mock: the whole instance and
//! custom-image flow, and retries that follow the SDKs' rules under injected
//! faults (counted in the mock's journal).

use std::time::Duration;

use compshare_client::{Client, Config, Error};
use compshare_mock::faults::FaultRule;
use compshare_mock::MockServer;
use serde_json::{json, Value};

fn client(server: &MockServer, retries: u32) -> Client {
    let creds = server.credentials();
    Client::new(
        Config::new(creds.public_key, creds.private_key)
            .with_base_url(server.uri())
            .with_zone("cn-wlcb-01")
            .with_max_retries(retries)
            .with_retry_backoff(Duration::from_millis(1), Duration::from_millis(5)),
    )
    .unwrap()
}

fn second_client(server: &MockServer) -> Client {
    let creds = server.account_credentials(1).unwrap();
    Client::new(
        Config::new(creds.public_key, creds.private_key)
            .with_base_url(server.uri())
            .with_zone("cn-wlcb-01"),
    )
    .unwrap()
}

fn code(e: Error) -> i64 {
    e.ret_code()
        .unwrap_or_else(|| panic!("not a RetCode error: {e}"))
}

#[tokio::test]
async fn the_whole_instance_and_image_flow_runs_through_the_client() {
    let server = MockServer::start().await.unwrap();
    server.freeze_clock();
    let c = client(&server, 0);

    let created = c
        .invoke("CreateCompShareInstance", json!({
            "CompShareImageId": "compshareImage-165jmhx19ik7", "GpuType": "4090", "MachineType": "G",
            "CPU": 16, "Memory": 65536, "GPU": 1, "ChargeType": "Dynamic", "Name": "flow",
            "Disks": [{"IsBoot": true, "Size": 100, "Type": "CLOUD_SSD"}],
        }))
        .await
        .unwrap();
    let host = created["UHostIds"][0].as_str().unwrap().to_owned();
    let state = |v: &Value| v["UHostSet"][0]["State"].as_str().unwrap().to_owned();
    let d = c
        .invoke("DescribeCompShareInstance", json!({"UHostIds": [host]}))
        .await
        .unwrap();
    assert_eq!(state(&d), "Initializing");
    server.advance_clock(5);
    let d = c
        .invoke("DescribeCompShareInstance", json!({"UHostIds": [host]}))
        .await
        .unwrap();
    assert_eq!(state(&d), "Running");
    assert_eq!(d["UHostSet"][0]["GpuType"], "4090");

    c.invoke("StopCompShareInstance", json!({"UHostId": host}))
        .await
        .unwrap();
    let err = c
        .invoke("StartCompShareInstance", json!({"UHostId": host}))
        .await
        .unwrap_err();
    assert_eq!(code(err), 290, "still Stopping");
    server.advance_clock(2);

    let made = c
        .invoke(
            "CreateCompShareCustomImage",
            json!({"UHostId": host, "Name": "flow-image"}),
        )
        .await
        .unwrap();
    let image = made["CompShareImageId"].as_str().unwrap().to_owned();
    let progress = c
        .invoke(
            "GetCompShareImageCreateProgress",
            json!({"CompShareImageId": image}),
        )
        .await
        .unwrap();
    assert_eq!(progress["Process"], 0.0);
    server.advance_clock(60);
    let listed = c
        .invoke(
            "DescribeCompShareCustomImages",
            json!({"CompShareImageId": image}),
        )
        .await
        .unwrap();
    assert_eq!(listed["ImageSet"][0]["Status"], "Available");

    let copy = c
        .invoke(
            "CopyCompShareCustomImage",
            json!({"CompShareImageId": image, "TargetImageName": "flow-copy"}),
        )
        .await
        .unwrap();
    let copy = copy["NewCompShareImageId"].as_str().unwrap().to_owned();
    c.invoke(
        "UpdateCompShareImage",
        json!({"CompShareImageId": image, "Description": "from the flow", "Visibility": 0}),
    )
    .await
    .unwrap();
    let shared = c
        .invoke(
            "ModifyCompShareImageShareAccount",
            json!({"CompShareImageId": image, "AddAccounts": [56000002]}),
        )
        .await
        .unwrap();
    assert_eq!(shared["InvalidAccounts"], json!([]));
    let seen = second_client(&server)
        .invoke("DescribeCompShareSharingImages", json!({}))
        .await
        .unwrap();
    assert_eq!(seen["ImageSet"][0]["CompShareImageId"], image.as_str());
    c.invoke(
        "PublishCompShareImage",
        json!({"CompShareImageId": image, "Price": 0.5, "CommunityImageName": "flow-public"}),
    )
    .await
    .unwrap();
    let community = c
        .invoke("DescribeCommunityImages", json!({"Name": "flow-public"}))
        .await
        .unwrap();
    assert_eq!(community["TotalCount"], 1);

    c.invoke(
        "TerminateCompShareCustomImage",
        json!({"CompShareImageId": copy}),
    )
    .await
    .unwrap();
    c.invoke("TerminateCompShareInstance", json!({"UHostId": host}))
        .await
        .unwrap();
    let all = c
        .describe_custom_images_all(&Default::default())
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|i| i.comp_share_image_id.as_str()).collect();
    assert!(ids.contains(&image.as_str()) && !ids.contains(&copy.as_str()));
    assert_eq!(all.len(), 49, "48 from the fixtures and the one kept");
}

#[tokio::test]
async fn the_client_retries_503_429_and_2xxx_but_not_500_create_or_a_retcode_below_2000() {
    let server = MockServer::start().await.unwrap();
    let c = client(&server, 3);
    let list = "DescribeCompShareCustomImages";

    server.fail_next(list, 2, 503).unwrap();
    c.invoke(list, json!({"Limit": 1})).await.unwrap();
    assert_eq!(
        server.requests_for(list).len(),
        3,
        "two 503s, then the answer"
    );

    server.clear_requests();
    server
        .add_fault(FaultRule {
            action: Some(list.into()),
            ret_code: Some(2001),
            times: Some(1),
            ..FaultRule::default()
        })
        .unwrap();
    c.invoke(list, json!({})).await.unwrap();
    assert_eq!(
        server.requests_for(list).len(),
        2,
        "a RetCode >= 2000 is retried"
    );

    server.clear_requests();
    server.fail_next(list, 1, 500).unwrap();
    let err = c.invoke(list, json!({})).await.unwrap_err();
    assert!(matches!(err, Error::Http { status: 500, .. }), "{err}");
    assert_eq!(
        server.requests_for(list).len(),
        1,
        "HTTP 500 is never retried"
    );

    server.clear_requests();
    server
        .add_fault(FaultRule {
            action: Some(list.into()),
            ret_code: Some(230),
            times: Some(1),
            ..FaultRule::default()
        })
        .unwrap();
    assert_eq!(code(c.invoke(list, json!({})).await.unwrap_err()), 230);
    assert_eq!(
        server.requests_for(list).len(),
        1,
        "a RetCode below 2000 is never retried"
    );

    server.clear_requests();
    server.fail_next(list, 10, 429).unwrap();
    let err = c.invoke(list, json!({})).await.unwrap_err();
    assert!(matches!(err, Error::Http { status: 429, .. }), "{err}");
    assert_eq!(
        server.requests_for(list).len(),
        4,
        "one try and three retries, then the error"
    );
    server.clear_faults();

    server.clear_requests();
    server.fail_next("CreateCompShareInstance", 1, 503).unwrap();
    let err = c
        .invoke("CreateCompShareInstance", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 503, .. }), "{err}");
    assert_eq!(
        server.requests_for("CreateCompShareInstance").len(),
        1,
        "Create* is never retried"
    );
}

#[tokio::test]
async fn a_dropped_connection_is_retried_and_the_journal_keeps_no_secret() {
    let server = MockServer::start().await.unwrap();
    server.expect("DescribeCompShareCustomImages", 2);
    server
        .add_fault(FaultRule {
            action: Some("DescribeCompShareCustomImages".into()),
            drop_connection: true,
            times: Some(1),
            ..FaultRule::default()
        })
        .unwrap();
    let c = client(&server, 2);
    c.invoke("DescribeCompShareCustomImages", json!({}))
        .await
        .unwrap();
    let journal = serde_json::to_string(&server.requests(&Default::default())).unwrap();
    assert!(!journal.contains("my_private_key"));
    for e in server.requests(&Default::default()) {
        assert_eq!(
            e.params.get("Signature").map(String::as_str),
            Some("<redacted>")
        );
    }
}
