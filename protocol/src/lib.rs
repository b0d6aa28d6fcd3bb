//! The CompShare API on the wire, shared by the mock and the client: how
//! parameters are encoded and flattened, how a received request is decoded
//! into flat parameters and its canonical string, the signature (sign and
//! verify), the gateway's RetCodes and messages, and the catalogue of
//! actions. Nothing here serves or sends; both sides build on it.
//!
//! The facts it encodes are written down in `docs/PROTOCOL.md`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalogue;
pub mod encode;
pub mod params;
pub mod request;
pub mod retcode;
pub mod signature;
pub mod signed;

/// The most bytes of a client-supplied name an answer or a log echoes.
pub const MAX_ECHO: usize = 256;

/// `s` cut to at most [`MAX_ECHO`] bytes on a character boundary, marked
/// with `…` when cut, so an answer never echoes a megabyte back.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_name_is_clipped_on_a_character_boundary_and_marked() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(MAX_ECHO);
        let c = clip(&long);
        assert!(c.len() <= MAX_ECHO + '…'.len_utf8());
        assert!(c.ends_with('…'));
    }
}
