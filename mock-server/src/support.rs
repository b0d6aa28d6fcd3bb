//! Which actions the mock serves, and how: the listing behind
//! `GET /_mock/actions` and the table of the README. Both come from the
//! catalogue, the handlers and the fixture set's canned answers, so neither
//! can drift from what the mock does.

use std::sync::Arc;

use axum::extract::State as AxState;
use axum::Json;
use serde::Serialize;

use crate::actions::{support, Support};
use crate::canned::{paging, CannedAnswers};
use crate::shared::Shared;
use compshare_protocol::catalogue::Catalogue;

/// How one action is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActionSupport {
    /// The action's name.
    pub action: String,
    /// `stateful`, `canned` or `neutral`.
    pub support: Support,
    /// For a paged action, the list and count fields `Offset`/`Limit` page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paging: Option<PagingFields>,
}

/// The answer fields of a paged action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PagingFields {
    /// The list field, holding the page.
    pub list: String,
    /// The count field, counting the whole list.
    pub count: String,
}

/// Every action of the catalogue, sorted by name, with its support level
/// under the canned answers `canned`.
pub fn listing(canned: &CannedAnswers) -> Vec<ActionSupport> {
    let catalogue = Catalogue::get();
    catalogue
        .action_names()
        .into_iter()
        .map(|name| ActionSupport {
            action: name.to_owned(),
            support: support(name, canned),
            paging: catalogue
                .action(name)
                .and_then(paging)
                .map(|p| PagingFields {
                    list: p.list,
                    count: p.count,
                }),
        })
        .collect()
}

/// The README's section between `<!-- actions:start -->` and
/// `<!-- actions:end -->`: a count by level and one table row per action.
pub fn markdown(listing: &[ActionSupport]) -> String {
    let count = |s: Support| listing.iter().filter(|a| a.support == s).count();
    let mut out = format!(
        "\n{} actions: {} stateful, {} canned, {} neutral.\n\n",
        listing.len(),
        count(Support::Stateful),
        count(Support::Canned),
        count(Support::Neutral)
    );
    out.push_str("| action | support | paged by `Offset`/`Limit` |\n");
    out.push_str("| --- | --- | --- |\n");
    for a in listing {
        let paged = a
            .paging
            .as_ref()
            .map(|p| format!(" `{}`, count in `{}`", p.list, p.count))
            .unwrap_or_default();
        out.push_str(&format!("| `{}` | {} |{paged} |\n", a.action, a.support));
    }
    out.push('\n');
    out
}

/// `GET /_mock/actions`: `{"Actions": [{"Action", "Support", "Paging"?}, ...]}`
/// for the running fixture set.
pub async fn actions_route(AxState(shared): AxState<Arc<Shared>>) -> Json<serde_json::Value> {
    let canned = crate::sync::read(&shared.state).canned.clone();
    Json(serde_json::json!({ "Actions": listing(&canned) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_has_every_action_once_with_handlers_first_then_canned() {
        let canned = CannedAnswers::from_files([
            ("responses/CheckCompShareNetOptimizer.json", "{}"),
            ("responses/DescribeCompShareCustomImages.json", "{}"),
        ])
        .unwrap();
        let l = listing(&canned);
        assert_eq!(l.len(), Catalogue::get().actions.len());
        let of = |n: &str| l.iter().find(|a| a.action == n).unwrap().support;
        assert_eq!(of("DescribeCompShareCustomImages"), Support::Stateful);
        assert_eq!(of("CheckCompShareNetOptimizer"), Support::Canned);
        assert_eq!(of("DescribeModelRepositoryTags"), Support::Neutral);
        let names: Vec<&str> = l.iter().map(|a| a.action.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }

    #[test]
    fn the_table_has_a_row_per_action_and_names_paged_fields() {
        let l = listing(&CannedAnswers::default());
        let md = markdown(&l);
        let stateful = l.iter().filter(|a| a.support == Support::Stateful).count();
        assert!(stateful > 1);
        assert!(md.contains(&format!(
            "{} actions: {stateful} stateful, 0 canned,",
            l.len()
        )));
        assert!(
            md.contains("| `DescribeULHostImage` | neutral | `ImageSet`, count in `TotalCount` |")
        );
        assert!(md.contains("| `AttachUS3` | stateful | |"));
        assert_eq!(md.matches("\n| `").count(), l.len());
    }
}
