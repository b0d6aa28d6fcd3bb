//! Request forms → a flat parameter map plus what the signature covers
//! (PROTOCOL.md §1): POST form-urlencoded, POST JSON, and GET with a query
//! string. Pure: bytes in, a `WireRequest` or a `WireError` out.

use percent_encoding::percent_decode;
use serde_json::Value;

use super::encode::{flatten, scalar_string};
use super::params::Params;
use super::signature::{canonical_flat, canonical_json, SIGNATURE_KEY};

/// The HTTP verbs the API answers on `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Parameters in the query string.
    Get,
    /// Parameters in the body (or, with an empty body, in the query string).
    Post,
}

/// Which form carried the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// `application/x-www-form-urlencoded` body.
    Form,
    /// `application/json` body.
    Json,
    /// The URL's query string.
    Query,
}

/// A request reduced to what the gateway checks.
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// Flat parameters, `Signature` removed.
    pub params: Params,
    /// The string the signature covers (without the private key).
    pub canonical: String,
    /// The `Signature` sent, if any.
    pub signature: Option<String>,
    /// Keys given more than once in the signed part of the request.
    pub duplicates: Vec<String>,
    /// The form used.
    pub form: Form,
}

/// A request the gateway cannot read at all: answered with a 4xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The body's content type is neither form nor JSON (the media type
    /// named, cut to `MAX_ECHO` bytes).
    #[error("unsupported content type {0:?}: send application/x-www-form-urlencoded or application/json")]
    UnsupportedMediaType(String),
    /// The body cannot be parsed in its declared form.
    #[error("malformed body: {0}")]
    MalformedBody(String),
    /// A key or value is not UTF-8 after percent-decoding.
    #[error("parameter {0} is not valid UTF-8 after percent-decoding")]
    InvalidUtf8(String),
}

/// Reads a request into flat parameters and its canonical signing string.
pub fn parse(
    verb: Verb,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<WireRequest, WireError> {
    let query = query.unwrap_or("");
    if verb == Verb::Get || body.iter().all(u8::is_ascii_whitespace) {
        return from_pairs(decode_pairs(query.as_bytes())?, Form::Query);
    }
    let mime = content_type
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let mut req = match mime.as_str() {
        // curl -d without -H sends form; a body with no type is read as form too.
        "application/x-www-form-urlencoded" | "" => from_pairs(decode_pairs(body)?, Form::Form)?,
        "application/json" => from_json(body)?,
        other => {
            return Err(WireError::UnsupportedMediaType(
                super::envelope::clip(other).into_owned(),
            ))
        }
    };
    // The Go SDK repeats `?Action=` in the URL of a POST; only the body is
    // signed, so the query only supplies an Action the body lacks.
    if req.params.get("Action").is_none() {
        if let Some(action) = decode_pairs(query.as_bytes())?
            .into_iter()
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v)
        {
            req.params.insert("Action", action);
        }
    }
    Ok(req)
}

/// Splits `a=1&b=2` and percent-decodes keys and values (`+` is a space).
/// Empty segments and segments with an empty key are skipped.
pub fn decode_pairs(input: &[u8]) -> Result<Vec<(String, String)>, WireError> {
    let mut out = Vec::new();
    for seg in input.split(|b| *b == b'&') {
        if seg.is_empty() {
            continue;
        }
        let (k, v) = match seg.iter().position(|b| *b == b'=') {
            Some(i) => (&seg[..i], &seg[i + 1..]),
            None => (seg, &b""[..]),
        };
        let key = decode(k).map_err(|_| WireError::InvalidUtf8(lossy(k)))?;
        if key.is_empty() {
            continue;
        }
        let value = decode(v).map_err(|_| WireError::InvalidUtf8(clip_name(&key)))?;
        out.push((key, value));
    }
    Ok(out)
}

fn decode(raw: &[u8]) -> Result<String, std::string::FromUtf8Error> {
    let plus: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    String::from_utf8(percent_decode(&plus).collect())
}

/// The most characters of a parameter name a refusal echoes.
const MAX_NAME_ECHO: usize = 64;

fn lossy(raw: &[u8]) -> String {
    clip_name(&String::from_utf8_lossy(raw))
}

fn clip_name(name: &str) -> String {
    name.chars().take(MAX_NAME_ECHO).collect()
}

