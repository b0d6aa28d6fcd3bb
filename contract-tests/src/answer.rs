//! Answers as received, and the checks every answer must pass: a JSON body,
//! the envelope, and the action's catalogue shape. A failure reads in terms a
//! user can act on: the action, the field path, what was expected and what
//! was found.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use compshare_protocol::catalogue::{json_kind, Catalogue};
use serde::Serialize;
use serde_json::Value;

/// One answer as it came off the wire.
#[derive(Debug, Clone, Serialize)]
pub struct Raw {
    /// The HTTP status.
    pub status: u16,
    /// The `X-UCLOUD-REQUEST-UUID` header.
    pub request_id: Option<String>,
    /// The body, parsed (`null` for a file).
    pub json: Value,
    /// A file answered in place of an envelope (DownloadTeamOrder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileAnswer>,
}

/// A file answer: its `Content-Type`, `Content-Disposition` and body.
#[derive(Debug, Clone, Serialize)]
pub struct FileAnswer {
    /// The `Content-Type` header.
    pub content_type: String,
    /// The `Content-Disposition` header.
    pub disposition: String,
    /// The body.
    pub bytes: Vec<u8>,
}

/// The actions that answer a file rather than an envelope on success.
pub const FILE_ACTIONS: &[&str] = &["DownloadTeamOrder"];

impl Raw {
    /// `RetCode`, if the body has an integer one; a file is a success (0).
    pub fn ret_code(&self) -> Option<i64> {
        if self.file.is_some() {
            return Some(0);
        }
        self.json.get("RetCode").and_then(Value::as_i64)
    }

    /// `Message`, if any.
    pub fn message(&self) -> Option<&str> {
        self.json.get("Message").and_then(Value::as_str)
    }

    /// A top-level field, or `null` when absent.
    pub fn field(&self, name: &str) -> &Value {
        self.json.get(name).unwrap_or(&Value::Null)
    }

    /// `TotalCount` of a listing.
    pub fn total_count(&self) -> Option<i64> {
        self.field("TotalCount").as_i64()
    }

    /// The `CompShareImageId` of every image in `ImageSet`, in order.
    pub fn image_ids(&self) -> Vec<String> {
        self.field("ImageSet")
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        i.get("CompShareImageId")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Panics, showing the answer, unless `RetCode` is `code`.
    #[track_caller]
    pub fn assert_ret_code(&self, code: i64) -> &Self {
        assert_eq!(
            self.ret_code(),
            Some(code),
            "expected RetCode {code}, got {:?} ({}); answer: {}",
            self.ret_code(),
            self.message().unwrap_or("no message"),
            self.json
        );
        self
    }
}

const ENVELOPE: [&str; 3] = ["Action", "RetCode", "Message"];

/// Checks an answer body against the contract: a 4xx is
/// `{"Status": <status>, "Error": "..."}`; any other answer is HTTP 200 with
/// `Action` = `<action>Response` and an integer `RetCode`; an error carries
/// only `Action`, `RetCode` and `Message`; a catalogue action's answer has
/// only the catalogue's fields, each of its type.
///
/// `action` is the action the request named (`None` when it named none).
pub fn check_body(action: Option<&str>, status: u16, json: &Value) -> Result<(), String> {
    let what = match action {
        Some(a) => format!("the answer to {a}"),
        None => "the answer to a request without Action".to_owned(),
    };
    let Value::Object(obj) = json else {
        return Err(format!(
            "{what}: expected a JSON object, found {}",
            json_kind(json)
        ));
    };
    if status != 200 {
        if !(400..500).contains(&status) {
            return Err(format!(
                "{what}: HTTP {status}; answers are HTTP 200, refusals of broken HTTP 4xx"
            ));
        }
        match obj.get("Status") {
            Some(Value::Number(n)) if n.as_u64() == Some(u64::from(status)) => {}
            other => {
                return Err(format!(
                    "{what}: field Status: expected the HTTP status {status}, found {}",
                    shown(other)
                ))
            }
        }
        if !matches!(obj.get("Error"), Some(Value::String(_))) {
            return Err(format!(
                "{what}: field Error: expected string, found {}",
                shown(obj.get("Error"))
            ));
        }
        if let Some(extra) = obj.keys().find(|k| *k != "Status" && *k != "Error") {
            return Err(format!(
                "{what}: field {extra}: not a field of an HTTP error body (Status, Error)"
            ));
        }
        return Ok(());
    }
    let expected_name = format!("{}Response", action.unwrap_or(""));
    match obj.get("Action") {
        Some(Value::String(s)) if action.is_none() || *s == expected_name => {}
        other => {
            return Err(format!(
                "{what}: field Action: expected \"{expected_name}\", found {}",
                shown(other)
            ))
        }
    }
    let ret_code = match obj.get("RetCode") {
        Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or_default(),
        other => {
            return Err(format!(
                "{what}: field RetCode: expected integer, found {}",
                shown(other)
            ))
        }
    };
    if ret_code != 0 {
        if !matches!(obj.get("Message"), Some(Value::String(_))) {
            return Err(format!(
                "{what}: RetCode {ret_code} but field Message: expected string, found {}",
                shown(obj.get("Message"))
            ));
        }
        if let Some(extra) = obj.keys().find(|k| !ENVELOPE.contains(&k.as_str())) {
            return Err(format!(
                "{what}: RetCode {ret_code} but field {extra}: an error carries only Action, RetCode and Message"
            ));
        }
    }
    let catalogue = Catalogue::get();
    match action.filter(|a| catalogue.action(a).is_some()) {
        Some(a) => catalogue.check_answer(a, json).map_err(|m| {
            format!(
                "{what} does not fit the catalogue: field {}: {} (value: {})",
                m.path,
                m.problem,
                shown(at_path(json, &m.path))
            )
        }),
        None if ret_code == 0 => Err(format!(
            "{what}: RetCode 0 for an action the catalogue does not have"
        )),
        None => Ok(()),
    }
}

/// The value at a dotted path (`ImageSet.3.Owner.AccountId`).
fn at_path<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(json, |v, part| match v {
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(obj) => obj.get(part),
            _ => None,
        })
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => "nothing (the field is absent)".to_owned(),
        Some(v) => {
            let text = v.to_string();
            let short: String = text.chars().take(120).collect();
            let cut = if short.len() < text.len() { "…" } else { "" };
            format!("{} {short}{cut}", json_kind(v))
        }
    }
}

