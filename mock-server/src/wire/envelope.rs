//! The answer envelope: every answer, success or RetCode error, is HTTP 200
//! JSON `{"Action": "<Action>Response", "RetCode": N, ...}`; broken HTTP is a
//! 4xx with a JSON error. Knows no action.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use serde_json::value::RawValue;

/// A value kept already rendered to JSON (an image of the state), so an
/// answer listing it copies its bytes rather than serialising it again.
pub trait Rendered: Send + Sync + std::fmt::Debug {
    /// The value's JSON.
    fn json(&self) -> &RawValue;
}

/// A field's JSON: rendered when the field was added, or a list of values
/// rendered elsewhere, copied into the body when the answer is written.
#[derive(Debug, Clone)]
enum Json {
    Rendered(Box<RawValue>),
    List(Vec<Arc<dyn Rendered>>),
}

impl Json {
    fn len(&self) -> usize {
        match self {
            Json::Rendered(v) => v.get().len(),
            Json::List(items) => {
                2 + items
                    .iter()
                    .map(|i| i.json().get().len() + 1)
                    .sum::<usize>()
            }
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Json::Rendered(v) => out.extend_from_slice(v.get().as_bytes()),
            Json::List(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(item.json().get().as_bytes());
                }
                out.push(b']');
            }
        }
    }
}

/// The fields of a successful answer, each already rendered to JSON, in the
/// order they are added (after `Action` and `RetCode`).
#[derive(Debug, Default, Clone)]
pub struct Answer {
    fields: Vec<(String, Json)>,
}

impl Answer {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field, rendering its value now.
    pub fn field<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let raw = serde_json::value::to_raw_value(value)
            .unwrap_or_else(|_| RawValue::from_string("null".to_owned()).expect("null is JSON"));
        self.fields.push((name.to_owned(), Json::Rendered(raw)));
        self
    }

    /// Adds a field whose JSON is already rendered (pre-rendered canned
    /// answers are copied in without serialising them again).
    pub fn raw_field(mut self, name: &str, value: Box<RawValue>) -> Self {
        self.fields.push((name.to_owned(), Json::Rendered(value)));
        self
    }

    /// Adds a list field of values kept rendered: their JSON is copied
    /// straight into the body when the answer is written.
    pub fn rendered_list<T: Rendered + 'static>(mut self, name: &str, items: &[Arc<T>]) -> Self {
        let items = items
            .iter()
            .map(|i| i.clone() as Arc<dyn Rendered>)
            .collect();
        self.fields.push((name.to_owned(), Json::List(items)));
        self
    }

    /// The fields in order, with their JSON.
    pub fn fields(&self) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
        self.fields.iter().map(|(k, v)| {
            let json = match v {
                Json::Rendered(raw) => Cow::Borrowed(raw.get()),
                list => {
                    let mut out = Vec::with_capacity(list.len());
                    list.write(&mut out);
                    Cow::Owned(String::from_utf8(out).expect("rendered JSON is UTF-8"))
                }
            };
            (k.as_str(), json)
        })
    }
}

/// The `Action` field of an answer to `action` (`Response` when none was sent).
/// An overlong action name is cut to [`MAX_ECHO`] bytes (and marked with
/// `…`) so an answer never echoes a megabyte back.
pub fn response_name(action: Option<&str>) -> String {
    format!("{}Response", clip(action.unwrap_or("")))
}

/// The most bytes of a client-supplied name an answer echoes.
pub const MAX_ECHO: usize = 256;

/// `s` cut to at most [`MAX_ECHO`] bytes on a character boundary, marked
/// with `…` when cut.
pub fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= MAX_ECHO {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut end = MAX_ECHO;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &s[..end]))
}

/// Renders a success: `Action`, `RetCode` 0, then the answer's fields.
pub fn render_success(action: Option<&str>, answer: &Answer) -> Vec<u8> {
    let mut out = head(
        action,
        0,
        256 + answer
            .fields
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum::<usize>(),
    );
    for (k, v) in &answer.fields {
        out.push(b',');
        push_json_string(&mut out, k);
        out.push(b':');
        v.write(&mut out);
    }
    out.push(b'}');
    out
}

