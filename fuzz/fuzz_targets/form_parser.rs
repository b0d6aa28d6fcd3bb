//! The request-form parser: `wire::request::parse` and `decode_pairs` on any
//! verb, query string, content type and body. Beyond "no panic" it checks
//! what the parser promises: which form is read, that the canonical string
//! is the one of the pairs received, that `Signature` is split off, that a
//! key given twice is reported, and that a refusal is the documented
//! `WireError` for that input, with a bounded message.
//!
//! Input layout (front to back): one flags byte (bit 0: POST, else GET;
//! bit 1: a query string follows), a content type (`content_type` of the
//! crate), the query string (two-byte length, then bytes), then the body
//! (the rest).
#![no_main]

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};
use compshare_protocol::encode::{flatten, scalar_string};
use compshare_protocol::MAX_ECHO;
use compshare_protocol::request::{decode_pairs, parse, Form, Verb, WireError};
use compshare_protocol::signature::{canonical_flat, canonical_json, SIGNATURE_KEY};
use compshare_mock_fuzz::{byte, content_type, long_bytes, media_type, take, text};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// One request as the parser sees it.
struct Input {
    verb: Verb,
    query: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let flags = byte(u);
        let verb = if flags & 1 == 1 {
            Verb::Post
        } else {
            Verb::Get
        };
        let content_type = content_type(u);
        let query = (flags & 2 == 2).then(|| text(long_bytes(u)));
        let rest = u.len();
        let body = take(u, rest).to_vec();
        Ok(Input {
            verb,
            query,
            content_type,
            body,
        })
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("verb", &self.verb)
            .field("query", &self.query)
            .field("content_type", &self.content_type)
            .field("body", &format_args!("b\"{}\"", self.body.escape_ascii()))
            .finish()
    }
}

/// The longest message a refusal may carry: the fixed text plus at most
/// `MAX_ECHO` bytes (and a `…`) of what the client sent, which the message
/// quotes with Rust's escapes (a control byte becomes `\u{1d}`: six bytes).
const MAX_MESSAGE: usize = 160 + 6 * (MAX_ECHO + 3);

fuzz_target!(|input: Input| {
    check_decode_pairs(&input.body);
    if let Some(q) = &input.query {
        check_decode_pairs(q.as_bytes());
    }
    check_parse(&input);
});

/// `decode_pairs` against an independent decoder: when it succeeds it gives
/// exactly the non-empty-key pairs `form_urlencoded` reads; when it fails,
/// something in the input really is not UTF-8 once decoded; and encoding its
/// pairs again reads back the same pairs.
fn check_decode_pairs(input: &[u8]) {
    let reference: Vec<(String, String)> = form_urlencoded::parse(input)
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match decode_pairs(input) {
        Ok(pairs) => {
            assert_eq!(
                pairs, reference,
                "decode_pairs differs from form_urlencoded"
            );
            assert!(
                pairs.iter().all(|(k, _)| !k.is_empty()),
                "an empty key was kept"
            );
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish();
            assert_eq!(
                decode_pairs(encoded.as_bytes()).as_ref(),
                Ok(&pairs),
                "re-encoded pairs read back differently"
            );
        }
        Err(WireError::InvalidUtf8(name)) => {
            assert!(
                reference
                    .iter()
                    .any(|(k, v)| k.contains('\u{FFFD}') || v.contains('\u{FFFD}')),
                "InvalidUtf8 on input that decodes to valid UTF-8"
            );
            assert!(
                name.chars().count() <= 64,
                "InvalidUtf8 echoes {} chars",
                name.chars().count()
            );
        }
        Err(other) => panic!("decode_pairs refused with {other:?}"),
    }
}

fn check_parse(input: &Input) {
    let query = input.query.as_deref().unwrap_or("");
    let ct = input.content_type.as_deref();
    let from_query = input.verb == Verb::Get || input.body.iter().all(u8::is_ascii_whitespace);
    let mime = media_type(ct);
    let result = parse(input.verb, input.query.as_deref(), ct, &input.body);

    if let Err(e) = &result {
        let shown = e.to_string();
        assert!(
            shown.len() <= MAX_MESSAGE,
            "a {}-byte refusal message",
            shown.len()
        );
    }
    if from_query {
        return check_pairs_form(Form::Query, query.as_bytes(), None, &result);
    }
    match mime.as_str() {
        "application/x-www-form-urlencoded" | "" => {
            check_pairs_form(Form::Form, &input.body, Some(query), &result)
        }
        "application/json" => check_json_form(&input.body, query, &result),
        other => match &result {
            Err(WireError::UnsupportedMediaType(m)) => {
                assert!(m.len() <= MAX_ECHO + 3, "media type echoed whole");
                assert!(
                    other.starts_with(m.trim_end_matches('…')),
                    "{m:?} is not {other:?}"
                );
            }
            r => panic!("media type {other:?} gave {r:?}"),
        },
    }
}

