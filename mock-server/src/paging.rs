//! Paging as the API does it: `Offset` (default 0) and `Limit` (default 20,
//! at most 100), the same for every paged action, stateful or canned.

use compshare_protocol::params::Params;

use crate::error::ApiError;

/// A page request: `[offset, offset + limit)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// First index.
    pub offset: usize,
    /// Most items.
    pub limit: usize,
}

/// Default `Limit` of paged actions.
pub const DEFAULT_LIMIT: usize = 20;
/// Largest `Limit`; more is clamped to it.
pub const MAX_LIMIT: usize = 100;

/// Reads `Offset` (absent → 0) and `Limit` (absent or 0 → 20, above 100 →
/// 100); a negative value of either is 230.
pub fn page(params: &Params) -> Result<Page, ApiError> {
    let read = |name: &str| -> Result<Option<u64>, ApiError> {
        match params.get(name) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= 0 => Ok(Some(n as u64)),
                _ => Err(ApiError::ParamsNotAvailable(name.to_owned())),
            },
        }
    };
    let offset = read("Offset")?.unwrap_or(0);
    let limit = match read("Limit")? {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) => (n.min(MAX_LIMIT as u64)) as usize,
    };
    Ok(Page {
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Result<Page, ApiError> {
        page(&pairs.iter().copied().collect())
    }

    #[test]
    fn paging_defaults_and_clamps_as_documented() {
        assert_eq!(
            p(&[]),
            Ok(Page {
                offset: 0,
                limit: 20
            })
        );
        assert_eq!(
            p(&[("Limit", "0")]),
            Ok(Page {
                offset: 0,
                limit: 20
            })
        );
        assert_eq!(
            p(&[("Limit", "101"), ("Offset", "7")]),
            Ok(Page {
                offset: 7,
                limit: 100
            })
        );
        assert_eq!(
            p(&[("Limit", "-1")]),
            Err(ApiError::ParamsNotAvailable("Limit".into()))
        );
        assert_eq!(
            p(&[("Offset", "-1")]),
            Err(ApiError::ParamsNotAvailable("Offset".into()))
        );
        assert_eq!(
            p(&[("Offset", "x")]),
            Err(ApiError::ParamsNotAvailable("Offset".into()))
        );
    }
}
