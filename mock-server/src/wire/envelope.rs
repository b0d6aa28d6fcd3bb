//! The answer envelope: every answer, success or RetCode error, is HTTP 200
//! JSON `{"Action": "<Action>Response", "RetCode": N, ...}`; broken HTTP is a
//! 4xx with a JSON error. Knows no action.

use std::sync::Arc;

use compshare_protocol::{clip, MAX_ECHO};

use serde::Serialize;
use serde_json::value::RawValue;

/// A value kept already rendered to JSON (an image of the state), so an
/// answer listing it copies its bytes rather than serialising it again.
pub trait Rendered {
    /// The value's JSON (valid JSON: it goes into answers as it is).
    fn json(&self) -> &str;
}

impl<T: Rendered + ?Sized> Rendered for Arc<T> {
    fn json(&self) -> &str {
        (**self).json()
    }
}

impl<T: Rendered + ?Sized> Rendered for &T {
    fn json(&self) -> &str {
        (**self).json()
    }
}

/// Bytes kept free at the front of an answer's buffer: the head
/// (`{"Action":"…Response","RetCode":0`) is written there when the answer
/// becomes a body, so the fields are never copied again.
const HEADROOM: usize = 384;

/// The fields of a successful answer, each already rendered to JSON, in the
/// order they are added (after `Action` and `RetCode`). They are written
/// into one buffer as they are added, as they will stand in the body.
#[derive(Debug, Default, Clone)]
pub struct Answer {
    /// [`HEADROOM`] bytes, then `,"Name":value` for each field.
    buf: Vec<u8>,
    /// Each field: where its name (a JSON string) starts, and where its
    /// value starts and ends.
    fields: Vec<(usize, usize, usize)>,
    /// A file answered in place of the envelope (set by [`Answer::file`]).
    file: Option<Box<FileBody>>,
}

/// A file an action answers instead of a JSON envelope (DownloadTeamOrder's
/// CSV): its bytes, their media type and the name it is saved under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileBody {
    /// The `Content-Type` header, e.g. `text/csv; charset=utf-8`.
    pub content_type: &'static str,
    /// The file name of the `Content-Disposition: attachment` header.
    pub file_name: String,
    /// The body.
    pub bytes: Vec<u8>,
}

/// Buffers of answers whose bodies were sent, for the next answers: one
/// large allocation and release per request costs the allocator more than
/// the copying into the buffer does.
static SPARE: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
/// How many spare buffers are kept, and the largest one kept.
const SPARES: usize = 32;
const LARGEST_SPARE: usize = 256 * 1024;

fn spare_buffer(capacity: usize) -> Vec<u8> {
    let spare = crate::sync::lock(&SPARE).pop();
    let mut buf = spare.unwrap_or_default();
    buf.clear();
    buf.reserve(capacity);
    buf
}

/// A sent body's buffer, given back to the spares when the body is dropped.
struct Sent {
    buf: Vec<u8>,
    start: usize,
}

impl AsRef<[u8]> for Sent {
    fn as_ref(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

impl Drop for Sent {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        if buf.capacity() <= LARGEST_SPARE {
            let mut spare = crate::sync::lock(&SPARE);
            if spare.len() < SPARES {
                spare.push(buf);
            }
        }
    }
}

impl Answer {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// An answer that is a file, not an envelope: the HTTP layer sends its
    /// bytes with its own `Content-Type` and a `Content-Disposition`.
    pub fn file(content_type: &'static str, file_name: &str, bytes: Vec<u8>) -> Self {
        Answer {
            file: Some(Box::new(FileBody {
                content_type,
                file_name: file_name.to_owned(),
                bytes,
            })),
            ..Answer::default()
        }
    }

    /// The file of a file answer, or the answer itself when it is an envelope.
    pub fn into_file(self) -> Result<FileBody, Answer> {
        match self.file {
            Some(file) => Ok(*file),
            None => Err(self),
        }
    }

    /// No fields yet, with room for `bytes` of them.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = spare_buffer(HEADROOM + bytes + 64);
        buf.resize(HEADROOM, b' ');
        Answer {
            buf,
            fields: Vec::new(),
            file: None,
        }
    }

    /// Writes `,"name":` with room for `value_len` more bytes; returns where
    /// the name starts.
    fn begin(&mut self, name: &str, value_len: usize) -> usize {
        if self.buf.is_empty() {
            self.buf = spare_buffer(HEADROOM + name.len() + value_len + 64);
            self.buf.resize(HEADROOM, b' ');
        } else {
            self.buf.reserve(name.len() + value_len + 4);
        }
        self.buf.push(b',');
        let at = self.buf.len();
        push_json_string(&mut self.buf, name);
        self.buf.push(b':');
        at
    }

    fn end(mut self, name_at: usize, value_at: usize) -> Self {
        self.fields.push((name_at, value_at, self.buf.len()));
        self
    }

