//! The flat parameter map every request form is turned into.

/// Request parameters as flat wire pairs (`Disks.0.Size` → `100`), sorted by
/// key. Every request form ends up as one of these, so validation and the
/// handlers never see the difference between form, JSON and query.
///
/// The keys and values are kept back to back in one string, with a sorted
/// table of where each pair lies: a request's parameters take two
/// allocations, not two per parameter.
#[derive(Debug, Clone, Default)]
pub struct Params {
    text: String,
    /// Key start, key end (the value's start) and value end of each pair,
    /// sorted by key; the keys are distinct.
    pairs: Vec<(usize, usize, usize)>,
}

/// Up to this many parameters, a key is looked for in a scan.
const LINEAR_FIND: usize = 16;

impl Params {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map of pairs already in `text`: `pairs` sorted by key, keys distinct.
    pub(crate) fn from_sorted(text: String, pairs: Vec<(usize, usize, usize)>) -> Self {
        debug_assert!(pairs
            .windows(2)
            .all(|w| text[w[0].0..w[0].1] < text[w[1].0..w[1].1]));
        Params { text, pairs }
    }

    fn key(&self, p: &(usize, usize, usize)) -> &str {
        &self.text[p.0..p.1]
    }

    /// A key's bytes (bytes order as `str` does; no boundary checks).
    fn key_bytes(&self, p: &(usize, usize, usize)) -> &[u8] {
        &self.text.as_bytes()[p.0..p.1]
    }

    fn value(&self, p: &(usize, usize, usize)) -> &str {
        &self.text[p.1..p.2]
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        let key = key.as_bytes();
        self.pairs.binary_search_by(|p| self.key_bytes(p).cmp(key))
    }

    /// Where `key` is, if it is there.
    fn position(&self, key: &str) -> Option<usize> {
        if self.pairs.len() > LINEAR_FIND {
            return self.find(key).ok();
        }
        // A request's few parameters: look at the lengths first, compare
        // bytes only where they agree (cheaper than a binary search's
        // comparisons in full, and most keys asked for are absent).
        let key = key.as_bytes();
        self.pairs
            .iter()
            .position(|p| p.1 - p.0 == key.len() && self.key_bytes(p) == key)
    }

