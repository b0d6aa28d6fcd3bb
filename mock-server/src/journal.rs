//! The request journal: every request the API received, with what was
//! answered and why, in a ring buffer bounded in entries and in bytes, read
//! in pages. Secrets never enter it: the signature and password values are
//! redacted, private keys are never part of a request.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Parameters whose values are never recorded.
pub const REDACTED_PARAMS: &[&str] = &["Signature", "Password"];

/// What the journal holds unless told otherwise.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;
/// The bytes of recorded text the journal holds unless told otherwise; the
/// oldest entries go first when a new one would pass it.
pub const DEFAULT_JOURNAL_BYTES: usize = 32 * 1024 * 1024;
/// The most bytes of parameters one entry keeps (keys and values, after
/// clipping); later parameters are counted, not recorded.
pub const MAX_JOURNAL_ENTRY_PARAMS_BYTES: usize = 64 * 1024;
/// The most bytes of a message or of a 171's canonical string an entry keeps.
pub const MAX_JOURNAL_TEXT: usize = 64 * 1024;
/// Entries a page of `GET /_mock/requests` holds unless told otherwise, and
/// at most.
pub const DEFAULT_PAGE_SIZE: usize = 1000;
/// A page stops early once its entries weigh this many bytes (it always
/// holds at least one), so no answer grows with the journal.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

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
    /// The client closed the connection before the answer (during a fault
    /// rule's delay); `HttpStatus` is then 499 and nothing was answered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub abandoned: bool,
    /// What the upstream made of it, when the mock runs with `--upstream`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<UpstreamNote>,
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
    /// Entries with their parameters packed and their weight; the packed
    /// ones are unpacked into the entry when it is read.
    entries: VecDeque<(Entry, PackedParams, KeptAnswer, usize)>,
    capacity: usize,
    budget: usize,
    bytes: usize,
    next_seq: u64,
}

/// One page of the journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Page {
    /// Entries on this page.
    pub count: usize,
    /// Entries matching the filter in the whole journal.
    pub total: usize,
    /// The entries, oldest first.
    pub requests: Vec<Entry>,
    /// The `after` of the next page; none when this is the last.
    pub next: Option<u64>,
}

impl Journal {
    /// A journal keeping the last `capacity` requests (0 keeps none) within
    /// [`DEFAULT_JOURNAL_BYTES`].
    pub fn new(capacity: usize) -> Self {
        Journal::with_budget(capacity, DEFAULT_JOURNAL_BYTES)
    }

    /// A journal keeping the last `capacity` requests that fit in `budget`
    /// bytes (as [`Journal::bytes`] counts them).
    pub fn with_budget(capacity: usize, budget: usize) -> Self {
        Journal {
            entries: VecDeque::with_capacity(capacity.min(4096)),
            capacity,
            budget,
            bytes: 0,
            next_seq: 1,
        }
    }

    /// The bytes the entries weigh now: their recorded text and a fixed
    /// part per entry.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records an entry, giving it its sequence number; the oldest goes when full.
    pub fn record(&mut self, entry: Entry) {
        self.record_packed(entry, PackedParams::default());
    }

    /// Records an entry whose parameters are packed (they are added to the
    /// entry's own when it is read): the cheap way to keep every request.
    /// The oldest go when it is full, in entries or in bytes; the message
    /// and a 171's canonical string are clipped to [`MAX_JOURNAL_TEXT`].
    pub fn record_packed(&mut self, entry: Entry, params: PackedParams) {
        self.record_answered(entry, params, KeptAnswer::default());
    }

