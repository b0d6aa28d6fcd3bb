//! The flat parameter map every request form is turned into.

use std::collections::BTreeMap;

/// Request parameters as flat wire pairs (`Disks.0.Size` → `100`), sorted by
/// key. Every request form ends up as one of these, so validation and the
/// handlers never see the difference between form, JSON and query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a parameter, returning the previous value if it was there.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.0.insert(key.into(), value.into())
    }

    /// The raw value, empty or not.
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The value, treating an empty string as absent (the SDKs leave unset
    /// values out; an empty value means the same).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.raw(key).filter(|v| !v.is_empty())
    }

    /// Removes a parameter.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    /// Whether anything is given under `name`: the key itself, or a flattened
    /// `name.…` key of an array or object.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some() || self.children(name).any(|(_, v)| !v.is_empty())
    }

    /// The flattened keys under `name.` with the part after the dot.
    pub fn children<'a>(&'a self, name: &str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let prefix = format!("{name}.");
        let skip = prefix.len();
        self.0
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(move |(k, v)| (&k[skip..], v.as_str()))
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
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Params {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        Params(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
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
    fn an_empty_value_counts_as_absent() {
        let p: Params = [("Zone", ""), ("Region", "cn-wlcb")].into_iter().collect();
        assert_eq!(p.get("Zone"), None);
        assert_eq!(p.raw("Zone"), Some(""));
        assert!(!p.has("Zone"));
    }
}
