//! The request journal: every request the API received, with what was
//! answered and why, in a bounded ring buffer. Secrets never enter it: the
//! signature and password values are redacted, private keys are never part
//! of a request.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Parameters whose values are never recorded.
pub const REDACTED_PARAMS: &[&str] = &["Signature", "Password"];

/// What the journal holds unless told otherwise.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;

/// One request as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Entry {
    /// Position since start (never reused, survives clearing).
    pub seq: u64,
    /// Real time received, epoch milliseconds.
    pub time_ms: u64,
    /// Virtual clock at the time, epoch seconds.
    pub virtual_time: i64,
    /// The request id answered in `X-UCLOUD-REQUEST-UUID`.
    pub request_id: String,
    /// The action, if one was sent.
    pub action: Option<String>,
    /// The signing account, once known.
    pub account: Option<String>,
    /// `form`, `json` or `query`; none when the request could not be read.
    pub form: Option<String>,
    /// Flat parameters, secrets redacted.
    pub params: BTreeMap<String, String>,
    /// HTTP status answered.
    pub http_status: u16,
    /// RetCode answered (none for a 4xx or an injected HTTP fault).
    pub ret_code: Option<i64>,
    /// Message answered with a RetCode error or a 4xx.
    pub message: Option<String>,
    /// The check that refused it: `action`, `signature`, `account`,
    /// `missing_param`, `value`, `state`, `http`, or `fault`.
    pub refused_by: Option<String>,
    /// For a 171: what the mock signed, and likely causes.
    pub signature: Option<SignatureDiagnosis>,
    /// The fault rule that shaped the answer, if any.
    pub fault: Option<u64>,
    /// Time spent, microseconds.
    pub duration_micros: u64,
    /// What the mock noticed and the gateway passes over in silence: unknown
    /// parameters it ignored, the action nearest to an unknown one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Why a signature did not match, as far as the mock can tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignatureDiagnosis {
    /// The string the mock hashed, without the private key.
    pub canonical: String,
    /// Recognisable causes, in words a user can act on.
    pub hints: Vec<String>,
}

/// A filter on the journal.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filter {
    /// Only this action.
    pub action: Option<String>,
    /// Only this account id.
    pub account: Option<String>,
    /// Only this RetCode.
    pub ret_code: Option<i64>,
}

impl Filter {
    fn matches(&self, e: &Entry) -> bool {
        self.action
            .as_ref()
            .is_none_or(|a| e.action.as_ref() == Some(a))
            && self
                .account
                .as_ref()
                .is_none_or(|a| e.account.as_ref() == Some(a))
            && self.ret_code.is_none_or(|c| e.ret_code == Some(c))
    }
}

/// The ring buffer.
#[derive(Debug, Clone)]
pub struct Journal {
    /// Entries with their parameters packed; the packed ones are unpacked
    /// into the entry when it is read.
    entries: VecDeque<(Entry, PackedParams)>,
    capacity: usize,
    next_seq: u64,
}

impl Journal {
    /// A journal keeping the last `capacity` requests (0 keeps none).
    pub fn new(capacity: usize) -> Self {
        Journal {
            entries: VecDeque::with_capacity(capacity.min(4096)),
            capacity,
            next_seq: 1,
        }
    }

    /// Records an entry, giving it its sequence number; the oldest goes when full.
    pub fn record(&mut self, entry: Entry) {
        self.record_packed(entry, PackedParams::default());
    }

    /// Records an entry whose parameters are packed (they are added to the
    /// entry's own when it is read): the cheap way to keep every request.
    pub fn record_packed(&mut self, mut entry: Entry, params: PackedParams) {
        entry.seq = self.next_seq;
        self.next_seq += 1;
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back((entry, params));
    }

    /// Entries matching the filter, oldest first.
    pub fn query(&self, filter: &Filter) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|(e, _)| filter.matches(e))
            .map(|(e, packed)| {
                let mut e = e.clone();
                packed.unpack_into(&mut e.params);
                e
            })
            .collect()
    }

    /// How many entries match.
    pub fn count(&self, filter: &Filter) -> usize {
        self.entries
            .iter()
            .filter(|(e, _)| filter.matches(e))
            .count()
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// The most parameters one journal entry keeps; a request with more is
/// recorded with the first ones and a `…` key counting the rest.
pub const MAX_JOURNAL_PARAMS: usize = 200;
/// The most bytes of a value a journal entry keeps.
pub const MAX_JOURNAL_VALUE: usize = 1024;

/// The parameters as the journal keeps them: secrets replaced, and bounded
/// (at most [`MAX_JOURNAL_PARAMS`] pairs, values cut to [`MAX_JOURNAL_VALUE`]
/// bytes) so a hostile request cannot fill memory through the journal.
pub fn redact<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut skipped = 0usize;
    for (k, v) in params {
        if out.len() == MAX_JOURNAL_PARAMS {
            skipped += 1;
            continue;
        }
        let value = if is_secret(k) {
            "<redacted>".to_owned()
        } else {
            cut(v, MAX_JOURNAL_VALUE)
        };
        out.insert(cut(k, MAX_JOURNAL_VALUE), value);
    }
    if skipped > 0 {
        out.insert(
            "…".to_owned(),
            format!("{skipped} more parameters not recorded"),
        );
    }
    out
}

/// Parameters as the journal keeps them ([`redact`]'s rules), packed back
/// to back in one string: two allocations per request where a map takes
/// two per parameter. Unpacked when the journal is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackedParams {
    text: String,
    /// End of each key and of its value in `text`.
    ends: Vec<(u32, u32)>,
}

