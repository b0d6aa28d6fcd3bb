//! The CompShare request signature (`docs/PROTOCOL.md` §3), shared by the mock's
//! verifier and the client's signer so the two can never drift apart.
//!
//! The signature is SHA-1 over every parameter but `Signature`, sorted by key
//! in byte order, written as `key` + `value` with no separators, followed by
//! the private key. JSON bodies sign nested values as the Go SDK does: an array
//! as the concatenation of its elements, an object as its own sorted
//! `key` + `value` concatenation, and `null` as the empty string (the Go SDK
//! sends an unset slice as `"X": null` and signs it as `X` followed by nothing;
//! PROTOCOL.md §8).

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::encode::scalar_string;

/// The name of the parameter that carries the signature; never signed itself.
pub const SIGNATURE_KEY: &str = "Signature";

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// The `Signature` parameter is absent.
    Missing,
    /// The signature does not match the one computed over the parameters.
    Mismatch,
}

/// The canonical string of flat parameters: sorted `key` + `value`, without
/// `Signature` and without the private key.
///
/// Keys are sorted here, so the order of `params` does not matter; a key
/// given twice keeps both values, in the order given (callers reject
/// duplicates before they get here).
pub fn canonical_flat<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, _)| *k != SIGNATURE_KEY)
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len()).sum());
    for (k, v) in pairs {
        out.push_str(k);
        out.push_str(v);
    }
    out
}

/// The canonical string of a JSON body, signing nested values as the Go SDK
/// does; `Signature` is left out and a `null` member signs as its key alone.
pub fn canonical_json(body: &Map<String, Value>) -> String {
    let mut out = String::new();
    push_object(&mut out, body, true);
    out
}

fn push_object(out: &mut String, obj: &Map<String, Value>, top: bool) {
    let mut keys: Vec<&String> = obj
        .keys()
        .filter(|k| !(top && k.as_str() == SIGNATURE_KEY))
        .collect();
    keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    for k in keys {
        out.push_str(k);
        push_value(out, &obj[k.as_str()]);
    }
}

fn push_value(out: &mut String, v: &Value) {
    match v {
        Value::Array(items) => items.iter().for_each(|item| push_value(out, item)),
        Value::Object(obj) => push_object(out, obj, false),
        scalar => {
            if let Some(s) = scalar_string(scalar) {
                out.push_str(&s);
            }
        }
    }
}

/// SHA-1 of the canonical string followed by the private key, lower-case hex.
pub fn digest(canonical: &str, private_key: &str) -> String {
    let mut h = Sha1::new();
    h.update(canonical.as_bytes());
    h.update(private_key.as_bytes());
    hex::encode(h.finalize())
}

/// Signs flat parameters: the value to send as `Signature`.
pub fn sign_flat<'a, I>(params: I, private_key: &str) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    digest(&canonical_flat(params), private_key)
}

/// Signs a JSON body: the value to put in it as `Signature`.
pub fn sign_json(body: &Map<String, Value>, private_key: &str) -> String {
    digest(&canonical_json(body), private_key)
}

