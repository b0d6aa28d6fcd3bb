//! Every documented refusal over the wire: the RetCode envelopes (HTTP 200)
//! and the 4xx bodies of requests that are not readable at all.

use compshare_mock::domain::REGIONS;
use contract_tests::request::{call_pairs, signed, signed_call, HttpRequest};
use contract_tests::{assert_answer_snapshot, skip_when_external, Endpoint, Keys, Raw};
use reqwest::Method;

const ACTION: &str = "DescribeCompShareCustomImages";

/// Pins the answer when it comes from the in-process mock; an external
/// endpoint is held to the RetCode (and the harness's checks) only.
macro_rules! pin_in_process {
    ($raw:expr) => {
        if !Endpoint::under_test().is_external() {
            assert_answer_snapshot!($raw);
        }
    };
}

fn refused(raw: &Raw, code: i64, message: &str) {
    raw.assert_ret_code(code);
    assert_eq!(raw.status, 200, "RetCode errors are HTTP 200");
    if !Endpoint::under_test().is_external() {
        assert_eq!(raw.message(), Some(message));
    }
}

#[test]
fn a_request_without_action_gets_160() {
    let ep = Endpoint::under_test();
    let keys = ep.keys();
    let pairs = signed(
        vec![
            ("Region".to_owned(), ep.region().to_owned()),
            ("PublicKey".to_owned(), keys.public_key.clone()),
        ],
        &keys.private_key,
    );
    let raw = ep.send(&HttpRequest::form(&pairs));
    refused(&raw, 160, "Missing Action");
    pin_in_process!(raw);
}

#[test]
fn an_unknown_action_gets_161_naming_it() {
    let ep = Endpoint::under_test();
    let raw = ep.call("DescribeNoSuchThing", &[("Region", ep.region())]);
    refused(&raw, 161, "Action [DescribeNoSuchThing] not found");
    assert_eq!(raw.field("Action"), "DescribeNoSuchThingResponse");
    pin_in_process!(raw);
}

#[test]
fn a_request_without_signature_gets_170() {
    let ep = Endpoint::under_test();
    let pairs = call_pairs(ACTION, &[("Region", ep.region())], &ep.keys().public_key);
    let raw = ep.send(&HttpRequest::form(&pairs));
    refused(&raw, 170, "Missing signature");
    pin_in_process!(raw);
}

#[test]
fn a_signature_made_with_the_wrong_private_key_gets_171() {
    let ep = Endpoint::under_test();
    let wrong = Keys::new(&ep.keys().public_key, "not-the-private-key");
    let raw = ep.call_as(&wrong, ACTION, &[("Region", ep.region())]);
    refused(&raw, 171, "Signature VerifyAC Error");
    pin_in_process!(raw);
}

#[test]
fn an_unknown_public_key_gets_172() {
    let ep = Endpoint::under_test();
    let stranger = Keys::new("no-such-public-key", "whatever");
    let raw = ep.call_as(&stranger, ACTION, &[("Region", ep.region())]);
    refused(&raw, 172, "User Not Exists");
    pin_in_process!(raw);
}

#[test]
fn a_missing_region_gets_210_naming_it() {
    let ep = Endpoint::under_test();
    let raw = ep.call(ACTION, &[("Limit", "5")]);
    refused(&raw, 210, "Missing params [Region]");
    pin_in_process!(raw);
}

#[test]
fn a_region_of_the_ucloud_main_site_gets_230_region() {
    let ep = Endpoint::under_test();
    let raw = ep.call(ACTION, &[("Region", "hk")]);
    refused(&raw, 230, "Params [Region] not available");
    pin_in_process!(raw);
}

#[test]
fn a_zone_of_another_region_gets_230_zone() {
    let ep = Endpoint::under_test();
    let foreign = REGIONS
        .iter()
        .find(|(r, _)| *r != ep.region())
        .map(|(_, zones)| zones[0])
        .unwrap();
    let raw = ep.call(ACTION, &[("Region", ep.region()), ("Zone", foreign)]);
    refused(&raw, 230, "Params [Zone] not available");
    pin_in_process!(raw);
}

#[test]
fn a_negative_limit_gets_230_limit() {
    let ep = Endpoint::under_test();
    let raw = ep.call(ACTION, &[("Region", ep.region()), ("Limit", "-1")]);
    refused(&raw, 230, "Params [Limit] not available");
    pin_in_process!(raw);
}

#[test]
fn a_limit_that_is_not_an_integer_gets_230_limit() {
    let ep = Endpoint::under_test();
    for bad in ["ten", "1.5", "1e2", "0x10"] {
        let raw = ep.call(ACTION, &[("Region", ep.region()), ("Limit", bad)]);
        refused(&raw, 230, "Params [Limit] not available");
    }
}

#[test]
fn a_negative_offset_gets_230_offset() {
    let ep = Endpoint::under_test();
    let raw = ep.call(ACTION, &[("Region", ep.region()), ("Offset", "-1")]);
    refused(&raw, 230, "Params [Offset] not available");
    pin_in_process!(raw);
}

#[test]
fn an_offset_that_is_not_an_integer_gets_230_offset() {
    let ep = Endpoint::under_test();
    for bad in ["first", "2.0", "-0.5"] {
        let raw = ep.call(ACTION, &[("Region", ep.region()), ("Offset", bad)]);
        refused(&raw, 230, "Params [Offset] not available");
    }
}