    /// Sets a parameter, returning the previous value if it was there.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        let (key, value) = (key.into(), value.into());
        let at = self.find(&key);
        let start = self.text.len();
        self.text.push_str(&key);
        let mid = self.text.len();
        self.text.push_str(&value);
        let pair = (start, mid, self.text.len());
        match at {
            Ok(i) => {
                let old = self.value(&self.pairs[i]).to_owned();
                self.pairs[i] = pair;
                Some(old)
            }
            Err(i) => {
                self.pairs.insert(i, pair);
                None
            }
        }
    }

    /// The raw value, empty or not.
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.position(key).map(|i| self.value(&self.pairs[i]))
    }

    /// The value, treating an empty string as absent (the SDKs leave unset
    /// values out; an empty value means the same).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.raw(key).filter(|v| !v.is_empty())
    }

    /// Removes a parameter.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.position(key)?;
        let old = self.value(&self.pairs[i]).to_owned();
        self.pairs.remove(i);
        Some(old)
    }

    /// Whether anything is given under `name`: the key itself, or a flattened
    /// `name.…` key of an array or object.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some() || self.children(name).any(|(_, v)| !v.is_empty())
    }

    /// The flattened keys under `name.` with the part after the dot.
    pub fn children<'a>(&'a self, name: &str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        // The keys from `name.` up to `name/` (`/` follows `.`): the
        // bytes of a key compared with those of `name` and one byte more.
        let skip = name.len() + 1;
        let below = |p: &(usize, usize, usize), last: u8| {
            self.key_bytes(p)
                .iter()
                .lt(name.as_bytes().iter().chain(std::iter::once(&last)))
        };
        let from = self.pairs.partition_point(|p| below(p, b'.'));
        let to = self.pairs.partition_point(|p| below(p, b'/'));
        self.pairs[from..to]
            .iter()
            .map(|p| (self.key(p), self.value(p)))
            .map(move |(k, v)| (&k[skip..], v))
    }

    /// The elements of a flattened array `name.0`, `name.1`, … in index order
    /// (scalar elements only; gaps are allowed).
    pub fn array(&self, name: &str) -> Vec<&str> {
        let mut items: Vec<(u64, &str)> = self
            .children(name)
            .filter_map(|(rest, v)| rest.parse::<u64>().ok().map(|i| (i, v)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// All pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.pairs.iter().map(|p| (self.key(p), self.value(p)))
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl PartialEq for Params {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Params {}

/// Later pairs of a key win, as inserting them one by one would have it.
impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Params {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut text = String::new();
        let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
        for (k, v) in iter {
            let start = text.len();
            text.push_str(&k.into());
            let mid = text.len();
            text.push_str(&v.into());
            pairs.push((start, mid, text.len()));
        }
        // Stable: pairs of one key stay in the order given; the last wins.
        pairs.sort_by(|a, b| text[a.0..a.1].cmp(&text[b.0..b.1]));
        let mut kept: Vec<(usize, usize, usize)> = Vec::with_capacity(pairs.len());
        for p in pairs {
            match kept.last_mut() {
                Some(last) if text[last.0..last.1] == text[p.0..p.1] => *last = p,
                _ => kept.push(p),
            }
        }
        Params { text, pairs: kept }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_come_back_in_index_order_not_key_order() {
        let p: Params = (0..12)
            .map(|i| (format!("Ids.{i}"), format!("v{i}")))
            .collect();
        let want: Vec<String> = (0..12).map(|i| format!("v{i}")).collect();
        assert_eq!(p.array("Ids"), want);
        assert!(p.has("Ids"));
        assert!(!p.has("Id"));
    }

    #[test]
    fn children_are_the_keys_under_the_name_and_a_dot() {
        let keys = [
            "a",
            "a-y",
            "a.",
            "a.x",
            "a.b.c",
            "a/",
            "a0",
            "ab.c",
            "Ids",
            "Ids.0",
            "Ids.0.Name",
            "Ids.1",
            "Ids0",
            "Id",
            "I",
            "",
            "é.x",
            "é",
        ];
        let p: Params = keys.iter().map(|k| (*k, "v")).collect();
        for name in ["a", "ab", "Ids", "Id", "I", "", "é", "zz", "a.b"] {
            let got: Vec<&str> = p.children(name).map(|(rest, _)| rest).collect();
            let mut want: Vec<&str> = keys
                .iter()
                .filter_map(|k| k.strip_prefix(name)?.strip_prefix('.'))
                .collect();
            want.sort();
            assert_eq!(got, want, "children of {name:?}");
        }
    }

    #[test]
    fn an_empty_value_counts_as_absent() {
        let p: Params = [("Zone", ""), ("Region", "cn-wlcb")].into_iter().collect();
        assert_eq!(p.get("Zone"), None);
        assert_eq!(p.raw("Zone"), Some(""));
        assert!(!p.has("Zone"));
    }

    #[test]
    fn it_behaves_as_a_sorted_map() {
        let mut p: Params = [
            ("b", "1"),
            ("a", "2"),
            ("b", "3"),
            ("a.x", "4"),
            ("a-y", "5"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            [("a", "2"), ("a-y", "5"), ("a.x", "4"), ("b", "3")]
        );
        assert_eq!(p.children("a").collect::<Vec<_>>(), [("x", "4")]);
        assert_eq!(p.insert("b", "6"), Some("3".to_owned()));
        assert_eq!(p.insert("c", "7"), None);
        assert_eq!(p.remove("a"), Some("2".to_owned()));
        assert_eq!(p.remove("a"), None);
        assert_eq!(p.len(), 4);
        let same: Params = [("c", "7"), ("b", "6"), ("a.x", "4"), ("a-y", "5")]
            .into_iter()
            .collect();
        assert_eq!(p, same);
        assert_ne!(p, Params::new());
        assert!(Params::new().is_empty());
    }
}