    /// Records an entry with its packed parameters and the start of its
    /// answer, as [`Journal::record_packed`] does.
    pub fn record_answered(&mut self, mut entry: Entry, params: PackedParams, answer: KeptAnswer) {
        entry.seq = self.next_seq;
        self.next_seq += 1;
        if self.capacity == 0 {
            return;
        }
        if let Some(m) = &mut entry.message {
            clip_in_place(m, MAX_JOURNAL_TEXT);
        }
        if let Some(d) = &mut entry.signature {
            clip_in_place(&mut d.canonical, MAX_JOURNAL_TEXT);
        }
        let weight = weight(&entry, &params) + answer.weight();
        if self.entries.len() == self.capacity {
            self.pop_oldest();
        }
        self.entries.push_back((entry, params, answer, weight));
        self.bytes += weight;
        while self.bytes > self.budget {
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((_, _, _, w)) = self.entries.pop_front() {
            self.bytes -= w;
        }
    }

    /// The entry of sequence number `seq`, with its answer, if still kept.
    pub fn find(&self, seq: u64) -> Option<(Entry, KeptAnswer)> {
        let at = self
            .entries
            .binary_search_by_key(&seq, |(e, _, _, _)| e.seq)
            .ok()?;
        let (e, packed, answer, _) = &self.entries[at];
        let mut e = e.clone();
        packed.unpack_into(&mut e.params);
        Some((e, answer.clone()))
    }

    /// Changes the newest entry with this request id, if it is still kept:
    /// how a forwarded request's entry is completed once the upstream has
    /// answered. Returns whether it was found.
    pub fn amend(
        &mut self,
        request_id: &str,
        change: impl FnOnce(&mut Entry, &mut PackedParams),
    ) -> bool {
        match self
            .entries
            .iter_mut()
            .rev()
            .find(|(e, _, _, _)| e.request_id == request_id)
        {
            Some((e, packed, _, _)) => {
                change(e, packed);
                true
            }
            None => false,
        }
    }

    /// Entries matching the filter, oldest first.
    pub fn query(&self, filter: &Filter) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|(e, _, _, _)| filter.matches(e))
            .map(unpacked)
            .collect()
    }

    /// A page of the entries matching the filter: those after sequence
    /// number `after`, oldest first, at most `limit` of them and stopping
    /// once they weigh [`MAX_PAGE_BYTES`] (never empty when one matches).
    pub fn page(&self, filter: &Filter, after: u64, limit: usize) -> Page {
        let start = self.entries.partition_point(|(e, _, _, _)| e.seq <= after);
        let mut requests = Vec::new();
        let mut weight = 0usize;
        let mut last = None;
        let mut more = false;
        for item in self
            .entries
            .range(start..)
            .filter(|(e, _, _, _)| filter.matches(e))
        {
            // The page lists entries without their answers.
            let listed = item.3 - item.2.weight();
            if requests.len() == limit || (!requests.is_empty() && weight + listed > MAX_PAGE_BYTES)
            {
                more = true;
                break;
            }
            weight += listed;
            last = Some(item.0.seq);
            requests.push(unpacked(item));
        }
        Page {
            count: requests.len(),
            total: self.count(filter),
            requests,
            next: if more { last } else { None },
        }
    }

    /// How many entries match.
    pub fn count(&self, filter: &Filter) -> usize {
        self.entries
            .iter()
            .filter(|(e, _, _, _)| filter.matches(e))
            .count()
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.entries.shrink_to(4096);
        self.bytes = 0;
    }
}

fn unpacked((e, packed, _, _): &(Entry, PackedParams, KeptAnswer, usize)) -> Entry {
    let mut e = e.clone();
    packed.unpack_into(&mut e.params);
    e
}

/// What an entry weighs against the budget: its text, the packed
/// parameters' offsets and a fixed part for the entry itself.
fn weight(e: &Entry, p: &PackedParams) -> usize {
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    std::mem::size_of::<(Entry, PackedParams, KeptAnswer, usize)>()
        + p.text.len()
        + p.ends.len() * std::mem::size_of::<(u32, u32)>()
        + e.params
            .iter()
            .map(|(k, v)| k.len() + v.len() + 64)
            .sum::<usize>()
        + e.request_id.len()
        + opt(&e.action)
        + opt(&e.account)
        + opt(&e.form)
        + opt(&e.message)
        + opt(&e.refused_by)
        + e.signature.as_ref().map_or(0, |d| {
            d.canonical.len() + d.hints.iter().map(String::len).sum::<usize>()
        })
}

fn clip_in_place(s: &mut String, max: usize) {
    if s.len() > max {
        *s = cut(s, max);
    }
}

/// The most parameters one journal entry keeps; a request with more is
/// recorded with the first ones and a `…` key counting the rest.
pub const MAX_JOURNAL_PARAMS: usize = 200;
/// The most bytes of a value a journal entry keeps.
pub const MAX_JOURNAL_VALUE: usize = 1024;