/// Renders a RetCode error: `Action`, `RetCode`, `Message`.
pub fn render_error(action: Option<&str>, ret_code: i64, message: &str) -> Vec<u8> {
    let mut out = head(action, ret_code, 96 + message.len());
    out.extend_from_slice(b",\"Message\":");
    push_json_string(&mut out, message);
    out.push(b'}');
    out
}

/// Renders the JSON body of a 4xx for a request that could not be read.
pub fn render_http_error(status: u16, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + message.len());
    out.extend_from_slice(format!("{{\"Status\":{status},\"Error\":").as_bytes());
    push_json_string(&mut out, message);
    out.push(b'}');
    out
}

fn head(action: Option<&str>, ret_code: i64, capacity: usize) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(capacity + action.map_or(0, str::len));
    out.extend_from_slice(b"{\"Action\":");
    match action {
        // The common case, written without building the name first.
        Some(a)
            if a.len() <= MAX_ECHO && !a.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) =>
        {
            out.push(b'"');
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"Response\"");
        }
        _ => push_json_string(&mut out, &response_name(action)),
    }
    // Writing to a Vec cannot fail.
    let _ = write!(out, ",\"RetCode\":{ret_code}");
    out
}

fn push_json_string(out: &mut Vec<u8>, s: &str) {
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_success_puts_action_and_retcode_first() {
        let a = Answer::new()
            .field("TotalCount", &1)
            .field("ImageSet", &json!([{"Name": "x"}]));
        let body: Value = serde_json::from_slice(&render_success(Some("Foo"), &a)).unwrap();
        assert_eq!(
            body,
            json!({"Action": "FooResponse", "RetCode": 0, "TotalCount": 1, "ImageSet": [{"Name": "x"}]})
        );
        let text = String::from_utf8(render_success(Some("Foo"), &a)).unwrap();
        assert!(
            text.starts_with(r#"{"Action":"FooResponse","RetCode":0,"#),
            "{text}"
        );
    }

    #[derive(Debug)]
    struct Kept(Box<RawValue>);

    impl Rendered for Kept {
        fn json(&self) -> &RawValue {
            &self.0
        }
    }

    #[test]
    fn a_rendered_list_is_written_as_a_json_list() {
        let item = |v: Value| Arc::new(Kept(serde_json::value::to_raw_value(&v).unwrap()));
        let items = [item(json!({"A": 1})), item(json!("x\"y"))];
        let a = Answer::new()
            .field("TotalCount", &2)
            .rendered_list("ImageSet", &items)
            .rendered_list("Empty", &items[..0]);
        let body: Value = serde_json::from_slice(&render_success(Some("Foo"), &a)).unwrap();
        assert_eq!(
            body,
            json!({"Action": "FooResponse", "RetCode": 0, "TotalCount": 2, "ImageSet": [{"A": 1}, "x\"y"], "Empty": []})
        );
        let fields: Vec<(&str, String)> = a.fields().map(|(k, v)| (k, v.into_owned())).collect();
        assert_eq!(fields[1], ("ImageSet", r#"[{"A":1},"x\"y"]"#.to_owned()));
        assert_eq!(fields[2], ("Empty", "[]".to_owned()));
    }

    #[test]
    fn an_overlong_action_is_clipped_on_a_character_boundary() {
        let long = "é".repeat(1000);
        let name = response_name(Some(&long));
        assert!(name.len() <= MAX_ECHO + "…Response".len(), "{}", name.len());
        assert!(name.ends_with("…Response"));
        assert_eq!(clip("short"), "short");
    }

    #[test]
    fn an_error_carries_the_message_escaped() {
        let body: Value =
            serde_json::from_slice(&render_error(Some("A\"b"), 161, "Action [A\"b] not found"))
                .unwrap();
        assert_eq!(
            body,
            json!({"Action": "A\"bResponse", "RetCode": 161, "Message": "Action [A\"b] not found"})
        );
        let body: Value =
            serde_json::from_slice(&render_error(None, 160, "Missing Action")).unwrap();
        assert_eq!(body["Action"], "Response");
    }
}
