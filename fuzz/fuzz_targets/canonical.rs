//! The signature canonicaliser: `canonical_flat`, `canonical_json`,
//! `sign_flat`, `sign_json`, `verify`, and the value encoding `flatten` /
//! `scalar_string`, on arbitrary pairs and arbitrary JSON. It checks that the
//! flat canonical string does not depend on the order of the pairs and never
//! contains `Signature`, that the JSON one does not depend on key order, that
//! a flat JSON body signs like the same form, that `verify` accepts exactly
//! the digest of the canonical string, and that numbers are written without
//! exponent and read back to the same value.
//!
//! Input layout (front to back): the private key (one-byte length, bytes);
//! a pair count (one byte, modulo 32) and that many pairs, key then value,
//! each a one-byte length and bytes; eight bytes of shuffle seed; then a JSON
//! object read by `json_object` from the rest.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};
use compshare_protocol::encode::{flatten, number_string, scalar_string};
use compshare_protocol::signature::{
    canonical_flat, canonical_json, digest, sign_flat, sign_json, verify, SignatureError,
    SIGNATURE_KEY,
};
use compshare_mock_fuzz::{byte, choice, short_bytes, text, u64_le};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};

#[derive(Debug)]
struct Input {
    private_key: String,
    pairs: Vec<(String, String)>,
    shuffle: u64,
    json: Map<String, Value>,
}

/// How deep the JSON read from the input may nest.
const MAX_DEPTH: usize = 6;

/// A JSON value: one tag byte (modulo 8) then its content.
fn json_value(u: &mut Unstructured<'_>, depth: usize) -> Value {
    let tag = choice(u, 8);
    match tag {
        0 => Value::Null,
        1 => Value::Bool(byte(u) & 1 == 1),
        2 => Value::from(u64_le(u) as i64),
        3 => Value::from(u64_le(u)),
        4 => Number::from_f64(f64::from_bits(u64_le(u)))
            .map(Value::Number)
            .unwrap_or(Value::Null),
        6 if depth < MAX_DEPTH => {
            let n = choice(u, 8);
            Value::Array((0..n).map(|_| json_value(u, depth + 1)).collect())
        }
        7 if depth < MAX_DEPTH => Value::Object(json_object(u, depth + 1)),
        _ => Value::String(text(short_bytes(u))),
    }
}

/// A JSON object: a member count (one byte, modulo 8), then for each a key
/// (one-byte length, bytes) and a value.
fn json_object(u: &mut Unstructured<'_>, depth: usize) -> Map<String, Value> {
    let n = choice(u, 8);
    (0..n)
        .map(|_| (text(short_bytes(u)), json_value(u, depth)))
        .collect()
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let private_key = text(short_bytes(u));
        let n = choice(u, 32);
        let pairs = (0..n)
            .map(|_| (text(short_bytes(u)), text(short_bytes(u))))
            .collect();
        let shuffle = u64_le(u);
        let json = json_object(u, 0);
        Ok(Input {
            private_key,
            pairs,
            shuffle,
            json,
        })
    }
}