/// Records a request id; an error if it is empty or was seen before in this
/// process (both SDKs log it to tell requests apart, so it must be fresh).
pub fn note_request_id(id: Option<&str>) -> Result<(), String> {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let id = match id {
        Some(id) if !id.trim().is_empty() => id,
        _ => return Err("header X-UCLOUD-REQUEST-UUID: expected a request id, found none".into()),
    };
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if seen.insert(id.to_owned()) {
        Ok(())
    } else {
        Err(format!(
            "header X-UCLOUD-REQUEST-UUID: {id} was already used by an earlier answer"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "DescribeCompShareCustomImages";

    #[test]
    fn a_wrong_field_type_is_reported_with_action_path_expected_and_found() {
        let body = json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": 0, "TotalCount": 1,
            "ImageSet": [{"CompShareImageId": "i", "CreateTime": "yesterday"}]});
        assert_eq!(
            check_body(Some(A), 200, &body).unwrap_err(),
            "the answer to DescribeCompShareCustomImages does not fit the catalogue: field ImageSet.0.CreateTime: expected integer, found string (value: string \"yesterday\")"
        );
    }

    #[test]
    fn a_field_outside_the_model_is_reported() {
        let body = json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": 0, "Colour": "red"});
        assert_eq!(
            check_body(Some(A), 200, &body).unwrap_err(),
            "the answer to DescribeCompShareCustomImages does not fit the catalogue: field Colour: not a field of the model (value: string \"red\")"
        );
    }

    #[test]
    fn the_envelope_is_checked_before_the_model() {
        let wrong_name = json!({"Action": "OtherResponse", "RetCode": 0});
        assert!(check_body(Some(A), 200, &wrong_name)
            .unwrap_err()
            .contains("field Action: expected \"DescribeCompShareCustomImagesResponse\", found string \"OtherResponse\""));
        let text_code = json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": "0"});
        assert!(check_body(Some(A), 200, &text_code)
            .unwrap_err()
            .contains("field RetCode: expected integer, found string"));
        let error_with_data = json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": 230, "Message": "m", "TotalCount": 0});
        assert!(check_body(Some(A), 200, &error_with_data)
            .unwrap_err()
            .contains("field TotalCount: an error carries only"));
        let unknown_success = json!({"Action": "FooResponse", "RetCode": 0});
        assert!(check_body(Some("Foo"), 200, &unknown_success).is_err());
    }

    #[test]
    fn an_http_error_body_must_name_its_status() {
        assert!(check_body(None, 404, &json!({"Status": 404, "Error": "e"})).is_ok());
        assert!(check_body(None, 404, &json!({"Status": 400, "Error": "e"}))
            .unwrap_err()
            .contains("field Status: expected the HTTP status 404, found integer 400"));
        assert!(check_body(None, 500, &json!({"Status": 500, "Error": "e"})).is_err());
    }

    #[test]
    fn a_request_id_is_accepted_once() {
        let id = format!("test-id-{}", std::process::id());
        assert_eq!(note_request_id(Some(&id)), Ok(()));
        assert!(note_request_id(Some(&id)).is_err());
        assert!(note_request_id(None).is_err());
        assert!(note_request_id(Some("")).is_err());
    }
}
