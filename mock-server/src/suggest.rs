//! "Did you mean …?": the nearest known name to a misspelt one, for the log
//! and the journal. The answer on the wire never changes because of it.

use compshare_protocol::catalogue::{Action, Catalogue};
use compshare_protocol::params::Params;

/// Parameters every action takes, whatever its catalogue entry lists.
pub const COMMON_PARAMS: &[&str] = &[
    "Action",
    "PublicKey",
    "Signature",
    "Region",
    "Zone",
    "ProjectId",
    "SecurityToken",
];

/// The candidate nearest to `name` by edit distance (letter case ignored,
/// a swap of two letters one edit), if it is near enough to be a misspelling:
/// at most one edit per three characters of `name`, at least one. Ties go
/// to the candidate listed first.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The note for an action the catalogue does not have.
pub fn unknown_action(name: &str) -> String {
    let catalogue = Catalogue::get();
    match nearest(name, catalogue.action_names()) {
        Some(near) => format!("no action {name}; did you mean {near}?"),
        None => format!("no action {name} in the catalogue"),
    }
}

/// One note per parameter `action` does not take, which the gateway
/// ignores: `ignored: Limt; did you mean Limit?`. A flattened key
/// (`Disks.0.Size`) is known when its first part is.
pub fn unknown_params(action: &Action, params: &Params) -> Vec<String> {
    let known = || {
        COMMON_PARAMS
            .iter()
            .copied()
            .chain(action.request.iter().map(|f| f.name.as_str()))
    };
    let mut notes: Vec<String> = Vec::new();
    let mut last: Option<&str> = None;
    let mut more = 0usize;
    // Keys come sorted, so the flattened keys of one name are together.
    for (key, _) in params.iter() {
        let top = key.split('.').next().unwrap_or(key);
        if last == Some(top) || known().any(|k| k == top) {
            continue;
        }
        last = Some(top);
        if notes.len() == MAX_NOTES {
            more += 1;
            continue;
        }
        let shown = compshare_protocol::clip(top);
        // A name far longer than any parameter is no misspelling of one.
        let near = if top.len() <= MAX_NAME {
            nearest(top, known())
        } else {
            None
        };
        notes.push(match near {
            Some(near) => format!("ignored: {shown}; did you mean {near}?"),
            None => format!("ignored: {shown}"),
        });
    }
    if more > 0 {
        notes.push(format!("ignored: {more} more unknown parameters"));
    }
    notes
}

/// The most unknown parameters named one by one.
const MAX_NOTES: usize = 10;
/// The longest name looked up for a near one.
const MAX_NAME: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelling_finds_its_name_and_a_stranger_finds_none() {
        let names = ["Limit", "Offset", "Region", "Zone"];
        assert_eq!(nearest("Limt", names), Some("Limit"));
        assert_eq!(nearest("limit", names), Some("Limit"));
        assert_eq!(nearest("Ofsfet", names), Some("Offset"));
        assert_eq!(nearest("Colour", names), None);
        assert_eq!(nearest("Limit", names), None);
    }

    #[test]
    fn an_action_misspelt_is_named_with_its_nearest() {
        assert_eq!(
            unknown_action("DescribeCompShareInstanse"),
            "no action DescribeCompShareInstanse; did you mean DescribeCompShareInstance?"
        );
        assert_eq!(
            unknown_action("Nothing"),
            "no action Nothing in the catalogue"
        );
    }

    #[test]
    fn unknown_parameters_are_named_once_with_their_nearest() {
        let action = Catalogue::get()
            .action("DescribeCompShareInstance")
            .unwrap();
        let params: Params = [
            ("Limt", "5"),
            ("Region", "cn-wlcb"),
            ("UHostIds.0", "u"),
            ("Colour.0", "x"),
            ("Colour.1", "y"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            unknown_params(action, &params),
            ["ignored: Colour", "ignored: Limt; did you mean Limit?"]
        );
    }
}