impl PackedParams {
    /// The parameters with [`redact`]'s rules applied, packed. The keys are
    /// distinct, as a request's parameters are.
    pub fn redacted<'a>(params: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Self {
        let mut out = PackedParams::default();
        if params.clone().any(|(k, _)| k.len() > MAX_JOURNAL_VALUE) {
            // Keys cut to the same prefix collapse into one: let the map decide.
            for (k, v) in redact(params) {
                out.push(&k, &v);
            }
            return out;
        }
        let (count, bytes) = params.clone().fold((0, 32), |(n, b), (k, v)| {
            (n + 1, b + k.len() + v.len().min(MAX_JOURNAL_VALUE + 3))
        });
        out.text
            .reserve(bytes.min(MAX_JOURNAL_PARAMS * 2 * MAX_JOURNAL_VALUE));
        out.ends.reserve(count.min(MAX_JOURNAL_PARAMS) + 2);
        let mut skipped = 0usize;
        for (k, v) in params {
            if out.ends.len() == MAX_JOURNAL_PARAMS {
                skipped += 1;
                continue;
            }
            if is_secret(k) {
                out.push(k, "<redacted>");
            } else {
                out.push(k, clipped(v, MAX_JOURNAL_VALUE).as_ref());
            }
        }
        if skipped > 0 {
            out.push("…", &format!("{skipped} more parameters not recorded"));
        }
        out
    }

    /// Adds a pair (a later pair of the same key wins when unpacked).
    pub fn push(&mut self, key: &str, value: &str) {
        if self.text.len() + key.len() + value.len() > u32::MAX as usize {
            return;
        }
        self.text.push_str(key);
        let k = self.text.len() as u32;
        self.text.push_str(value);
        self.ends.push((k, self.text.len() as u32));
    }

    /// Inserts the pairs into `map`, in the order they were added.
    pub fn unpack_into(&self, map: &mut BTreeMap<String, String>) {
        let mut at = 0usize;
        for &(k, v) in &self.ends {
            let (k, v) = (k as usize, v as usize);
            map.insert(self.text[at..k].to_owned(), self.text[k..v].to_owned());
            at = v;
        }
    }
}

fn is_secret(key: &str) -> bool {
    REDACTED_PARAMS
        .iter()
        .any(|r| key == *r || key.strip_suffix(r).is_some_and(|head| head.ends_with('.')))
}

/// `s` cut to at most `max` bytes on a character boundary and marked with `…`.
fn clipped(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(cut(s, max))
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, code: i64) -> Entry {
        Entry {
            seq: 0,
            time_ms: 0,
            virtual_time: 0,
            request_id: String::new(),
            action: Some(action.into()),
            account: Some("1".into()),
            form: None,
            params: BTreeMap::new(),
            http_status: 200,
            ret_code: Some(code),
            message: None,
            refused_by: None,
            signature: None,
            fault: None,
            duration_micros: 0,
            notes: Vec::new(),
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_and_filters() {
        let mut j = Journal::new(2);
        j.record(entry("A", 0));
        j.record(entry("B", 171));
        j.record(entry("A", 0));
        let all = j.query(&Filter::default());
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
        let f = Filter {
            ret_code: Some(171),
            ..Filter::default()
        };
        assert_eq!(j.count(&f), 1);
        j.clear();
        assert_eq!(j.count(&Filter::default()), 0);
    }

    #[test]
    fn a_huge_request_is_recorded_bounded() {
        let keys: Vec<String> = (0..1000).map(|i| format!("k{i:04}")).collect();
        let big = "x".repeat(5000);
        let r = redact(keys.iter().map(|k| (k.as_str(), big.as_str())));
        assert_eq!(r.len(), MAX_JOURNAL_PARAMS + 1);
        assert_eq!(r["…"], "800 more parameters not recorded");
        assert!(r["k0000"].len() <= MAX_JOURNAL_VALUE + 3);
    }

    #[test]
    fn packed_parameters_unpack_to_the_redacted_map() {
        let keys: Vec<String> = (0..300).map(|i| format!("k{i:04}")).collect();
        let big = "é".repeat(900);
        let cases: Vec<Vec<(String, String)>> = vec![
            vec![],
            vec![
                ("Action".into(), "A".into()),
                ("Password".into(), "p".into()),
                ("Disks.0.Password".into(), "p".into()),
                ("XPassword".into(), "shown".into()),
                ("Name".into(), big.clone()),
            ],
            keys.iter().map(|k| (k.clone(), "v".to_owned())).collect(),
            vec![
                (format!("{}a", "x".repeat(1100)), "1".into()),
                (format!("{}b", "x".repeat(1100)), "2".into()),
                ("Signature".into(), "s".into()),
            ],
        ];
        for pairs in cases {
            let it = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let mut unpacked = BTreeMap::new();
            PackedParams::redacted(it.clone()).unpack_into(&mut unpacked);
            assert_eq!(unpacked, redact(it), "{pairs:?}");
        }
    }

    #[test]
    fn a_packed_entry_reads_back_whole() {
        let mut j = Journal::new(4);
        let mut packed = PackedParams::redacted([("Action", "A"), ("Password", "x")].into_iter());
        packed.push("Signature", "<redacted>");
        j.record_packed(entry("A", 0), packed);
        let e = &j.query(&Filter::default())[0];
        assert_eq!(e.params["Action"], "A");
        assert_eq!(e.params["Password"], "<redacted>");
        assert_eq!(e.params["Signature"], "<redacted>");
        assert_eq!(e.params.len(), 3);
    }

    #[test]
    fn secrets_are_redacted() {
        let r = redact([("Password", "p"), ("Signature", "s"), ("Name", "n")].into_iter());
        assert_eq!(r["Password"], "<redacted>");
        assert_eq!(r["Signature"], "<redacted>");
        assert_eq!(r["Name"], "n");
    }
}
