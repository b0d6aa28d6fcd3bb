//! Request forms → a flat parameter map plus what the signature covers
//! (`docs/PROTOCOL.md` §1): POST form-urlencoded, POST JSON, and GET with a query
//! string. Pure: bytes in, a `WireRequest` or a `WireError` out.

use percent_encoding::percent_decode;
use serde_json::Value;

use crate::encode::{flatten, scalar_string};
use crate::params::Params;
use crate::signature::{canonical_json, SIGNATURE_KEY};

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

impl Form {
    /// The name the journal gives it: `form`, `json` or `query`.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Form => "form",
            Form::Json => "json",
            Form::Query => "query",
        }
    }
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
        return from_pairs(Decoded::of(query.as_bytes())?, Form::Query);
    }
    let mime = content_type
        .map(|ct| ct.split(';').next().unwrap_or("").trim())
        .unwrap_or_default();
    let mut req =
        if mime.is_empty() || mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            // curl -d without -H sends form; a body with no type is read as form too.
            from_pairs(Decoded::of(body)?, Form::Form)?
        } else if mime.eq_ignore_ascii_case("application/json") {
            from_json(body)?
        } else {
            return Err(WireError::UnsupportedMediaType(
                crate::clip(&mime.to_ascii_lowercase()).into_owned(),
            ));
        };
    // The Go SDK repeats `?Action=` in the URL of a POST; only the body is
    // signed, so the query only supplies an Action the body lacks.
    if req.params.get("Action").is_none() {
        let query = Decoded::of(query.as_bytes())?;
        let action = query
            .pairs()
            .find(|(k, _)| *k == "Action")
            .map(|(_, v)| v.to_owned());
        if let Some(action) = action {
            req.params.insert("Action", action);
        }
    }
    Ok(req)
}