/// The parameters as the journal keeps them: secrets replaced, and bounded
/// (at most [`MAX_JOURNAL_PARAMS`] pairs, values cut to [`MAX_JOURNAL_VALUE`]
/// bytes, [`MAX_JOURNAL_ENTRY_PARAMS_BYTES`] in all: the first pair that
/// does not fit and those after it are only counted) so a hostile request
/// cannot fill memory through the journal.
pub fn redact<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut skipped = 0usize;
    let mut bytes = 0usize;
    for (k, v) in params {
        if skipped > 0 || out.len() == MAX_JOURNAL_PARAMS {
            skipped += 1;
            continue;
        }
        let value = if is_secret(k) {
            "<redacted>".to_owned()
        } else {
            cut(v, MAX_JOURNAL_VALUE)
        };
        let key = cut(k, MAX_JOURNAL_VALUE);
        if bytes + key.len() + value.len() > MAX_JOURNAL_ENTRY_PARAMS_BYTES {
            skipped += 1;
            continue;
        }
        bytes += key.len() + value.len();
        out.insert(key, value);
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
            .reserve(bytes.min(MAX_JOURNAL_ENTRY_PARAMS_BYTES + 64));
        out.ends.reserve(count.min(MAX_JOURNAL_PARAMS) + 2);
        let mut skipped = 0usize;
        for (k, v) in params {
            if skipped > 0 || out.ends.len() == MAX_JOURNAL_PARAMS {
                skipped += 1;
                continue;
            }
            let value = if is_secret(k) {
                std::borrow::Cow::Borrowed("<redacted>")
            } else {
                clipped(v, MAX_JOURNAL_VALUE)
            };
            if out.text.len() + k.len() + value.len() > MAX_JOURNAL_ENTRY_PARAMS_BYTES {
                skipped += 1;
                continue;
            }
            out.push(k, value.as_ref());
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

/// The most bytes of an answer body a journal entry keeps.
pub const MAX_JOURNAL_ANSWER: usize = 8 * 1024;

/// The largest answer body a journal entry shares rather than copies the
/// start of: sharing costs nothing on the request path but holds the body.
pub const MAX_SHARED_ANSWER: usize = 64 * 1024;

/// Keys whose string values are `<redacted>` when a kept answer is read.
pub const REDACTED_ANSWER_KEYS: &[&str] = &["Password", "Signature", "PrivateKey"];

/// The start of an answer body as the journal keeps it: at most
/// [`MAX_JOURNAL_ANSWER`] bytes (a body up to [`MAX_SHARED_ANSWER`] is
/// shared with the answer sent, not copied), and the size of the whole.
#[derive(Debug, Clone, Default)]
pub struct KeptAnswer {
    bytes: axum::body::Bytes,
    size: usize,
}

impl KeptAnswer {
    /// Keeps the start of `body`.
    pub fn keep(body: &axum::body::Bytes) -> Self {
        let bytes = if body.len() <= MAX_SHARED_ANSWER {
            // A view of the body sent: no copy on the request path. It holds
            // the whole body, which is what the journal's budget counts.
            body.slice(..body.len().min(MAX_JOURNAL_ANSWER))
        } else {
            axum::body::Bytes::copy_from_slice(&body[..MAX_JOURNAL_ANSWER])
        };
        KeptAnswer {
            bytes,
            size: body.len(),
        }
    }

    /// What the kept part weighs against the journal's byte budget: the
    /// whole body when it is shared, else the copied start.
    fn weight(&self) -> usize {
        if self.size <= MAX_SHARED_ANSWER {
            self.size
        } else {
            self.bytes.len()
        }
    }

    /// Size of the whole answer body, in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether only the start of the body is kept.
    pub fn clipped(&self) -> bool {
        self.bytes.len() < self.size
    }

    /// The kept text, with the string values of [`REDACTED_ANSWER_KEYS`]
    /// replaced by `<redacted>` (also in a clipped body, which is not valid JSON).
    pub fn text(&self) -> String {
        redact_answer(&String::from_utf8_lossy(&self.bytes))
    }
}

/// `text` with the non-empty JSON string value of every
/// [`REDACTED_ANSWER_KEYS`] key replaced by `<redacted>`; works on any
/// prefix of a JSON document.
pub fn redact_answer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(q) = rest.find('"') {
        out.push_str(&rest[..=q]);
        rest = &rest[q + 1..];
        // A JSON string starts here: find its end.
        let Some(end) = string_end(rest) else {
            out.push_str(rest);
            return out;
        };
        let key = &rest[..end];
        out.push_str(&rest[..=end]);
        rest = &rest[end + 1..];
        if !REDACTED_ANSWER_KEYS.contains(&key) {
            continue;
        }
        let after = rest.trim_start();
        let Some(value) = after.strip_prefix(':').map(str::trim_start) else {
            continue 'scan;
        };
        // An empty value hides nothing and stays as it is.
        let Some(inner) = value.strip_prefix('"').filter(|v| !v.starts_with('"')) else {
            continue 'scan;
        };
        out.push_str(&rest[..rest.len() - value.len()]);
        out.push_str("\"<redacted>\"");
        rest = match string_end(inner) {
            Some(end) => &inner[end + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Where the JSON string whose opening quote was just passed ends (the
/// index of its closing quote in `s`).
fn string_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// What the journal says of a request's trip to the upstream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpstreamNote {
    /// `shadow`, `record` or `proxy`.
    pub mode: String,
    /// Whether the request was sent to the upstream.
    pub forwarded: bool,
    /// Why it was not, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_forwarded: Option<String>,
    /// The request's `PublicKey` is not one of the fixtures': its signature
    /// was not checked by the mock (in `shadow`, the mock answered as the
    /// fixtures' first account).
    pub unverified_key: bool,
    /// In `shadow`, true until the upstream has answered and the answers
    /// are compared.
    pub pending: bool,
    /// The upstream's HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The upstream's RetCode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ret_code: Option<i64>,
    /// The upstream's request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Timeout, connection error or non-JSON answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// In `shadow`, how the answers differ (empty when identical).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<crate::compare::Difference>,
    /// In `record`, the file written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
    /// In `record`, why the answer was not written, or what was left out of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_notes: Vec<String>,
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
            abandoned: false,
            upstream: None,
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
        let r = redact(keys.iter().map(|k| (k.as_str(), "v")));
        assert_eq!(r.len(), MAX_JOURNAL_PARAMS + 1);
        assert_eq!(r["…"], "800 more parameters not recorded");
        let r = redact(keys.iter().map(|k| (k.as_str(), big.as_str())));
        assert!(r["k0000"].len() <= MAX_JOURNAL_VALUE + 3);
        let kept = r.len() - 1;
        assert_eq!(
            r["…"],
            format!("{} more parameters not recorded", 1000 - kept)
        );
        let bytes: usize = r.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(bytes <= MAX_JOURNAL_ENTRY_PARAMS_BYTES + 64, "{bytes}");
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
    fn the_journal_keeps_within_its_byte_budget_and_pages() {
        let mut j = Journal::with_budget(1000, 1_000_000);
        let big = "v".repeat(MAX_JOURNAL_VALUE);
        let keys: Vec<String> = (0..150).map(|i| format!("K{i:03}")).collect();
        for _ in 0..100 {
            let packed = PackedParams::redacted(keys.iter().map(|k| (k.as_str(), big.as_str())));
            assert!(packed.text.len() <= MAX_JOURNAL_ENTRY_PARAMS_BYTES);
            j.record_packed(entry("A", 0), packed);
            assert!(j.bytes() <= 1_000_000, "{}", j.bytes());
        }
        assert!((10..20).contains(&j.len()), "{}", j.len());
        let newest = j.query(&Filter::default()).last().unwrap().clone();
        assert_eq!(newest.seq, 100, "the oldest go first");
        assert!(newest.params["…"].ends_with("more parameters not recorded"));
        let page = j.page(&Filter::default(), 0, 3);
        assert_eq!((page.count, page.total), (3, j.len()));
        let rest = j.page(&Filter::default(), page.next.unwrap(), 1000);
        assert_eq!(rest.count, j.len() - 3);
        assert_eq!(rest.next, None);
        assert_eq!(rest.requests[0].seq, page.requests[2].seq + 1);
        j.clear();
        assert_eq!(j.bytes(), 0);
    }

    #[test]
    fn an_answer_is_kept_bounded_and_read_redacted() {
        let body = axum::body::Bytes::from(
            r#"{"Action":"XResponse","RetCode":0,"Password":"p\"w","Nested":{"PrivateKey" : "k"},"Signature":5,"Name":"Password"}"#,
        );
        let kept = KeptAnswer::keep(&body);
        assert!(!kept.clipped());
        assert_eq!(
            kept.text(),
            r#"{"Action":"XResponse","RetCode":0,"Password":"<redacted>","Nested":{"PrivateKey" : "<redacted>"},"Signature":5,"Name":"Password"}"#
        );
        let big = format!(
            r#"{{"A":"{}","Password":"secret"}}"#,
            "é".repeat(MAX_JOURNAL_ANSWER)
        );
        let kept = KeptAnswer::keep(&axum::body::Bytes::from(big.clone()));
        assert!(kept.clipped());
        assert_eq!(kept.size(), big.len());
        assert!(kept.text().len() <= MAX_JOURNAL_ANSWER + 3);
        // A secret cut in the middle is still redacted.
        let cut = r#"{"Password":"secr"#;
        assert_eq!(redact_answer(cut), r#"{"Password":"<redacted>""#);
        assert_eq!(redact_answer(r#"{"Password""#), r#"{"Password""#);
        let empty = r#"{"Password":"","Name":"n"}"#;
        assert_eq!(redact_answer(empty), empty);
    }

    #[test]
    fn an_entry_is_found_by_its_sequence_number() {
        let mut j = Journal::new(2);
        for code in [0, 171, 0] {
            let body = axum::body::Bytes::from(format!("{{\"RetCode\":{code}}}"));
            j.record_answered(
                entry("A", code),
                PackedParams::default(),
                KeptAnswer::keep(&body),
            );
        }
        assert!(j.find(1).is_none());
        let (e, answer) = j.find(2).unwrap();
        assert_eq!(e.ret_code, Some(171));
        assert_eq!(answer.text(), r#"{"RetCode":171}"#);
        assert!(j.find(4).is_none());
    }

    #[test]
    fn secrets_are_redacted() {
        let r = redact([("Password", "p"), ("Signature", "s"), ("Name", "n")].into_iter());
        assert_eq!(r["Password"], "<redacted>");
        assert_eq!(r["Signature"], "<redacted>");
        assert_eq!(r["Name"], "n");
    }
}