type Parsed = Result<compshare_protocol::request::WireRequest, WireError>;

/// The Action a POST takes from its query string when its body has none.
fn query_action(query: Option<&str>) -> Result<Option<String>, WireError> {
    let Some(q) = query else { return Ok(None) };
    Ok(decode_pairs(q.as_bytes())?
        .into_iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v))
}

/// Form body or query string: `source` holds the pairs; `query` is the query
/// string of a POST (which may lend its Action).
fn check_pairs_form(form: Form, source: &[u8], query: Option<&str>, result: &Parsed) {
    let pairs = match decode_pairs(source) {
        Ok(p) => p,
        Err(e) => {
            assert_eq!(result.as_ref().err(), Some(&e), "undecodable pairs");
            return;
        }
    };
    // What the parse must give, worked out from the pairs alone.
    let mut expected: BTreeMap<&str, &str> = BTreeMap::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut duplicates: Vec<String> = Vec::new();
    let mut signature = None;
    for (k, v) in &pairs {
        if seen.contains(&k.as_str()) {
            duplicates.push(k.clone());
        } else {
            seen.push(k);
        }
        if k == SIGNATURE_KEY {
            signature = Some(v.as_str());
        } else {
            expected.insert(k, v);
        }
    }
    let body_action = expected.get("Action").copied().filter(|a| !a.is_empty());
    let lent = match (body_action, query_action(query)) {
        (None, Err(e)) => {
            assert_eq!(result.as_ref().err(), Some(&e), "undecodable query");
            return;
        }
        (None, Ok(a)) => a,
        (Some(_), _) => None,
    };
    let r = match result {
        Ok(r) => r,
        Err(e) => panic!("{form:?} pairs {pairs:?} refused: {e:?}"),
    };
    assert_eq!(r.form, form);
    assert_eq!(
        r.canonical,
        canonical_flat(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    );
    assert_eq!(r.signature.as_deref(), signature);
    assert_eq!(r.duplicates, duplicates);
    assert!(r.params.iter().all(|(k, _)| !k.is_empty()), "an empty key");
    assert_eq!(
        r.params.raw(SIGNATURE_KEY),
        None,
        "Signature kept as a parameter"
    );
    let mut want: BTreeMap<&str, &str> = expected.clone();
    if let Some(a) = &lent {
        want.insert("Action", a);
    }
    let got: BTreeMap<&str, &str> = r.params.iter().collect();
    assert_eq!(got, want);
    if duplicates.is_empty() {
        // Without duplicates the signed string is that of the parameters
        // received, Signature aside (an Action lent by the query is unsigned).
        assert_eq!(r.canonical, canonical_flat(expected.into_iter()));
    }
}

fn check_json_form(body: &[u8], query: &str, result: &Parsed) {
    let obj = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => obj,
        _ => {
            assert!(
                matches!(result, Err(WireError::MalformedBody(_))),
                "not a JSON object, yet {result:?}"
            );
            return;
        }
    };
    let mut unsigned = obj.clone();
    let signature = unsigned.remove(SIGNATURE_KEY);
    let flat = flatten(&unsigned);
    let body_action = flat
        .iter()
        .rev()
        .find(|(k, v)| k == "Action" && !v.is_empty())
        .is_some();
    let lent = if body_action {
        None
    } else {
        match query_action(Some(query)) {
            Ok(a) => a,
            Err(e) => {
                assert_eq!(result.as_ref().err(), Some(&e), "undecodable query");
                return;
            }
        }
    };
    let r = match result {
        Ok(r) => r,
        Err(e) => panic!("JSON object refused: {e:?}"),
    };
    assert_eq!(r.form, Form::Json);
    assert_eq!(r.canonical, canonical_json(&obj));
    assert_eq!(r.signature, signature.as_ref().and_then(scalar_string));
    assert_eq!(
        r.params.raw(SIGNATURE_KEY),
        None,
        "Signature kept as a parameter"
    );
    // Every flattened pair is a parameter, or its key is reported as given
    // twice: no value the signature covers is silently dropped.
    for (k, v) in &flat {
        if k == "Action" && lent.is_some() {
            continue;
        }
        assert!(
            r.params.raw(k) == Some(v.as_str()) || r.duplicates.contains(k),
            "flattened {k:?}={v:?} lost: params have {:?}, duplicates {:?}",
            r.params.raw(k),
            r.duplicates
        );
    }
    if let Some(a) = &lent {
        assert_eq!(r.params.raw("Action"), Some(a.as_str()));
    }
    for (k, _) in r.params.iter() {
        assert!(
            flat.iter().any(|(f, _)| f == k) || (k == "Action" && lent.is_some()),
            "parameter {k:?} from nowhere"
        );
    }
}
