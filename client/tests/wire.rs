//! What the client puts on the wire: method, path, query, headers, body,
//! and a signature the mock's verifier accepts.

mod common;

use common::{answer, config, read_signed};
use compshare_client::{Client, DescribeCompShareCustomImagesRequest, Encoding};
use compshare_protocol::signature::sign_json;
use serde_json::{json, Map, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

const ACTION: &str = "DescribeCompShareCustomImages";

async fn one_request(server: &MockServer) -> wiremock::Request {
    let mut received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    received.remove(0)
}

#[tokio::test]
async fn the_default_request_is_a_signed_form_post_to_the_root_with_the_action_in_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(query_param("Action", ACTION))
        .respond_with(answer(ACTION, 0, json!({"TotalCount": 0, "ImageSet": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri()).with_zone("cn-wlcb-01")).unwrap();
    client.invoke(ACTION, json!({"Limit": 20})).await.unwrap();

    let request = one_request(&server).await;
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/x-www-form-urlencoded");
    assert_eq!(header("user-agent"), "compshare-client/0.1.0");
    let ts: u128 = header("u-timestamp-ms").parse().unwrap();
    assert!(ts > 1_700_000_000_000, "{ts}");
    // The same parameters as the Python SDK request of `docs/PROTOCOL.md` §1, so
    // the same signature; keys sorted as the Go SDK sends them.
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        "Action=DescribeCompShareCustomImages&Limit=20&PublicKey=my_public_key\
         &Region=cn-wlcb&Signature=680f842912a54b3c6e91d8e3ec1306deb6ca2cc7&Zone=cn-wlcb-01"
    );
    read_signed(&request);
}

#[tokio::test]
async fn nested_parameters_are_flattened_and_written_as_the_sdks_write_them() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer("CreateCompShareInstance", 0, json!({})))
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri()).with_project_id("org-abc")).unwrap();
    client
        .invoke(
            "CreateCompShareInstance",
            json!({
                "Disks": [{"IsBoot": true, "Size": 100.0, "Type": "CLOUD_SSD"}],
                "UHostIds": ["a", "b"],
                "Price": 1.50,
                "Name": "x y&z",
                "Off": false,
                "Skipped": null,
            }),
        )
        .await
        .unwrap();

    let wire = read_signed(&one_request(&server).await);
    let mut sent: Vec<(String, String)> = wire
        .params
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    sent.sort();
    let want: Vec<(String, String)> = [
        ("Action", "CreateCompShareInstance"),
        ("Disks.0.IsBoot", "true"),
        ("Disks.0.Size", "100"),
        ("Disks.0.Type", "CLOUD_SSD"),
        ("Name", "x y&z"),
        ("Off", "false"),
        ("Price", "1.5"),
        ("ProjectId", "org-abc"),
        ("PublicKey", "my_public_key"),
        ("Region", "cn-wlcb"),
        ("UHostIds.0", "a"),
        ("UHostIds.1", "b"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(sent, want);
}

#[tokio::test]
async fn the_callers_region_and_zone_win_over_the_configuration() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer(ACTION, 0, json!({"TotalCount": 0, "ImageSet": []})))
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri()).with_zone("cn-wlcb-01")).unwrap();
    client
        .describe_custom_images(&DescribeCompShareCustomImagesRequest {
            region: Some("cn-bj2".into()),
            zone: Some("cn-bj2-02".into()),
            comp_share_image_id: Some("compshareImage-xxxx".into()),
            offset: Some(0),
            ..Default::default()
        })
        .await
        .unwrap();

    let wire = read_signed(&one_request(&server).await);
    assert_eq!(wire.params.get("Region"), Some("cn-bj2"));
    assert_eq!(wire.params.get("Zone"), Some("cn-bj2-02"));
    assert_eq!(
        wire.params.get("CompShareImageId"),
        Some("compshareImage-xxxx")
    );
    assert_eq!(wire.params.get("Offset"), Some("0"));
    assert_eq!(wire.params.get("Limit"), None);
    assert_eq!(wire.params.get("ProjectId"), None);
}

#[tokio::test]
async fn the_json_option_sends_a_signed_json_body_with_types_and_nesting_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(query_param("Action", "CreateCompShareInstance"))
        .respond_with(answer("CreateCompShareInstance", 0, json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri()).with_encoding(Encoding::Json)).unwrap();
    client
        .invoke(
            "CreateCompShareInstance",
            json!({"Disks": [{"IsBoot": true, "Size": 100.0}], "Gpu": 1, "Ratio": 0.25}),
        )
        .await
        .unwrap();

    let request = one_request(&server).await;
    assert_eq!(
        request.headers.get("content-type").unwrap(),
        "application/json"
    );
    let mut body: Map<String, Value> = serde_json::from_slice(&request.body).unwrap();
    let signature = body.remove("Signature").unwrap();
    assert_eq!(
        Value::Object(body.clone()),
        json!({
            "Disks": [{"IsBoot": true, "Size": 100}], "Gpu": 1, "Ratio": 0.25,
            "Region": "cn-wlcb", "Action": "CreateCompShareInstance", "PublicKey": "my_public_key",
        })
    );
    assert_eq!(signature, sign_json(&body, common::PRIVATE_KEY));
    let wire = read_signed(&request);
    assert_eq!(wire.params.get("Disks.0.Size"), Some("100"));
}

#[tokio::test]
async fn each_attempt_is_signed_and_timestamped_afresh() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer(ACTION, 2000, json!({})))
        .expect(3)
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri()).with_max_retries(2)).unwrap();
    client.invoke(ACTION, json!({})).await.unwrap_err();
    for request in server.received_requests().await.unwrap() {
        read_signed(&request);
        assert!(request.headers.get("u-timestamp-ms").is_some());
    }
}
