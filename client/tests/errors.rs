//! How answers map to errors, and that the request id travels with them.

mod common;

use common::{answer, config, REQUEST_ID};
use compshare_client::{Client, DescribeCompShareCustomImagesRequest, Error};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACTION: &str = "StartCompShareInstance";

async fn call_answered_with(response: ResponseTemplate) -> Result<serde_json::Value, Error> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri()).with_max_retries(0)).unwrap();
    client.invoke(ACTION, json!({"UHostId": "uhost-1"})).await
}

#[tokio::test]
async fn a_nonzero_retcode_is_a_retcode_error_with_message_action_and_request_id() {
    let body = json!({"Action": "StartCompShareInstanceResponse", "RetCode": 210, "Message": "Missing params [UHostId]"});
    let err = call_answered_with(
        ResponseTemplate::new(200)
            .set_body_json(body)
            .insert_header("X-UCLOUD-REQUEST-UUID", REQUEST_ID),
    )
    .await
    .unwrap_err();
    match &err {
        Error::RetCode {
            code,
            message,
            action,
            request_id,
        } => {
            assert_eq!(*code, 210);
            assert_eq!(message, "Missing params [UHostId]");
            assert_eq!(action, ACTION);
            assert_eq!(request_id.as_deref(), Some(REQUEST_ID));
        }
        other => panic!("expected a RetCode error, got {other:?}"),
    }
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    assert_eq!(
        err.to_string(),
        "StartCompShareInstance failed with RetCode 210: Missing params [UHostId]"
    );
}

#[tokio::test]
async fn a_retcode_error_without_message_or_request_id_still_maps() {
    let err = call_answered_with(ResponseTemplate::new(200).set_body_json(json!({"RetCode": 171})))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RetCode { code: 171, message, request_id: None, .. } if message.is_empty()),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_http_error_carries_status_body_and_request_id() {
    let err = call_answered_with(
        ResponseTemplate::new(413)
            .set_body_json(json!({"Status": 413, "Error": "body too large"}))
            .insert_header("X-UCLOUD-REQUEST-UUID", REQUEST_ID),
    )
    .await
    .unwrap_err();
    match &err {
        Error::Http {
            status,
            body,
            request_id,
        } => {
            assert_eq!(*status, 413);
            assert!(body.contains("body too large"), "{body}");
            assert_eq!(request_id.as_deref(), Some(REQUEST_ID));
        }
        other => panic!("expected an Http error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_a_decode_error() {
    let err = call_answered_with(ResponseTemplate::new(200).set_body_string("<html>oops</html>"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn an_answer_without_retcode_is_a_decode_error_naming_the_request() {
    let err = call_answered_with(
        ResponseTemplate::new(200)
            .set_body_json(json!({"Action": "StartCompShareInstanceResponse"}))
            .insert_header("X-UCLOUD-REQUEST-UUID", REQUEST_ID),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Decode(m) if m.contains("RetCode") && m.contains(REQUEST_ID)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_typed_answer_with_a_field_of_the_wrong_type_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer(
            "DescribeCompShareCustomImages",
            0,
            json!({"TotalCount": "many", "ImageSet": []}),
        ))
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri())).unwrap();
    let err = client
        .describe_custom_images(&DescribeCompShareCustomImagesRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn a_success_returns_the_whole_answer() {
    let got = call_answered_with(answer(ACTION, 0, json!({"UHostId": "uhost-1"})))
        .await
        .unwrap();
    assert_eq!(
        got,
        json!({"Action": "StartCompShareInstanceResponse", "RetCode": 0, "UHostId": "uhost-1"})
    );
}

#[tokio::test]
async fn invalid_parameters_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer(ACTION, 0, json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri())).unwrap();
    let err = client
        .invoke(ACTION, json!(["not", "an", "object"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = client
        .paginate(ACTION, json!({}), "UHostSet", 0)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}
