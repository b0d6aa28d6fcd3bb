//! Signed requests as the official SDKs build them, for every client of the
//! workspace that writes one: the Rust client, the contract suite, the
//! mock's own tests, the benchmarks and the fuzz targets. One builder, on top
//! of the one signature implementation, so no test carries a signer that
//! drifts from the verifier.
//!
//! ```
//! use compshare_protocol::signed;
//! let pairs = signed::call("DescribeCompShareCustomImages", &[("Region", "cn-wlcb")],
//!                          "my_public_key", "my_private_key");
//! let body = signed::form_body(&pairs);
//! assert!(body.starts_with("Region=cn-wlcb&Action=DescribeCompShareCustomImages&PublicKey=my_public_key&Signature="));
//! ```

use serde_json::{Map, Value};

use crate::signature::{sign_flat, sign_json, SIGNATURE_KEY};

/// The pairs of a call as the Python SDK builds them: the caller's
/// parameters in order, then `Action`, then `PublicKey` (each unless already
/// given). Not yet signed.
pub fn call_pairs(
    action: &str,
    params: &[(&str, &str)],
    public_key: &str,
) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if !pairs.iter().any(|(k, _)| k == "Action") {
        pairs.push(("Action".to_owned(), action.to_owned()));
    }
    if !pairs.iter().any(|(k, _)| k == "PublicKey") {
        pairs.push(("PublicKey".to_owned(), public_key.to_owned()));
    }
    pairs
}

/// The signature of flat pairs under a private key (`Signature` itself is
/// never signed).
pub fn signature_of(pairs: &[(String, String)], private_key: &str) -> String {
    sign_flat(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        private_key,
    )
}

/// Appends `Signature` to flat pairs, signed with `private_key`.
pub fn sign(mut pairs: Vec<(String, String)>, private_key: &str) -> Vec<(String, String)> {
    let signature = signature_of(&pairs, private_key);
    pairs.push((SIGNATURE_KEY.to_owned(), signature));
    pairs
}

/// The signed pairs of a call: [`call_pairs`] then [`sign`].
pub fn call(
    action: &str,
    params: &[(&str, &str)],
    public_key: &str,
    private_key: &str,
) -> Vec<(String, String)> {
    sign(call_pairs(action, params, public_key), private_key)
}

/// Pairs as a form body (or query string), percent-encoded, in order.
pub fn form_body(pairs: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

/// A signed JSON body: `Action` and `PublicKey` added (unless given), then
/// `Signature` computed as the Go SDK signs nested JSON values.
pub fn json(
    action: &str,
    params: &Map<String, Value>,
    public_key: &str,
    private_key: &str,
) -> Map<String, Value> {
    let mut body = params.clone();
    body.entry("Action")
        .or_insert_with(|| Value::String(action.to_owned()));
    body.entry("PublicKey")
        .or_insert_with(|| Value::String(public_key.to_owned()));
    let signature = sign_json(&body, private_key);
    body.insert(SIGNATURE_KEY.to_owned(), Value::String(signature));
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::{canonical_flat, verify};

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn form_encoding_escapes_what_would_break_the_body() {
        assert_eq!(
            form_body(&pairs(&[("Name", "a b&c=d+e%"), ("X", "中")])),
            "Name=a+b%26c%3Dd%2Be%25&X=%E4%B8%AD"
        );
    }

    #[test]
    fn call_pairs_add_action_and_public_key_after_the_params_unless_given() {
        assert_eq!(
            call_pairs("A", &[("Region", "r")], "pk"),
            pairs(&[("Region", "r"), ("Action", "A"), ("PublicKey", "pk")])
        );
        assert_eq!(
            call_pairs("A", &[("PublicKey", "other"), ("Action", "B")], "pk"),
            pairs(&[("PublicKey", "other"), ("Action", "B")])
        );
    }

    #[test]
    fn a_signed_call_verifies_and_matches_the_published_vector() {
        // docs/PROTOCOL.md §3: foo=bar, PublicKey=my_public_key.
        let signed = sign(
            pairs(&[("foo", "bar"), ("PublicKey", "my_public_key")]),
            "my_private_key",
        );
        assert_eq!(signed[2].1, "d4411ab30953fb0bbcb1e7313081f05e4e91a394");
        let signed = call("X", &[("Region", "r")], "pk", "sk");
        let canonical = canonical_flat(signed[..3].iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(verify(&canonical, "sk", Some(&signed[3].1)), Ok(()));
    }
}
