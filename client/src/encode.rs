//! A call's parameters to a signed request body, as the official SDKs build
//! it (`docs/PROTOCOL.md` §2 and §3).
//!
//! The value encoding and the signature are not written here: they come from
//! `compshare_protocol`, the one implementation the mock verifies with, so
//! signer and verifier cannot drift apart.

use compshare_protocol::encode::flatten;
use compshare_protocol::signature::{sign_json, SIGNATURE_KEY};
use compshare_protocol::signed;
use serde_json::{Map, Number, Value};

use crate::config::{Config, Encoding};
use crate::error::Error;

/// A request body ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The bytes to send.
    pub bytes: Vec<u8>,
}

/// The parameters of a call as they are signed: the caller's, plus `Region`
/// (and `Zone`, `ProjectId` when configured) unless the caller gave that key,
/// plus `Action` and `PublicKey`, which always come from the call and the
/// configuration. A caller's `Signature` is dropped.
///
/// A key the caller sets to `null` counts as given and is not sent at all:
/// that is how one call leaves out the configured `Zone`.
pub fn signed_params(
    action: &str,
    params: Value,
    config: &Config,
) -> Result<Map<String, Value>, Error> {
    if action.is_empty() {
        return Err(Error::InvalidRequest("the action name is empty".to_owned()));
    }
    let mut map = match params {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(Error::InvalidRequest(format!(
                "parameters must be a JSON object, not {}",
                kind(&other)
            )))
        }
    };
    map.remove(SIGNATURE_KEY);
    let common = [
        ("Region", Some(&config.region)),
        ("Zone", config.zone.as_ref()),
        ("ProjectId", config.project_id.as_ref()),
    ];
    for (key, value) in common {
        if let Some(value) = value {
            if !map.contains_key(key) {
                map.insert(key.to_owned(), Value::String(value.clone()));
            }
        }
    }
    map.insert("Action".to_owned(), Value::String(action.to_owned()));
    map.insert(
        "PublicKey".to_owned(),
        Value::String(config.public_key.clone()),
    );
    Ok(map)
}

/// The signed body of `params` in `encoding`.
pub fn body(params: &Map<String, Value>, encoding: Encoding, private_key: &str) -> Body {
    match encoding {
        Encoding::Form => form_body(params, private_key),
        Encoding::Json => json_body(params, private_key),
    }
}

/// `application/x-www-form-urlencoded`: flattened pairs plus `Signature`,
/// sorted by key as the Go SDK sends them.
pub fn form_body(params: &Map<String, Value>, private_key: &str) -> Body {
    let mut pairs = signed::sign(flatten(params), private_key);
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let text = signed::form_body(&pairs);
    Body {
        content_type: "application/x-www-form-urlencoded",
        bytes: text.into_bytes(),
    }
}

/// `application/json`: the parameters with their types and nesting, integral
/// floats written as integers, `null`s left out, plus `Signature`.
pub fn json_body(params: &Map<String, Value>, private_key: &str) -> Body {
    let mut map = match normalize(Value::Object(params.clone())) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let signature = sign_json(&map, private_key);
    map.insert(SIGNATURE_KEY.to_owned(), Value::String(signature));
    Body {
        content_type: "application/json",
        // Serializing a map of JSON values cannot fail.
        bytes: serde_json::to_vec(&map).unwrap_or_default(),
    }
}

/// Drops `null`s and writes integral floats as integers, as the Go SDK's
/// JSON encoder does (`42.0` → `42`), so the body says what was signed.
fn normalize(v: Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Number(n) => Some(Value::Number(integral(n))),
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(normalize).collect(),
        )),
        Value::Object(map) => Some(Value::Object(
            map.into_iter()
                .filter_map(|(k, v)| normalize(v).map(|v| (k, v)))
                .collect(),
        )),
        scalar => Some(scalar),
    }
}

fn integral(n: Number) -> Number {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Number::from(f as i64),
        _ => n,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> Config {
        Config::new("my_public_key", "my_private_key")
    }

    #[test]
    fn the_python_sdk_request_of_the_protocol_is_reproduced() {
        let cfg = config().with_zone("cn-wlcb-01");
        let p = signed_params("DescribeCompShareCustomImages", json!({"Limit": 20}), &cfg).unwrap();
        let body = form_body(&p, "my_private_key");
        assert_eq!(body.content_type, "application/x-www-form-urlencoded");
        assert_eq!(
            String::from_utf8(body.bytes).unwrap(),
            "Action=DescribeCompShareCustomImages&Limit=20&PublicKey=my_public_key\
             &Region=cn-wlcb&Signature=680f842912a54b3c6e91d8e3ec1306deb6ca2cc7&Zone=cn-wlcb-01"
        );
    }

    #[test]
    fn the_callers_common_parameters_win_and_null_leaves_one_out() {
        let cfg = config().with_zone("cn-wlcb-01").with_project_id("org-1");
        let p = signed_params(
            "A",
            json!({"Region": "cn-bj2", "Zone": null, "Action": "B", "PublicKey": "x", "Signature": "s"}),
            &cfg,
        )
        .unwrap();
        assert_eq!(p["Region"], "cn-bj2");
        assert_eq!(p["Zone"], Value::Null);
        assert_eq!(p["ProjectId"], "org-1");
        assert_eq!(p["Action"], "A");
        assert_eq!(p["PublicKey"], "my_public_key");
        assert!(!p.contains_key("Signature"));
        let body = String::from_utf8(form_body(&p, "k").bytes).unwrap();
        assert!(!body.contains("Zone"), "{body}");
    }

    #[test]
    fn unset_zone_and_project_are_not_sent() {
        let p = signed_params("A", Value::Null, &config()).unwrap();
        let keys: Vec<&str> = p.keys().map(String::as_str).collect();
        assert_eq!(keys, ["Region", "Action", "PublicKey"]);
    }

    #[test]
    fn parameters_that_are_not_an_object_are_refused() {
        for bad in [json!([1]), json!("x"), json!(1)] {
            assert!(matches!(
                signed_params("A", bad, &config()),
                Err(Error::InvalidRequest(_))
            ));
        }
        assert!(matches!(
            signed_params("", json!({}), &config()),
            Err(Error::InvalidRequest(_))
        ));
    }

    #[test]
    fn form_values_are_flattened_escaped_and_written_as_the_sdks_do() {
        let p = json!({"Disks": [{"IsBoot": true, "Size": 100.0}], "Name": "a b&c", "Price": 1.50});
        let body = form_body(p.as_object().unwrap(), "k");
        let text = String::from_utf8(body.bytes).unwrap();
        assert!(
            text.starts_with(
                "Disks.0.IsBoot=true&Disks.0.Size=100&Name=a+b%26c&Price=1.5&Signature="
            ),
            "{text}"
        );
    }

    #[test]
    fn json_bodies_keep_nesting_write_integral_floats_as_integers_and_sign_it() {
        let p = json!({"Disks": [{"IsBoot": false, "Size": 100.0}], "Gpu": 2.0, "Ratio": 0.5, "Gone": null});
        let body = json_body(p.as_object().unwrap(), "k");
        assert_eq!(body.content_type, "application/json");
        let mut sent: Map<String, Value> = serde_json::from_slice(&body.bytes).unwrap();
        let signature = sent.remove("Signature").unwrap();
        assert_eq!(
            Value::Object(sent.clone()),
            json!({"Disks": [{"IsBoot": false, "Size": 100}], "Gpu": 2, "Ratio": 0.5})
        );
        assert_eq!(signature, sign_json(&sent, "k"));
    }
}