    /// Adds a field, rendering its value now.
    pub fn field<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let at = self.begin(name, 16);
        let v = self.buf.len();
        if serde_json::to_writer(&mut self.buf, value).is_err() {
            self.buf.truncate(v);
            self.buf.extend_from_slice(b"null");
        }
        self.end(at, v)
    }

    /// Adds a field whose JSON is already rendered (pre-rendered canned
    /// answers are copied in without serialising them again).
    pub fn raw_field(mut self, name: &str, value: &RawValue) -> Self {
        let at = self.begin(name, value.get().len());
        let v = self.buf.len();
        self.buf.extend_from_slice(value.get().as_bytes());
        self.end(at, v)
    }

    /// Adds a list field of values kept rendered: their JSON is copied in,
    /// not serialised again. (Plain copies: the values are often far apart
    /// in memory, and reads of them overlap where updates of the counts of
    /// shared pointers would not.)
    pub fn rendered_list<T: Rendered>(mut self, name: &str, items: &[T]) -> Self {
        let len = 2 + items.iter().map(|i| i.json().len() + 1).sum::<usize>();
        let at = self.begin(name, len);
        let v = self.buf.len();
        self.buf.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.buf.extend_from_slice(item.json().as_bytes());
        }
        self.buf.push(b']');
        self.end(at, v)
    }

    /// The fields in order: each name, and its JSON.
    pub fn fields(&self) -> impl Iterator<Item = (std::borrow::Cow<'_, str>, &str)> {
        self.fields.iter().map(|&(name_at, value_at, end)| {
            // Both were written from strings: they are UTF-8.
            let text = |a: usize, b: usize| std::str::from_utf8(&self.buf[a..b]).unwrap_or("");
            // The name as written: `"Name":`.
            let quoted = text(name_at, value_at - 1);
            let name = match quoted.get(1..quoted.len() - 1) {
                Some(plain) if !plain.contains('\\') => std::borrow::Cow::Borrowed(plain),
                _ => std::borrow::Cow::Owned(serde_json::from_str(quoted).unwrap_or_default()),
            };
            (name, text(value_at, end))
        })
    }

    /// The answer's body for `action`, written around the fields in place
    /// (no copy of them) when the head fits the room kept for it.
    pub fn into_body(mut self, action: Option<&str>) -> axum::body::Bytes {
        // Room for the fixed parts, so the head is allocated once.
        let head = head(action, 0, 48);
        if self.buf.len() < HEADROOM || head.len() > HEADROOM {
            return render_success(action, &self).into();
        }
        let start = HEADROOM - head.len();
        self.buf[start..HEADROOM].copy_from_slice(&head);
        self.buf.push(b'}');
        axum::body::Bytes::from_owner(Sent {
            buf: self.buf,
            start,
        })
    }
}

/// The `Action` field of an answer to `action` (`Response` when none was sent).
/// An overlong action name is cut to [`MAX_ECHO`] bytes (and marked with
/// `…`) so an answer never echoes a megabyte back.
pub fn response_name(action: Option<&str>) -> String {
    format!("{}Response", clip(action.unwrap_or("")))
}

/// Renders a success: `Action`, `RetCode` 0, then the answer's fields.
pub fn render_success(action: Option<&str>, answer: &Answer) -> Vec<u8> {
    let fields = answer.buf.get(HEADROOM..).unwrap_or_default();
    let mut out = head(action, 0, 1 + fields.len());
    out.extend_from_slice(fields);
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
    out.extend_from_slice(b",\"RetCode\":");
    // serde_json writes integers without the formatter; into a Vec it cannot fail.
    let _ = serde_json::to_writer(&mut out, &ret_code);
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
    struct Kept(String);

    impl Rendered for Kept {
        fn json(&self) -> &str {
            &self.0
        }
    }

    #[test]
    fn a_rendered_list_is_written_as_a_json_list() {
        let item = |v: Value| Arc::new(Kept(v.to_string()));
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
        let fields: Vec<(String, &str)> = a.fields().map(|(k, v)| (k.into_owned(), v)).collect();
        assert_eq!(fields[1], ("ImageSet".to_owned(), r#"[{"A":1},"x\"y"]"#));
        assert_eq!(fields[2], ("Empty".to_owned(), "[]"));
        let odd = Answer::new().field("a\"b", &1);
        assert_eq!(odd.fields().next().unwrap(), ("a\"b".into(), "1"));
        for action in [Some("Foo"), None, Some(&*"x".repeat(400))] {
            assert_eq!(a.clone().into_body(action), render_success(action, &a));
        }
        assert_eq!(
            Answer::new().into_body(Some("Foo")),
            &br#"{"Action":"FooResponse","RetCode":0}"#[..]
        );
    }

    #[test]
    fn a_file_answer_gives_back_its_file_and_an_envelope_does_not() {
        let file = Answer::file("text/csv; charset=utf-8", "a.csv", b"x,y\n".to_vec())
            .into_file()
            .unwrap();
        assert_eq!(file.content_type, "text/csv; charset=utf-8");
        assert_eq!(
            (file.file_name.as_str(), &file.bytes[..]),
            ("a.csv", &b"x,y\n"[..])
        );
        let envelope = Answer::new().field("A", &1).into_file().unwrap_err();
        assert_eq!(envelope.fields().count(), 1);
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
