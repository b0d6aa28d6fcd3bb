//! The Rust client against the real in-process mock: the signature, the
//! encoding and the paging agree end to end. (The client crate itself does
//! not depend on the mock; its own tests use wiremock.)

use std::collections::HashSet;

use compshare_client::{Client, Config, DescribeCompShareCustomImagesRequest, Encoding, Error};
use compshare_mock::MockServer;
use serde_json::json;

fn client_for(server: &MockServer, encoding: Encoding) -> Client {
    let creds = server.credentials();
    Client::new(
        Config::new(creds.public_key, creds.private_key)
            .with_base_url(server.uri())
            .with_encoding(encoding)
            .with_max_retries(0),
    )
    .unwrap()
}

#[tokio::test]
async fn the_paginator_lists_all_48_images_of_the_default_account() {
    let server = MockServer::start().await.unwrap();
    for encoding in [Encoding::Form, Encoding::Json] {
        let client = client_for(&server, encoding);
        let mut walk = client
            .paginate("DescribeCompShareCustomImages", json!({}), "ImageSet", 10)
            .unwrap();
        let mut pages = 0;
        let mut ids = Vec::new();
        while let Some(page) = walk.next_page().await.unwrap() {
            assert_eq!(page.total_count, Some(48));
            pages += 1;
            ids.extend(
                page.items
                    .iter()
                    .map(|i| i["CompShareImageId"].as_str().unwrap().to_owned()),
            );
        }
        assert_eq!(pages, 5, "{encoding:?}");
        assert_eq!(ids.len(), 48, "{encoding:?}");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 48, "{encoding:?}");
        assert!(ids.iter().any(|id| id == "compshareImage-xxxx"));
    }
}

#[tokio::test]
async fn the_typed_calls_decode_the_mocks_answers() {
    let server = MockServer::start().await.unwrap();
    let client = client_for(&server, Encoding::Form);
    let all = client
        .describe_custom_images_all(&DescribeCompShareCustomImagesRequest::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 48);
    assert!(all.windows(2).all(|w| w[0].create_time >= w[1].create_time));

    let one = client
        .describe_custom_images(&DescribeCompShareCustomImagesRequest {
            zone: Some("cn-wlcb-01".into()),
            comp_share_image_id: Some("compshareImage-xxxx".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(one.total_count, 1);
    let image = &one.image_set[0];
    assert_eq!(image.name, "my-custom-env");
    assert_eq!(image.status, "Available");
    assert_eq!(image.create_time, 1712563200);
}

#[tokio::test]
async fn a_wrong_private_key_gets_171_with_a_request_id() {
    let server = MockServer::start().await.unwrap();
    let client = Client::new(
        Config::new(server.credentials().public_key, "not_my_private_key")
            .with_base_url(server.uri()),
    )
    .unwrap();
    let err = client
        .invoke("DescribeCompShareCustomImages", json!({}))
        .await
        .unwrap_err();
    match &err {
        Error::RetCode {
            code,
            message,
            request_id,
            ..
        } => {
            assert_eq!(*code, 171);
            assert_eq!(message, "Signature VerifyAC Error");
            assert!(request_id.as_deref().is_some_and(|id| !id.is_empty()));
        }
        other => panic!("expected 171, got {other:?}"),
    }
}

#[tokio::test]
async fn nested_parameters_pass_the_mocks_validation_in_both_encodings() {
    let server = MockServer::start().await.unwrap();
    for encoding in [Encoding::Form, Encoding::Json] {
        let client = client_for(&server, encoding);
        let answer = client
            .invoke(
                "GetCompShareInstancePrice",
                json!({
                    "Zone": "cn-wlcb-01", "GpuType": "4090", "Gpu": "1", "Cpu": "16",
                    "Memory": "65536", "ChargeType": "Dynamic",
                    "Disks": [{"IsBoot": true, "Size": 100, "Type": "CLOUD_SSD"}],
                }),
            )
            .await
            .unwrap_or_else(|e| panic!("{encoding:?}: {e}"));
        assert_eq!(answer["RetCode"], 0);
        assert_eq!(answer["Action"], "GetCompShareInstancePriceResponse");
    }
}

#[tokio::test]
async fn a_missing_required_parameter_is_210_with_the_mocks_message() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    let client =
        Client::new(Config::new(creds.public_key, creds.private_key).with_base_url(server.uri()))
            .unwrap();
    let err = client
        .invoke("StartCompShareInstance", json!({"Zone": "cn-wlcb-01"}))
        .await
        .unwrap_err();
    assert_eq!(err.ret_code(), Some(210), "{err:?}");
    assert_eq!(
        err.to_string(),
        "StartCompShareInstance failed with RetCode 210: Missing params [UHostId]"
    );
}
