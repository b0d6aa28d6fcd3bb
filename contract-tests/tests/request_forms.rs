//! The three request forms of `docs/PROTOCOL.md` §1, as the harness writes them
//! (pinned by snapshots) and as the endpoint answers them.

use contract_tests::request::{signed_call, signed_json, HttpRequest};
use contract_tests::{skip_when_external, Endpoint, Keys};
use serde_json::{json, Value};

const ACTION: &str = "DescribeCompShareCustomImages";
const SEED_PARAMS: &[(&str, &str)] = &[
    ("Region", "cn-wlcb"),
    ("Limit", "20"),
    ("Zone", "cn-wlcb-01"),
];
/// The signature `docs/PROTOCOL.md` §1 shows for the Python SDK's request.
const SEED_SIGNATURE: &str = "680f842912a54b3c6e91d8e3ec1306deb6ca2cc7";

fn seed_keys() -> Keys {
    Keys::new("my_public_key", "my_private_key")
}

#[test]
fn the_harness_writes_the_python_sdk_body_of_the_protocol_byte_for_byte() {
    let req = HttpRequest::form(&signed_call(ACTION, SEED_PARAMS, &seed_keys()));
    assert_eq!(
        String::from_utf8(req.body.clone()).unwrap(),
        "Region=cn-wlcb&Limit=20&Zone=cn-wlcb-01&Action=DescribeCompShareCustomImages&PublicKey=my_public_key&Signature=680f842912a54b3c6e91d8e3ec1306deb6ca2cc7"
    );
    insta::assert_snapshot!(req.to_string());
}

#[test]
fn the_harness_writes_the_go_sdk_form_with_sorted_keys_and_the_action_in_the_query() {
    let req = HttpRequest::go_form(&signed_call(ACTION, SEED_PARAMS, &seed_keys()));
    assert_eq!(req.path, "/?Action=DescribeCompShareCustomImages");
    assert!(String::from_utf8_lossy(&req.body).contains(SEED_SIGNATURE));
    insta::assert_snapshot!(req.to_string());
}

#[test]
fn the_harness_writes_a_json_body_that_keeps_value_types_and_signs_like_the_form() {
    let params = json!({"Region": "cn-wlcb", "Limit": 20, "Zone": "cn-wlcb-01"});
    let body = signed_json(ACTION, params.as_object().unwrap(), &seed_keys());
    assert_eq!(body["Signature"], SEED_SIGNATURE);
    assert_eq!(body["Limit"], json!(20));
    let req = HttpRequest::json(&body);
    insta::assert_snapshot!(req.to_string());
}

#[test]
fn the_harness_writes_a_get_with_every_parameter_in_the_query() {
    let req = HttpRequest::get(&signed_call(ACTION, SEED_PARAMS, &seed_keys()));
    assert!(req.body.is_empty());
    assert!(req.path.ends_with(&format!("&Signature={SEED_SIGNATURE}")));
    insta::assert_snapshot!(req.to_string());
}

fn listing_params(ep: &Endpoint) -> [(&str, &str); 3] {
    [("Region", ep.region()), ("Zone", ep.zone()), ("Limit", "5")]
}

#[test]
fn a_form_post_is_answered() {
    let ep = Endpoint::under_test();
    let raw = ep.call(ACTION, &listing_params(ep));
    raw.assert_ret_code(0);
    assert_eq!(raw.status, 200);
    assert!(raw.total_count().is_some());
}

#[test]
fn a_go_style_form_post_with_the_action_in_the_query_is_answered() {
    let ep = Endpoint::under_test();
    ep.call_go(ACTION, &listing_params(ep)).assert_ret_code(0);
}

#[test]
fn a_json_post_with_the_action_in_the_query_is_answered() {
    let ep = Endpoint::under_test();
    let raw = ep.call_json(
        ACTION,
        &json!({"Region": ep.region(), "Zone": ep.zone(), "Limit": 5}),
    );
    raw.assert_ret_code(0);
}

#[test]
fn a_get_is_answered() {
    let ep = Endpoint::under_test();
    ep.call_get(ACTION, &listing_params(ep)).assert_ret_code(0);
}

#[test]
fn every_request_form_gets_the_same_answer() {
    let ep = Endpoint::under_test();
    let params = listing_params(ep);
    let form = ep.call(ACTION, &params).json;
    let go = ep.call_go(ACTION, &params).json;
    let get = ep.call_get(ACTION, &params).json;
    let json_body = ep
        .call_json(
            ACTION,
            &json!({"Region": ep.region(), "Zone": ep.zone(), "Limit": 5}),
        )
        .json;
    assert_eq!(form["RetCode"], json!(0));
    assert_eq!(go, form, "Go-style form");
    assert_eq!(get, form, "GET");
    assert_eq!(json_body, form, "JSON body");
}

#[test]
fn the_python_sdk_request_of_the_protocol_is_answered_as_sent() {
    if skip_when_external(
        "the_python_sdk_request_of_the_protocol_is_answered_as_sent",
        "it is signed with the built-in fixtures' keys",
    ) {
        return;
    }
    let ep = Endpoint::under_test();
    let req = HttpRequest::raw(
        reqwest::Method::POST,
        "/",
        Some("application/x-www-form-urlencoded"),
        b"Region=cn-wlcb&Limit=20&Zone=cn-wlcb-01&Action=DescribeCompShareCustomImages&PublicKey=my_public_key&Signature=680f842912a54b3c6e91d8e3ec1306deb6ca2cc7".to_vec(),
    );
    let req = HttpRequest {
        action: Some(ACTION.to_owned()),
        ..req
    };
    let raw = ep.send(&req);
    raw.assert_ret_code(0);
    assert_eq!(raw.total_count(), Some(48));
    assert_eq!(raw.field("ImageSet").as_array().map(Vec::len), Some(20));
}

#[test]
fn a_json_body_with_nested_values_is_signed_and_answered() {
    let ep = Endpoint::under_test();
    // An array parameter travels as a JSON array and is signed as the
    // concatenation of its elements.
    let raw = ep.call_json(
        "DescribeCompShareInstance",
        &json!({"Region": ep.region(), "Zone": ep.zone(), "UHostIds": ["uhost-a", "uhost-b"], "Limit": 5}),
    );
    raw.assert_ret_code(0);
    assert!(matches!(raw.field("UHostSet"), Value::Array(_)));
}