fn from_pairs(pairs: Vec<(String, String)>, form: Form) -> Result<WireRequest, WireError> {
    let canonical = canonical_flat(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut params = Params::new();
    let mut duplicates = Vec::new();
    let mut signature = None;
    for (k, v) in pairs {
        if k == SIGNATURE_KEY {
            if signature.replace(v).is_some() {
                duplicates.push(k);
            }
            continue;
        }
        if params.raw(&k).is_some() {
            duplicates.push(k.clone());
        }
        params.insert(k, v);
    }
    Ok(WireRequest {
        params,
        canonical,
        signature,
        duplicates,
        form,
    })
}

fn from_json(body: &[u8]) -> Result<WireRequest, WireError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| WireError::MalformedBody(format!("invalid JSON: {e}")))?;
    let Value::Object(mut obj) = value else {
        return Err(WireError::MalformedBody(
            "a JSON body must be an object".to_owned(),
        ));
    };
    let canonical = canonical_json(&obj);
    let signature = obj.remove(SIGNATURE_KEY).and_then(|v| scalar_string(&v));
    // Distinct JSON members can flatten to one key (`{"A":["x"],"A.0":"y"}`):
    // both values are signed, so the key counts as given twice, as in a form.
    let mut params = Params::new();
    let mut duplicates = Vec::new();
    for (k, v) in flatten(&obj) {
        if params.raw(&k).is_some() {
            duplicates.push(k.clone());
        }
        params.insert(k, v);
    }
    Ok(WireRequest {
        params,
        canonical,
        signature,
        duplicates,
        form: Form::Json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_body_is_decoded_and_its_signature_split_off() {
        let body = b"Region=cn-wlcb&Limit=20&Name=a+b%21&Action=X&Signature=abc";
        let r = parse(
            Verb::Post,
            None,
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            body,
        )
        .unwrap();
        assert_eq!(r.form, Form::Form);
        assert_eq!(r.params.get("Name"), Some("a b!"));
        assert_eq!(r.signature.as_deref(), Some("abc"));
        assert_eq!(r.params.raw("Signature"), None);
        assert_eq!(r.canonical, "ActionXLimit20Namea b!Regioncn-wlcb");
    }

    #[test]
    fn the_query_action_of_a_post_is_used_only_when_the_body_has_none() {
        let r = parse(
            Verb::Post,
            Some("Action=FromQuery"),
            Some("application/x-www-form-urlencoded"),
            b"Region=r",
        )
        .unwrap();
        assert_eq!(r.params.get("Action"), Some("FromQuery"));
        assert_eq!(r.canonical, "Regionr");
        let r = parse(
            Verb::Post,
            Some("Action=FromQuery"),
            Some("application/x-www-form-urlencoded"),
            b"Action=FromBody",
        )
        .unwrap();
        assert_eq!(r.params.get("Action"), Some("FromBody"));
    }

    #[test]
    fn a_get_reads_the_query_and_ignores_the_body() {
        let r = parse(Verb::Get, Some("Action=A&Signature=s"), None, b"ignored=1").unwrap();
        assert_eq!(r.form, Form::Query);
        assert_eq!(r.params.get("Action"), Some("A"));
        assert_eq!(r.params.get("ignored"), None);
    }

    #[test]
    fn a_json_body_flattens_and_signs_nested_values() {
        let body = br#"{"Action":"A","UHostIds":["u1","u2"],"Disks":[{"IsBoot":true,"Size":100}],"Signature":"s"}"#;
        let r = parse(Verb::Post, Some("Action=A"), Some("application/json"), body).unwrap();
        assert_eq!(r.form, Form::Json);
        assert_eq!(r.params.array("UHostIds"), vec!["u1", "u2"]);
        assert_eq!(r.params.get("Disks.0.Size"), Some("100"));
        assert_eq!(r.signature.as_deref(), Some("s"));
        assert_eq!(r.canonical, "ActionADisksIsBoottrueSize100UHostIdsu1u2");
    }

    #[test]
    fn unreadable_bodies_are_refused() {
        assert!(matches!(
            parse(Verb::Post, None, Some("text/plain"), b"a=1"),
            Err(WireError::UnsupportedMediaType(_))
        ));
        assert!(matches!(
            parse(Verb::Post, None, Some("application/json"), b"[1]"),
            Err(WireError::MalformedBody(_))
        ));
        assert!(matches!(
            parse(Verb::Post, None, Some("application/json"), b"{"),
            Err(WireError::MalformedBody(_))
        ));
        assert!(matches!(
            parse(Verb::Post, None, None, b"a=%ff"),
            Err(WireError::InvalidUtf8(_))
        ));
    }

    #[test]
    fn an_unsupported_media_type_is_named_clipped() {
        let ct = format!("text/{}", "x".repeat(10_000));
        let e = parse(Verb::Post, None, Some(&ct), b"a=1").unwrap_err();
        let WireError::UnsupportedMediaType(m) = e else {
            panic!("{e:?}")
        };
        assert!(m.starts_with("text/xxx") && m.ends_with('…'), "{m}");
        assert!(m.len() <= super::super::envelope::MAX_ECHO + '…'.len_utf8());
    }

    #[test]
    fn an_undecodable_value_names_its_key_clipped() {
        let key = "k".repeat(10_000);
        let body = format!("{key}=%ff");
        let e = parse(Verb::Post, None, None, body.as_bytes()).unwrap_err();
        assert_eq!(e, WireError::InvalidUtf8("k".repeat(64)));
        let e = parse(Verb::Post, None, None, format!("{key}%ff=1").as_bytes()).unwrap_err();
        assert_eq!(e, WireError::InvalidUtf8("k".repeat(64)));
    }

    #[test]
    fn a_key_given_twice_is_reported() {
        let r = parse(Verb::Post, None, None, b"A=1&A=2&B=3").unwrap();
        assert_eq!(r.duplicates, vec!["A".to_owned()]);
    }

    #[test]
    fn json_members_that_flatten_to_one_key_are_reported_twice_given() {
        let body = br#"{"A":["x"],"A.0":"y","B":{"C":1},"B.D":2}"#;
        let r = parse(Verb::Post, None, Some("application/json"), body).unwrap();
        assert_eq!(r.duplicates, vec!["A.0".to_owned()]);
        assert_eq!(r.canonical, "AxA.0yBC1B.D2");
        assert_eq!(r.params.get("B.C"), Some("1"));
        assert_eq!(r.params.get("B.D"), Some("2"));
    }
}