/// Splits `a=1&b=2` and percent-decodes keys and values (`+` is a space).
/// Empty segments and segments with an empty key are skipped.
pub fn decode_pairs(input: &[u8]) -> Result<Vec<(String, String)>, WireError> {
    let d = Decoded::of(input)?;
    Ok(d.pairs()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

/// Decoded pairs, in the order given: keys and values back to back in one
/// string, with where each pair lies (key start, key end, value end).
struct Decoded {
    text: String,
    spans: Vec<(usize, usize, usize)>,
}

impl Decoded {
    fn of(input: &[u8]) -> Result<Decoded, WireError> {
        // The common case: nothing escaped and all of it UTF-8, so every
        // piece between `&` and `=` (ASCII: cuts on character boundaries) is
        // UTF-8 too and is copied as it is. One pass over the bytes.
        if let Ok(all) = std::str::from_utf8(input) {
            let mut d = Decoded::with_capacity(input.len());
            let (mut seg, mut eq) = (0, None);
            let mut i = 0;
            let plain = loop {
                match input.get(i).copied().unwrap_or(b'&') {
                    b'+' | b'%' => break false,
                    b'=' if eq.is_none() => eq = Some(i),
                    b'&' => {
                        let (k, v) = match eq {
                            Some(e) => (&all[seg..e], &all[e + 1..i]),
                            None => (&all[seg..i], ""),
                        };
                        if !k.is_empty() {
                            d.push(k, v);
                        }
                        if i >= input.len() {
                            break true;
                        }
                        seg = i + 1;
                        eq = None;
                    }
                    _ => {}
                }
                i += 1;
            };
            if plain {
                return Ok(d);
            }
        }
        Decoded::of_escaped(input)
    }

    fn with_capacity(bytes: usize) -> Decoded {
        Decoded {
            text: String::with_capacity(bytes),
            spans: Vec::with_capacity(8),
        }
    }

    /// Appends a pair.
    fn push(&mut self, key: &str, value: &str) {
        let start = self.text.len();
        self.text.push_str(key);
        let mid = self.text.len();
        self.text.push_str(value);
        self.spans.push((start, mid, self.text.len()));
    }

    /// [`Decoded::of`] for input with escapes (or not UTF-8 as it stands).
    fn of_escaped(input: &[u8]) -> Result<Decoded, WireError> {
        let mut d = Decoded::with_capacity(input.len());
        for seg in input.split(|b| *b == b'&') {
            if seg.is_empty() {
                continue;
            }
            let (k, v) = match seg.iter().position(|b| *b == b'=') {
                Some(i) => (&seg[..i], &seg[i + 1..]),
                None => (seg, &b""[..]),
            };
            let start = d.text.len();
            decode_into(k, &mut d.text).map_err(|_| WireError::InvalidUtf8(lossy(k)))?;
            let mid = d.text.len();
            if mid == start {
                continue;
            }
            decode_into(v, &mut d.text)
                .map_err(|_| WireError::InvalidUtf8(clip_name(&d.text[start..mid])))?;
            d.spans.push((start, mid, d.text.len()));
        }
        Ok(d)
    }

    fn key(&self, s: &(usize, usize, usize)) -> &str {
        &self.text[s.0..s.1]
    }

    fn value(&self, s: &(usize, usize, usize)) -> &str {
        &self.text[s.1..s.2]
    }

    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans.iter().map(|s| (self.key(s), self.value(s)))
    }
}

/// Appends the decoding of `raw` to `out`; nothing is appended when it is
/// not UTF-8.
fn decode_into(raw: &[u8], out: &mut String) -> Result<(), std::str::Utf8Error> {
    if !raw.iter().any(|b| *b == b'+' || *b == b'%') {
        // Nothing to decode: one copy.
        out.push_str(std::str::from_utf8(raw)?);
        return Ok(());
    }
    let plus: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let decoded: Vec<u8> = percent_decode(&plus).collect();
    out.push_str(std::str::from_utf8(&decoded)?);
    Ok(())
}

/// The most characters of a parameter name a refusal echoes.
const MAX_NAME_ECHO: usize = 64;

fn lossy(raw: &[u8]) -> String {
    clip_name(&String::from_utf8_lossy(raw))
}

fn clip_name(name: &str) -> String {
    name.chars().take(MAX_NAME_ECHO).collect()
}

/// The request of decoded pairs: the canonical string over all of them in
/// the order given, then the rest as [`index`] has it.
fn from_pairs(d: Decoded, form: Form) -> Result<WireRequest, WireError> {
    let mut canonical = String::new();
    let (params, signature, duplicates) = index(d, Some(&mut canonical));
    Ok(WireRequest {
        params,
        canonical,
        signature,
        duplicates,
        form,
    })
}

/// Pairs in the order given, indexed: `Signature` split off (the last one
/// given), every repetition of a key reported in the order it came, and
/// the last value of each key kept. One sort, however many pairs. With
/// `canonical`, also writes the canonical string there: every pair but the
/// signatures, by key, a key's pairs in the order given — the order of that
/// sort (as [`canonical_flat`](super::signature::canonical_flat) has it).
fn index(d: Decoded, canonical: Option<&mut String>) -> (Params, Option<String>, Vec<String>) {
    let mut signature = None;
    let mut repeats: Vec<(usize, &str)> = Vec::new();
    // Every pair but the signatures, with its position.
    let mut order: Vec<(usize, (usize, usize, usize))> = Vec::with_capacity(d.spans.len());
    for (pos, span) in d.spans.iter().enumerate() {
        if d.key(span) == SIGNATURE_KEY {
            if signature.replace(d.value(span).to_owned()).is_some() {
                repeats.push((pos, SIGNATURE_KEY));
            }
        } else {
            order.push((pos, *span));
        }
    }
    // By key, and for one key in the order given.
    order.sort_by(|a, b| d.key(&a.1).cmp(d.key(&b.1)).then(a.0.cmp(&b.0)));
    if let Some(out) = canonical {
        out.reserve(order.iter().map(|(_, (start, _, end))| end - start).sum());
        for (_, (start, _, end)) in &order {
            // Key and value lie back to back: the pair as the string has it.
            out.push_str(&d.text[*start..*end]);
        }
    }
    let mut kept: Vec<(usize, usize, usize)> = Vec::with_capacity(order.len());
    for (pos, span) in order {
        match kept.last_mut() {
            Some(last) if d.key(last) == d.key(&span) => {
                repeats.push((pos, d.key(&span)));
                *last = span;
            }
            _ => kept.push(span),
        }
    }
    repeats.sort_by_key(|(pos, _)| *pos);
    let duplicates = repeats.into_iter().map(|(_, k)| k.to_owned()).collect();
    (Params::from_sorted(d.text, kept), signature, duplicates)
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
    // (`Signature` was taken out above: no flattened key is `Signature`.)
    let mut d = Decoded::with_capacity(body.len());
    for (k, v) in flatten(&obj) {
        d.push(&k, &v);
    }
    let (params, _, duplicates) = index(d, None);
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
    fn repetitions_are_reported_in_order_and_the_last_value_wins() {
        let r = parse(
            Verb::Post,
            None,
            None,
            b"A=1&Signature=s1&B=2&A=3&Signature=s2&A=4&=x&C",
        )
        .unwrap();
        assert_eq!(r.duplicates, ["A", "Signature", "A"]);
        assert_eq!(r.signature.as_deref(), Some("s2"));
        assert_eq!(
            r.params.iter().collect::<Vec<_>>(),
            [("A", "4"), ("B", "2"), ("C", "")]
        );
        assert_eq!(r.canonical, "A1A3A4B2C");
        assert!(parse(Verb::Post, None, None, b"=%ff&a=1").is_ok());
        assert_eq!(
            parse(Verb::Post, None, None, b"a=%ff").unwrap_err(),
            WireError::InvalidUtf8("a".into())
        );
        assert_eq!(
            parse(Verb::Post, None, None, b"%ff=1").unwrap_err(),
            WireError::InvalidUtf8("%ff".into())
        );
        assert_eq!(
            decode_pairs(b"a+b=c%20d&&e").unwrap(),
            [
                ("a b".to_owned(), "c d".to_owned()),
                ("e".to_owned(), String::new())
            ]
        );
    }

    #[test]
    fn an_unsupported_media_type_is_named_clipped() {
        let ct = format!("text/{}", "x".repeat(10_000));
        let e = parse(Verb::Post, None, Some(&ct), b"a=1").unwrap_err();
        let WireError::UnsupportedMediaType(m) = e else {
            panic!("{e:?}")
        };
        assert!(m.starts_with("text/xxx") && m.ends_with('…'), "{m}");
        assert!(m.len() <= crate::MAX_ECHO + '…'.len_utf8());
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

    proptest::proptest! {
        #[test]
        fn plain_input_decodes_as_the_escaped_path_decodes_it(
            input in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'B', b'=', b'&', b'.', b'1', b' ', 0xc3, 0xa9]),
                0..40,
            )
        ) {
            let fast = Decoded::of(&input);
            let slow = Decoded::of_escaped(&input);
            match (fast, slow) {
                (Ok(f), Ok(s)) => {
                    proptest::prop_assert_eq!(f.text, s.text);
                    proptest::prop_assert_eq!(f.spans, s.spans);
                }
                (Err(f), Err(s)) => proptest::prop_assert_eq!(f, s),
                (f, s) => proptest::prop_assert!(false, "{:?} against {:?}", f.is_ok(), s.is_ok()),
            }
        }
    }

    #[test]
    fn the_canonical_string_is_the_signature_modules() {
        let bodies: [&[u8]; 5] = [
            b"Zone=z&Action=A&Signature=s1&B=2&B=1&A=x&Signature=s2&Limit=20",
            b"b=1&a=2&b=3&a.x=4&a-y=5&%41=6&=7&c",
            b"Action=DescribeX&PublicKey=k%2B1&Name=a+b&Signature=0f",
            b"",
            b"Signature=only",
        ];
        for body in bodies {
            let r = parse(Verb::Post, None, None, body).unwrap();
            let pairs = decode_pairs(body).unwrap();
            let want = crate::signature::canonical_flat(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            assert_eq!(r.canonical, want, "{}", String::from_utf8_lossy(body));
        }
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
