//! Requests exactly as they go on the wire, in the three forms the SDKs and
//! hand-written clients use (`docs/PROTOCOL.md` §1). Signing goes through
//! `compshare_protocol`, the one implementation of the
//! signature, so the suite can never carry a second one that drifts.

use std::fmt;

use reqwest::Method;
use serde_json::{Map, Value};

use crate::endpoint::Keys;

/// One HTTP request as sent: method, path with query, content type, body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// Path and query, e.g. `/` or `/?Action=DescribeCompShareCustomImages`.
    pub path: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body bytes (empty for GET).
    pub body: Vec<u8>,
    /// The action the request names, for checking the answer; not sent.
    pub action: Option<String>,
}

/// `application/x-www-form-urlencoded`, the default of both SDKs.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// `application/json`, the Go SDK's JSON encoder.
pub const JSON: &str = "application/json";

impl HttpRequest {
    /// A request with any method, path, content type and body, for the
    /// requests the gateway must refuse at the HTTP level.
    pub fn raw(method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Self {
        HttpRequest {
            method,
            path: path.to_owned(),
            content_type: content_type.map(str::to_owned),
            body,
            action: None,
        }
    }

    /// `POST /` with the pairs as a form body, in the order given (the
    /// Python SDK's form).
    pub fn form(pairs: &[(String, String)]) -> Self {
        HttpRequest {
            method: Method::POST,
            path: "/".to_owned(),
            content_type: Some(FORM.to_owned()),
            body: encode_pairs(pairs).into_bytes(),
            action: action_of(pairs),
        }
    }

    /// `POST /?Action=<action>` with the pairs as a form body sorted by key
    /// (the Go SDK's form: `Action` in the query and in the signed body).
    pub fn go_form(pairs: &[(String, String)]) -> Self {
        let mut sorted = pairs.to_vec();
        sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let action = action_of(pairs);
        let path = match &action {
            Some(a) => format!("/?{}", encode_pairs(&[("Action".to_owned(), a.clone())])),
            None => "/".to_owned(),
        };
        HttpRequest {
            method: Method::POST,
            path,
            content_type: Some(FORM.to_owned()),
            body: encode_pairs(&sorted).into_bytes(),
            action,
        }
    }

    /// `GET /?<pairs>`, in the order given (hand-written clients and curl).
    pub fn get(pairs: &[(String, String)]) -> Self {
        HttpRequest {
            method: Method::GET,
            path: format!("/?{}", encode_pairs(pairs)),
            content_type: None,
            body: Vec::new(),
            action: action_of(pairs),
        }
    }

    /// `POST /?Action=<action>` with a JSON body (the Go SDK's JSON
    /// encoder); values keep their JSON types.
    pub fn json(body: &Map<String, Value>) -> Self {
        let action = body
            .get("Action")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let path = match &action {
            Some(a) => format!("/?{}", encode_pairs(&[("Action".to_owned(), a.clone())])),
            None => "/".to_owned(),
        };
        HttpRequest {
            method: Method::POST,
            path,
            content_type: Some(JSON.to_owned()),
            body: serde_json::to_vec(body).unwrap_or_default(),
            action,
        }
    }
}

impl fmt::Display for HttpRequest {
    /// The request as text: `METHOD path`, the content type, a blank line
    /// and the body (long or binary bodies are summarised).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.path)?;
        if let Some(ct) = &self.content_type {
            writeln!(f, "Content-Type: {ct}")?;
        }
        writeln!(f)?;
        match std::str::from_utf8(&self.body) {
            Ok(text) if text.len() <= 2048 => f.write_str(text),
            _ => write!(f, "<{} bytes>", self.body.len()),
        }
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn action_of(pairs: &[(String, String)]) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
}

/// Pairs as a form body, percent-encoded, in order.
pub use compshare_protocol::signed::form_body as encode_pairs;
pub use compshare_protocol::signed::{call_pairs, sign as signed, signature_of};

/// The signed pairs of a call with an account's keys.
pub fn signed_call(action: &str, params: &[(&str, &str)], keys: &Keys) -> Vec<(String, String)> {
    compshare_protocol::signed::call(action, params, &keys.public_key, &keys.private_key)
}

/// A signed JSON body with an account's keys (`Action` and `PublicKey` added
/// unless given).
pub fn signed_json(action: &str, params: &Map<String, Value>, keys: &Keys) -> Map<String, Value> {
    compshare_protocol::signed::json(action, params, &keys.public_key, &keys.private_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_go_form_sorts_the_body_and_names_the_action_in_the_query() {
        let r = HttpRequest::go_form(&pairs(&[("Region", "r"), ("Action", "A")]));
        assert_eq!(r.path, "/?Action=A");
        assert_eq!(r.body, b"Action=A&Region=r");
        assert_eq!(r.action.as_deref(), Some("A"));
    }
}