#[test]
fn a_key_sent_twice_gets_230_naming_it() {
    let ep = Endpoint::under_test();
    let pairs = signed_call(
        ACTION,
        &[("Region", ep.region()), ("Region", ep.region())],
        ep.keys(),
    );
    let raw = ep.send(&HttpRequest::form(&pairs));
    refused(&raw, 230, "Params [Region] not available");
    pin_in_process!(raw);
}

#[test]
fn a_boolean_written_in_python_style_gets_230() {
    let ep = Endpoint::under_test();
    let raw = ep.call(
        "DescribeCompShareInstance",
        &[("Region", ep.region()), ("WithoutGpu", "True")],
    );
    refused(&raw, 230, "Params [WithoutGpu] not available");
}

// --- Requests that are not readable: 4xx with {"Status", "Error"} -------

/// The 4xx bodies are the mock's own (`docs/PROTOCOL.md` documents none).
fn http_refusal(test: &str, req: HttpRequest, status: u16) -> Option<Raw> {
    if skip_when_external(test, "4xx bodies are the mock's own choice") {
        return None;
    }
    let raw = Endpoint::under_test().send(&req);
    assert_eq!(raw.status, status, "{}", raw.json);
    assert_eq!(raw.json["Status"], status);
    assert!(raw.request_id.is_some(), "a 4xx carries a request id too");
    Some(raw)
}

#[test]
fn a_body_of_an_unsupported_content_type_gets_415() {
    let req = HttpRequest::raw(
        Method::POST,
        "/",
        Some("text/plain"),
        b"Action=DescribeCompShareCustomImages".to_vec(),
    );
    if let Some(raw) = http_refusal("a_body_of_an_unsupported_content_type_gets_415", req, 415) {
        assert_answer_snapshot!(raw);
    }
}

#[test]
fn a_json_body_that_does_not_parse_gets_400() {
    let req = HttpRequest::raw(
        Method::POST,
        "/?Action=DescribeCompShareCustomImages",
        Some("application/json"),
        b"{\"Region\": ".to_vec(),
    );
    if let Some(raw) = http_refusal("a_json_body_that_does_not_parse_gets_400", req, 400) {
        assert_answer_snapshot!(raw);
    }
}

#[test]
fn a_json_body_that_is_not_an_object_gets_400() {
    let req = HttpRequest::raw(
        Method::POST,
        "/",
        Some("application/json"),
        b"[1, 2]".to_vec(),
    );
    if let Some(raw) = http_refusal("a_json_body_that_is_not_an_object_gets_400", req, 400) {
        assert_answer_snapshot!(raw);
    }
}

#[test]
fn a_form_value_that_is_not_utf8_gets_400() {
    let req = HttpRequest::raw(
        Method::POST,
        "/",
        Some("application/x-www-form-urlencoded"),
        b"Action=DescribeCompShareCustomImages&Name=%ff".to_vec(),
    );
    if let Some(raw) = http_refusal("a_form_value_that_is_not_utf8_gets_400", req, 400) {
        assert_answer_snapshot!(raw);
    }
}

#[test]
fn a_body_over_the_limit_gets_413() {
    let mut body = b"Action=DescribeCompShareCustomImages&Padding=".to_vec();
    body.resize(compshare_mock::DEFAULT_BODY_LIMIT + 1, b'x');
    let req = HttpRequest::raw(
        Method::POST,
        "/",
        Some("application/x-www-form-urlencoded"),
        body,
    );
    if let Some(raw) = http_refusal("a_body_over_the_limit_gets_413", req, 413) {
        assert_answer_snapshot!(raw);
    }
}

#[test]
fn a_method_other_than_get_or_post_gets_405() {
    let req = HttpRequest::raw(Method::PUT, "/", None, Vec::new());
    if let Some(raw) = http_refusal("a_method_other_than_get_or_post_gets_405", req, 405) {
        assert_answer_snapshot!(raw);
    }
}

#[test]
fn a_path_other_than_the_root_gets_404() {
    let req = HttpRequest::raw(
        Method::GET,
        "/v1/DescribeCompShareCustomImages",
        None,
        Vec::new(),
    );
    if let Some(raw) = http_refusal("a_path_other_than_the_root_gets_404", req, 404) {
        assert_answer_snapshot!(raw);
    }
}

#[test]
fn a_gpu_type_outside_the_documented_ones_gets_230_gpu_type() {
    let ep = Endpoint::under_test();
    for action in ["GetCompShareInstancePrice", "CreateCompShareInstance"] {
        let raw = ep.call(
            action,
            &[
                ("Region", ep.region()),
                ("Zone", ep.zone()),
                ("CPU", "16"),
                ("GPU", "1"),
                ("Memory", "65536"),
                ("MachineType", "G"),
                ("CompShareImageId", "compshareImage-165jmhx19ik7"),
                ("GpuType", "A100"),
            ],
        );
        refused(&raw, 230, "Params [GpuType] not available");
    }
}

#[test]
fn a_limit_sent_to_describe_comp_share_images_gets_230_limit() {
    let ep = Endpoint::under_test();
    let raw = ep.call(
        "DescribeCompShareImages",
        &[("Region", ep.region()), ("Limit", "10")],
    );
    refused(&raw, 230, "Params [Limit] not available");
}