/// A permutation of `items` drawn from `seed` (xorshift Fisher–Yates).
fn shuffled<T: Clone>(items: &[T], mut seed: u64) -> Vec<T> {
    let mut out = items.to_vec();
    seed |= 1;
    for i in (1..out.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    out
}

fn refs(pairs: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

fuzz_target!(|input: Input| {
    check_flat(&input);
    check_json(&input);
    check_verify(&canonical_flat(refs(&input.pairs)), &input.private_key);
    check_verify(&canonical_json(&input.json), &input.private_key);
});

fn check_flat(input: &Input) {
    let pairs = &input.pairs;
    let canonical = canonical_flat(refs(pairs));

    // The reference: keys in byte order, a repeated key's values in the
    // order given, Signature left out.
    let mut by_key: BTreeMap<&[u8], Vec<(&str, &str)>> = BTreeMap::new();
    for (k, v) in refs(pairs).filter(|(k, _)| *k != SIGNATURE_KEY) {
        by_key.entry(k.as_bytes()).or_default().push((k, v));
    }
    let reference: String = by_key
        .values()
        .flatten()
        .flat_map(|(k, v)| [*k, *v])
        .collect();
    assert_eq!(canonical, reference);

    // Order does not matter once each key is given once.
    let mut unique: Vec<(String, String)> = Vec::new();
    for (k, v) in pairs {
        if !unique.iter().any(|(u, _)| u == k) {
            unique.push((k.clone(), v.clone()));
        }
    }
    let once = canonical_flat(refs(&unique));
    let permuted = shuffled(&unique, input.shuffle);
    assert_eq!(canonical_flat(refs(&permuted)), once, "depends on order");

    // Signature is never part of it, wherever it stands.
    let mut with_sig = permuted.clone();
    let at = (input.shuffle as usize) % (with_sig.len() + 1);
    with_sig.insert(at, (SIGNATURE_KEY.to_owned(), "0123abcd".to_owned()));
    assert_eq!(
        canonical_flat(refs(&with_sig)),
        once,
        "Signature was signed"
    );
    assert_eq!(
        sign_flat(refs(&with_sig), &input.private_key),
        digest(&once, &input.private_key)
    );
}

fn check_json(input: &Input) {
    let body = &input.json;
    let canonical = canonical_json(body);

    // Key order does not matter, at any depth.
    let reversed = reverse_keys(&Value::Object(body.clone()));
    let Value::Object(reversed) = reversed else {
        unreachable!()
    };
    assert_eq!(canonical_json(&reversed), canonical, "depends on key order");

    // A top-level Signature is never signed; a nested one is an ordinary key.
    let mut with_sig = body.clone();
    with_sig.insert(SIGNATURE_KEY.to_owned(), Value::from("0123abcd"));
    assert_eq!(
        canonical_json(&with_sig),
        canonical_json(&without_sig(body))
    );
    assert_eq!(
        sign_json(&with_sig, &input.private_key),
        digest(&canonical_json(&without_sig(body)), &input.private_key)
    );

    // Length: every signed key and every scalar's wire string, nothing else.
    assert_eq!(
        canonical.len(),
        signed_len(body, true),
        "canonical {canonical:?}"
    );

    // A body of scalars signs exactly like the same parameters in a form.
    let flat = flatten(&without_sig(body));
    if body.values().all(|v| !v.is_array() && !v.is_object()) {
        assert_eq!(
            canonical,
            canonical_flat(refs(&flat)),
            "flat JSON signs unlike its form"
        );
    }

    // flatten: one pair per non-null scalar, under a dotted path that starts
    // with its top-level key.
    assert_eq!(flat.len(), leaves(&Value::Object(without_sig(body))));
    for (k, _) in &flat {
        assert!(
            body.keys()
                .any(|top| k == top || k.starts_with(&format!("{top}."))),
            "flattened key {k:?} has no top-level key"
        );
    }
    check_numbers(&Value::Object(body.clone()));
}

fn without_sig(body: &Map<String, Value>) -> Map<String, Value> {
    let mut b = body.clone();
    b.remove(SIGNATURE_KEY);
    b
}

fn reverse_keys(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reverse_keys(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(reverse_keys).collect()),
        other => other.clone(),
    }
}

/// The length the canonical string of `obj` must have.
fn signed_len(obj: &Map<String, Value>, top: bool) -> usize {
    obj.iter()
        .filter(|(_, v)| !v.is_null())
        .filter(|(k, _)| !top || k.as_str() != SIGNATURE_KEY)
        .map(|(k, v)| k.len() + value_len(v))
        .sum()
}

fn value_len(v: &Value) -> usize {
    match v {
        Value::Array(items) => items.iter().map(value_len).sum(),
        Value::Object(o) => signed_len(o, false),
        scalar => scalar_string(scalar).map_or(0, |s| s.len()),
    }
}

fn leaves(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Array(items) => items.iter().map(leaves).sum(),
        Value::Object(o) => o.values().map(leaves).sum(),
        _ => 1,
    }
}

/// Numbers are written as the SDKs write them: no exponent, an integral
/// value without a fraction, and read back to the same value.
fn check_numbers(v: &Value) {
    match v {
        Value::Number(n) => {
            let s = number_string(n);
            assert!(!s.contains(['e', 'E']), "{n} written as {s}");
            if let Some(i) = n.as_i64() {
                assert_eq!(s, i.to_string());
            } else if let Some(u) = n.as_u64() {
                assert_eq!(s, u.to_string());
            } else if let Some(f) = n.as_f64() {
                assert_eq!(s.parse::<f64>().ok(), Some(f), "{n} written as {s}");
                if f.fract() == 0.0 {
                    assert!(!s.contains('.'), "integral {n} written as {s}");
                }
            }
            assert_eq!(scalar_string(v).as_deref(), Some(s.as_str()));
        }
        Value::Array(a) => a.iter().for_each(check_numbers),
        Value::Object(o) => o.values().for_each(check_numbers),
        _ => {}
    }
}

/// `verify` accepts the digest of the canonical string under the key and
/// refuses a changed digest, a changed string and a missing one.
fn check_verify(canonical: &str, key: &str) {
    let good = digest(canonical, key);
    assert_eq!(good.len(), 40);
    assert!(good
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert_eq!(verify(canonical, key, Some(&good)), Ok(()));
    assert_eq!(verify(canonical, key, None), Err(SignatureError::Missing));
    let mut changed = good.clone().into_bytes();
    changed[0] = if changed[0] == b'0' { b'1' } else { b'0' };
    let changed = String::from_utf8(changed).unwrap_or_default();
    assert_eq!(
        verify(canonical, key, Some(&changed)),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(canonical, key, Some(&good[..39])),
        Err(SignatureError::Mismatch)
    );
    if good.bytes().any(|b| b.is_ascii_alphabetic()) {
        assert_eq!(
            verify(canonical, key, Some(&good.to_uppercase())),
            Err(SignatureError::Mismatch)
        );
    }
    let longer = format!("{canonical}x");
    assert_eq!(
        verify(&longer, key, Some(&good)),
        Err(SignatureError::Mismatch)
    );
}
