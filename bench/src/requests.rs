//! Signed request bodies for the load: `DescribeCompShareCustomImages`,
//! `Limit` 20, form-encoded as the official Python SDK sends them, signed
//! with the mock's one signature implementation.

use compshare_protocol::signed;

use crate::fixtures::{PRIVATE_KEY, PUBLIC_KEY};

/// The action every benchmark request calls.
pub const ACTION: &str = "DescribeCompShareCustomImages";
/// The page size of every benchmark request.
pub const LIMIT: usize = 20;

/// The form body of a signed `DescribeCompShareCustomImages` page request.
pub fn page_body(offset: usize) -> Vec<u8> {
    let offset = offset.to_string();
    let limit = LIMIT.to_string();
    let pairs = signed::call(
        ACTION,
        &[
            ("Region", "cn-wlcb"),
            ("Zone", "cn-wlcb-01"),
            ("Limit", &limit),
            ("Offset", &offset),
        ],
        PUBLIC_KEY,
        PRIVATE_KEY,
    );
    signed::form_body(&pairs).into_bytes()
}

/// A small deterministic generator (xorshift64*) for the offsets: the same
/// seed gives the same load.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced, xorshift needs a bit set).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Where the pages of a load start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offsets {
    /// Uniformly random over every full page of a list of this many images.
    Random(usize),
    /// Always this offset.
    Fixed(usize),
}

/// `count` signed bodies for a load with these offsets (for a fixed offset
/// one body is enough).
pub fn bodies(offsets: Offsets, count: usize, seed: u64) -> Vec<bytes::Bytes> {
    match offsets {
        Offsets::Fixed(o) => vec![page_body(o).into()],
        Offsets::Random(total) => {
            let pages = total.saturating_sub(LIMIT) + 1;
            let mut rng = Rng::new(seed);
            (0..count)
                .map(|_| page_body(rng.below(pages)).into())
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_carries_every_parameter_and_a_signature_that_verifies() {
        let body = String::from_utf8(page_body(40)).unwrap();
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Offset"), Some("40"));
        assert_eq!(get("Limit"), Some("20"));
        let signed: Vec<(&str, &str)> = pairs
            .iter()
            .filter(|(k, _)| k != "Signature")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let canonical = compshare_protocol::signature::canonical_flat(signed);
        assert_eq!(
            compshare_protocol::signature::verify(&canonical, PRIVATE_KEY, get("Signature")),
            Ok(())
        );
    }

    #[test]
    fn random_offsets_stay_on_full_pages() {
        let mut rng = Rng::new(3);
        let pages = 1000 - LIMIT + 1;
        let draws: Vec<usize> = (0..10_000).map(|_| rng.below(pages)).collect();
        assert!(draws.iter().all(|o| o + LIMIT <= 1000));
        assert!(draws.contains(&0) && draws.contains(&(pages - 1)));
    }
}