/// Checks `given` against the signature of `canonical` under `private_key`,
/// in constant time so the comparison leaks nothing about the expected value.
pub fn verify(
    canonical: &str,
    private_key: &str,
    given: Option<&str>,
) -> Result<(), SignatureError> {
    let given = given.ok_or(SignatureError::Missing)?;
    let mut h = Sha1::new();
    h.update(canonical.as_bytes());
    h.update(private_key.as_bytes());
    let mut expected = [0u8; 40];
    // 20 bytes always fit 40 hex digits.
    let _ = hex::encode_to_slice(h.finalize(), &mut expected);
    if bool::from(expected.as_slice().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const UCLOUD_PUB: &str = "ucloudsomeone@example.com1296235120854146120";
    const UCLOUD_PRIV: &str = "46f09bb9fab4f12dfc160dae12273d5332b5debe";

    #[test]
    fn vector_1_foo_bar_without_public_key() {
        assert_eq!(
            sign_flat([("foo", "bar")], "my_private_key"),
            "634edc1bb957c0d65e5ab5494cf3b7784fbc87af"
        );
    }

    #[test]
    fn vector_2_foo_bar_with_public_key() {
        assert_eq!(
            sign_flat(
                [("foo", "bar"), ("PublicKey", "my_public_key")],
                "my_private_key"
            ),
            "d4411ab30953fb0bbcb1e7313081f05e4e91a394"
        );
    }

    #[test]
    fn vector_3_describe_uhost_instance() {
        let p = [
            ("Action", "DescribeUHostInstance"),
            ("Region", "cn-bj2"),
            ("Limit", "10"),
            ("PublicKey", UCLOUD_PUB),
        ];
        assert_eq!(
            sign_flat(p, UCLOUD_PRIV),
            "cba5cf5ec4d4233d206b1b54951e3787350a642f"
        );
    }

    #[test]
    fn vector_4_create_uhost_instance() {
        let p = [
            ("Action", "CreateUHostInstance"),
            ("CPU", "2"),
            ("ChargeType", "Month"),
            ("DiskSpace", "10"),
            ("ImageId", "f43736e1-65a5-4bea-ad2e-8a46e18883c2"),
            ("LoginMode", "Password"),
            ("Memory", "2048"),
            ("Name", "Host01"),
            ("Password", "VUNsb3VkLmNu"),
            ("PublicKey", UCLOUD_PUB),
            ("Quantity", "1"),
            ("Region", "cn-bj2"),
            ("Zone", "cn-bj2-04"),
        ];
        assert_eq!(
            sign_flat(p, UCLOUD_PRIV),
            "4f9ef5df2abab2c6fccd1e9515cb7e2df8c6bb65"
        );
    }

    #[test]
    fn the_python_sdk_request_from_the_protocol_verifies() {
        let p = [
            ("Region", "cn-wlcb"),
            ("Limit", "20"),
            ("Zone", "cn-wlcb-01"),
            ("Action", "DescribeCompShareCustomImages"),
            ("PublicKey", "my_public_key"),
        ];
        let canonical = canonical_flat(p);
        assert_eq!(
            verify(
                &canonical,
                "my_private_key",
                Some("680f842912a54b3c6e91d8e3ec1306deb6ca2cc7")
            ),
            Ok(())
        );
    }

    #[test]
    fn the_signature_parameter_is_never_signed() {
        let with = sign_flat([("foo", "bar"), ("Signature", "x")], "my_private_key");
        assert_eq!(with, "634edc1bb957c0d65e5ab5494cf3b7784fbc87af");
    }

    #[test]
    fn a_flat_json_body_signs_like_the_same_form() {
        let body = json!({"Action": "DescribeUHostInstance", "Region": "cn-bj2", "Limit": 10, "PublicKey": UCLOUD_PUB});
        assert_eq!(
            sign_json(body.as_object().unwrap(), UCLOUD_PRIV),
            "cba5cf5ec4d4233d206b1b54951e3787350a642f"
        );
    }

    #[test]
    fn nested_json_values_sign_as_concatenations() {
        let body = json!({"B": [1, true, "x"], "A": {"z": 1.5, "y": 42.0}, "Signature": "s"});
        assert_eq!(canonical_json(body.as_object().unwrap()), "Ay42z1.5B1truex");
    }

    #[test]
    fn a_null_member_signs_as_its_key_followed_by_nothing() {
        // The Go SDK's JSON encoder sends an unset slice as `null`; its
        // `auth.any2String` writes nil as the empty string, at any depth.
        // Canonical string written out by that algorithm, SHA-1 by hand.
        let body = json!({"Action": "DescribeCompShareInstance", "Region": "cn-wlcb", "UHostIds": null, "Limit": 10, "PublicKey": "my_public_key"});
        let body = body.as_object().unwrap();
        assert_eq!(
            canonical_json(body),
            "ActionDescribeCompShareInstanceLimit10PublicKeymy_public_keyRegioncn-wlcbUHostIds"
        );
        assert_eq!(
            sign_json(body, "my_private_key"),
            "0bba5fc72bb82141b47b673bc323c5848d925896"
        );
        let nested = json!({"A": [null, "x"], "B": {"c": null, "d": 1}, "E": null});
        assert_eq!(canonical_json(nested.as_object().unwrap()), "AxBcd1E");
    }

    #[test]
    fn verify_tells_missing_from_mismatch() {
        assert_eq!(verify("a", "k", None), Err(SignatureError::Missing));
        assert_eq!(verify("a", "k", Some("00")), Err(SignatureError::Mismatch));
        let good = digest("a", "k");
        assert_eq!(verify("a", "k", Some(&good)), Ok(()));
        assert_eq!(
            verify("a", "k", Some(&good.to_uppercase())),
            Err(SignatureError::Mismatch)
        );
    }
}
