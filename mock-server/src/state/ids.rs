//! Resource ids in the real formats (`uhost-…`, `compshareImage-…`), from a
//! seedable generator so a seeded mock produces the same ids every run.

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// A small deterministic generator (splitmix64): the same seed gives the same
/// sequence of ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    /// A generator with this seed.
    pub fn seeded(seed: u64) -> Self {
        IdGen { state: seed }
    }

    /// A generator seeded from the time and process, for unseeded runs.
    pub fn random() -> Self {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        IdGen::seeded(t ^ (u64::from(std::process::id()) << 32))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `prefix` followed by `len` base-36 characters.
    pub fn id(&mut self, prefix: &str, len: usize) -> String {
        let mut s = String::with_capacity(prefix.len() + len);
        s.push_str(prefix);
        for _ in 0..len {
            s.push(ALPHABET[(self.next_u64() % 36) as usize] as char);
        }
        s
    }

    /// A version-4 style UUID string.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        // Version 4, variant 1: the uuid crate sets those bits and writes
        // the text without the formatter (this runs for every answer).
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&b.to_be_bytes());
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        id.hyphenated()
            .encode_lower(&mut uuid::Uuid::encode_buffer())
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_is_a_version_4_uuid_of_the_generator_output() {
        let mut g = IdGen::seeded(42);
        let mut h = IdGen::seeded(42);
        for _ in 0..100 {
            let (a, b) = (h.next_u64(), h.next_u64());
            let expected = format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                a >> 32,
                (a >> 16) & 0xffff,
                a & 0x0fff,
                0x8000 | ((b >> 48) & 0x3fff),
                b & 0xffff_ffff_ffff
            );
            assert_eq!(g.uuid(), expected);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let mut a = IdGen::seeded(7);
        let mut b = IdGen::seeded(7);
        let x = a.id("uhost-", 8);
        assert_eq!(x, b.id("uhost-", 8));
        assert!(x.starts_with("uhost-") && x.len() == 14);
        assert_ne!(a.id("uhost-", 8), x);
        assert_eq!(a.uuid().len(), 36);
    }
}
