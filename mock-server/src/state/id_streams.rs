//! Resource ids that never repeat for the life of a state file, a crash
//! included. Each kind of id (`uhost-`, `bsm-`, `compshareImage-`, …) is its
//! own stream: a keyed permutation (a Feistel network, cycle-walked onto the
//! `36^len` ids of the format) of a counter. The counter's high part is the
//! run's epoch, which a mock that loads a state file moves on and writes back
//! before it answers; ids of different epochs or counters are different ids,
//! so ids handed out before a crash and never saved cannot come again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::IdGen;

const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Ids of one kind one epoch can hand out: 16,777,216. A run that hands out
/// more moves on to the next epoch itself (saved with the state).
pub const IDS_PER_EPOCH: u64 = 1 << 24;

/// The id streams of a state: the key (the seed, or random), the epoch, and
/// how far each stream has gone in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdStreams {
    key: u64,
    epoch: u64,
    counters: BTreeMap<String, u64>,
}

impl Default for IdStreams {
    fn default() -> Self {
        IdStreams::seeded(0)
    }
}

/// What a state file holds: these streams, or the single generator older
/// files (format 1) kept.
#[derive(Deserialize)]
#[serde(untagged)]
enum Saved {
    Streams {
        key: u64,
        epoch: u64,
        counters: BTreeMap<String, u64>,
    },
    Single {
        state: u64,
    },
}

impl<'de> Deserialize<'de> for IdStreams {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Saved::deserialize(d)? {
            Saved::Streams {
                key,
                epoch,
                counters,
            } => IdStreams {
                key,
                epoch,
                counters,
            },
            // The old generator's ids are in the file's list of used ids;
            // the streams start in an epoch of their own.
            Saved::Single { state } => IdStreams {
                key: state,
                epoch: 1,
                counters: BTreeMap::new(),
            },
        })
    }
}

impl IdStreams {
    /// Streams from this seed, at their start: the same seed gives the same
    /// ids.
    pub fn seeded(seed: u64) -> Self {
        IdStreams {
            key: seed,
            epoch: 0,
            counters: BTreeMap::new(),
        }
    }

    /// Streams with a random key, for unseeded runs.
    pub fn random() -> Self {
        IdStreams::seeded(IdGen::random().next_u64())
    }

    /// The epoch ids are drawn in now.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Moves every stream to a fresh epoch: nothing handed out before
    /// (in this epoch or an earlier one) can be handed out again.
    pub fn next_epoch(&mut self) {
        self.epoch += 1;
        self.counters.clear();
    }

    /// The next position of `stream`: epoch and counter in one number.
    fn position(&mut self, stream: &str) -> u64 {
        let counter = self.counters.entry(stream.to_owned()).or_insert(0);
        if *counter == IDS_PER_EPOCH {
            self.epoch += 1;
            self.counters.clear();
            return self.position(stream);
        }
        let at = self
            .epoch
            .wrapping_mul(IDS_PER_EPOCH)
            .wrapping_add(*counter);
        *counter += 1;
        at
    }

    /// The next id of the stream of `prefix`: `prefix` followed by `len`
    /// (at most 12) base-36 characters, never one this stream gave before.
    pub fn id(&mut self, prefix: &str, len: usize) -> String {
        let len = len.min(12);
        let n = 36u64.pow(len as u32);
        let tweak = mix(self.key ^ hash(prefix));
        // The epochs of a 36^len space wrap after n / IDS_PER_EPOCH runs
        // (168,151 for 8 characters).
        let x = self.position(prefix) % n;
        let mut v = permute(x, n, tweak);
        let mut s = vec![b'0'; len];
        for c in s.iter_mut().rev() {
            *c = ALPHABET[(v % 36) as usize];
            v /= 36;
        }
        let mut out = String::with_capacity(prefix.len() + len);
        out.push_str(prefix);
        out.push_str(std::str::from_utf8(&s).unwrap_or_default());
        out
    }

    /// 64 random-looking bits from the stream `name` (addresses, UUIDs).
    pub fn draw(&mut self, name: &str) -> u64 {
        let at = self.position(name);
        mix(mix(self.key ^ hash(name)) ^ at)
    }

    /// A version-4 UUID from the `uuid` stream.
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.draw("uuid"), self.draw("uuid"));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&b.to_be_bytes());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }
}

/// splitmix64's finaliser: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a stream name.
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A keyed bijection of `[0, n)`: a balanced Feistel network on the
/// smallest even number of bits that holds `n`, applied again while the
/// result is `n` or more (cycle-walking keeps it a bijection of `[0, n)`).
fn permute(x: u64, n: u64, tweak: u64) -> u64 {
    let bits = (64 - (n - 1).leading_zeros()).div_ceil(2) * 2;
    let half = bits / 2;
    let mask = if half == 32 {
        u32::MAX as u64
    } else {
        (1u64 << half) - 1
    };
    let mut v = x;
    loop {
        let (mut l, mut r) = (v >> half, v & mask);
        for round in 0..6u64 {
            let f = mix(tweak ^ round.wrapping_mul(0xA24B_AED4_963E_E407) ^ r) & mask;
            (l, r) = (r, l ^ f);
        }
        v = (l << half) | r;
        if v < n {
            return v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_permutation_is_a_bijection() {
        for n in [36u64, 1296, 46_656, 1_679_616] {
            let seen: HashSet<u64> = (0..n).map(|x| permute(x, n, 12345)).collect();
            assert_eq!(seen.len() as u64, n);
            assert!(seen.iter().all(|v| *v < n));
        }
    }

    #[test]
    fn ids_are_in_format_and_reproducible_and_streams_are_independent() {
        let mut a = IdStreams::seeded(7);
        let mut b = IdStreams::seeded(7);
        let x = a.id("uhost-", 8);
        assert!(x.starts_with("uhost-") && x.len() == 14, "{x}");
        assert!(x["uhost-".len()..]
            .bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
        // Drawing from another stream does not move this one.
        let _ = b.id("bsm-", 8);
        let _ = b.uuid();
        assert_eq!(b.id("uhost-", 8), x);
        let img = a.id("compshareImage-", 12);
        assert_eq!(img.len(), "compshareImage-".len() + 12);
        assert_ne!(a.id("uhost-", 8), x);
    }

    #[test]
    fn a_new_epoch_never_repeats_an_earlier_id() {
        let mut s = IdStreams::seeded(1);
        let mut seen = HashSet::new();
        for _ in 0..20 {
            for _ in 0..500 {
                assert!(seen.insert(s.id("uhost-", 8)));
            }
            s.next_epoch();
        }
    }

    #[test]
    fn a_full_epoch_moves_on_by_itself() {
        let mut s = IdStreams::seeded(3);
        s.counters.insert("bsm-".into(), IDS_PER_EPOCH - 1);
        let last = s.id("bsm-", 8);
        assert_eq!(s.epoch(), 0);
        let next = s.id("bsm-", 8);
        assert_eq!(s.epoch(), 1);
        assert_ne!(last, next);
    }

    #[test]
    fn an_old_single_generator_loads_into_an_epoch_of_its_own() {
        let s: IdStreams = serde_json::from_str(r#"{"state":99}"#).unwrap();
        assert_eq!(s.epoch(), 1);
        let back: IdStreams = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
