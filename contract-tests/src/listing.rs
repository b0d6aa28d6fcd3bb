//! Walking the pages of `DescribeCompShareCustomImages`, and the documented
//! paging rules the walk is held to (`docs/PROTOCOL.md` §6).

use crate::answer::Raw;
use crate::endpoint::{Endpoint, Keys};

/// The action the paging rules are documented for.
pub const LISTING: &str = "DescribeCompShareCustomImages";
/// Page size when `Limit` is absent or 0.
pub const DEFAULT_LIMIT: u64 = 20;
/// Largest page; a larger `Limit` is clamped to it.
pub const MAX_LIMIT: u64 = 100;

/// The page size a `Limit` (as sent, `None` when absent) gives: absent or 0
/// gives 20, more than 100 gives 100.
pub fn effective_limit(limit: Option<u64>) -> u64 {
    match limit {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) => n.min(MAX_LIMIT),
    }
}

/// How many images the page at `offset` holds: `min(Limit', max(0, TotalCount - Offset))`.
pub fn expected_page_len(total: u64, offset: u64, limit: Option<u64>) -> u64 {
    effective_limit(limit).min(total.saturating_sub(offset))
}

/// One page of a walk: the offset asked for and the answer.
#[derive(Debug, Clone)]
pub struct Page {
    /// The `Offset` sent (`0` for the first page, which sends none).
    pub offset: u64,
    /// The answer.
    pub raw: Raw,
}

/// Walks the caller's custom images page by page with `Limit` = `limit`
/// (absent when `None`), from the first page (sent without `Offset`) until a
/// page comes back empty; that empty page is included. Every answer must be
/// RetCode 0. Stops after `TotalCount + 2` pages so a broken endpoint cannot
/// loop it forever.
#[track_caller]
pub fn walk(ep: &Endpoint, keys: &Keys, extra: &[(&str, &str)], limit: Option<u64>) -> Vec<Page> {
    let limit_text = limit.map(|l| l.to_string());
    let mut pages: Vec<Page> = Vec::new();
    let mut offset = 0u64;
    loop {
        let offset_text = offset.to_string();
        let mut params: Vec<(&str, &str)> = vec![("Region", ep.region())];
        params.extend_from_slice(extra);
        if let Some(l) = &limit_text {
            params.push(("Limit", l));
        }
        if offset > 0 {
            params.push(("Offset", &offset_text));
        }
        let raw = ep.call_as(keys, LISTING, &params);
        raw.assert_ret_code(0);
        let len = raw.image_ids().len() as u64;
        let total = raw.total_count().unwrap_or(0).max(0) as u64;
        pages.push(Page { offset, raw });
        if len == 0 || pages.len() as u64 > total + 1 {
            return pages;
        }
        offset += len;
    }
}

/// The ids of a walk's pages, concatenated.
pub fn concatenated_ids(pages: &[Page]) -> Vec<String> {
    pages.iter().flat_map(|p| p.raw.image_ids()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_clamping_gives_twenty_for_absent_or_zero_and_at_most_one_hundred() {
        assert_eq!(effective_limit(None), 20);
        assert_eq!(effective_limit(Some(0)), 20);
        assert_eq!(effective_limit(Some(7)), 7);
        assert_eq!(effective_limit(Some(100)), 100);
        assert_eq!(effective_limit(Some(101)), 100);
        assert_eq!(expected_page_len(48, 45, Some(5)), 3);
        assert_eq!(expected_page_len(48, 60, None), 0);
    }
}
