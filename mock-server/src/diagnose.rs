//! Signature diagnostics: for a request refused with 171, likely causes a
//! user can act on, recognised from the request itself.

use compshare_protocol::catalogue::Action;
use compshare_protocol::request::WireRequest;

/// Hints for a signature mismatch of `req` (for `action`, when known).
pub fn signature_hints(req: &WireRequest, action: Option<&Action>) -> Vec<String> {
    let mut hints = Vec::new();
    for (k, v) in req.params.iter() {
        if v == "True" || v == "False" {
            hints.push(format!(
                "{k} is `{v}`: the SDKs send booleans as `true`/`false`; a value signed one way and sent another does not match"
            ));
        }
        if looks_like_integral_float(v) {
            hints.push(format!(
                "{k} is `{v}`: the SDKs write an integral float as an integer (`{}`)",
                v.split('.').next().unwrap_or(v)
            ));
        }
        if looks_percent_encoded(v) {
            hints.push(format!(
                "{k} is `{v}` after decoding: it still looks percent-encoded, so it was encoded twice or signed before encoding"
            ));
        }
        if let Some(a) = action {
            if let Some(p) = a
                .request
                .iter()
                .find(|p| p.name != k && p.name.eq_ignore_ascii_case(k))
            {
                hints.push(format!(
                    "{k} differs from the parameter {} only in case: keys are case-sensitive",
                    p.name
                ));
            }
        }
    }
    for k in &req.duplicates {
        hints.push(format!(
            "{k} is sent more than once: every copy is signed, in the order sent"
        ));
    }
    if let Some(sig) = &req.signature {
        if sig.len() == 40 && sig.bytes().any(|b| b.is_ascii_uppercase()) {
            hints.push(
                "Signature has upper-case hex digits: it must be lower-case SHA-1 hex".to_owned(),
            );
        } else if sig.len() != 40 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
            hints
                .push("Signature is not 40 hex digits: it must be the SHA-1 hex digest".to_owned());
        }
    }
    if hints.is_empty() {
        hints.push(
            "no recognisable cause in the parameters: check the private key, and that the signed string is sorted key+value pairs without separators followed by the private key"
                .to_owned(),
        );
    }
    hints
}

fn looks_like_integral_float(v: &str) -> bool {
    let Some((int, frac)) = v.split_once('.') else {
        return false;
    };
    let int = int.strip_prefix('-').unwrap_or(int);
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
}

fn looks_percent_encoded(v: &str) -> bool {
    let b = v.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use compshare_protocol::catalogue::Catalogue;
    use compshare_protocol::request::{parse, Verb};

    fn hints(body: &str) -> Vec<String> {
        let req = parse(Verb::Post, None, None, body.as_bytes()).unwrap();
        signature_hints(&req, Catalogue::get().action("DescribeCompShareInstance"))
    }

    #[test]
    fn each_recognisable_cause_gets_its_hint() {
        assert!(
            hints("WithoutGpu=True&Signature=0000000000000000000000000000000000000000")[0]
                .contains("`true`/`false`")
        );
        assert!(hints("Limit=42.0")[0].contains("(`42`)"));
        assert!(hints("Name=a%252Fb")[0].contains("percent-encoded"));
        assert!(hints("limit=1")[0].contains("only in case"));
        assert!(hints("A=1&A=2")[0].contains("more than once"));
        assert!(
            hints("Signature=ABCDEF0000000000000000000000000000000000")[0].contains("upper-case")
        );
        assert!(hints("Limit=1")[0].contains("private key"));
    }
}
