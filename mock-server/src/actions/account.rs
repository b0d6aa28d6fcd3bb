//! Account-wide actions: the account's projects and the official CLI's
//! telemetry events.

use serde_json::json;

use super::{Answer, Ctx};
use crate::error::ApiError;
use compshare_protocol::params::Params;

/// GetProjectList: the account's one project, its default. UCloud ids look
/// like `org-…`; the mock derives it from the account id (README, behaviour
/// table), so it is the same after a restart.
pub fn get_project_list(ctx: &Ctx<'_>, _params: &Params) -> Result<Answer, ApiError> {
    let project = json!({
        "ProjectId": format!("org-{}", ctx.account.account_id),
        "ProjectName": "Default",
        "IsDefault": true,
        "ResourceCount": 0,
        "CreateTime": 0,
    });
    Ok(Answer::new()
        .field("ProjectCount", &1)
        .field("ProjectSet", &[project]))
}

/// CreateCSCLIEvent: the official CLI's telemetry event after each command.
/// Accepted when `Command`, `CLIVersion` and `OS` are non-empty and
/// `OccurredAt` is an ISO-8601 UTC time (`2026-11-29T10:00:00Z`); the
/// journal keeps it like every request.
pub fn create_cscli_event(_ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let at = params.get("OccurredAt").unwrap_or_default();
    if !is_utc_time(at) {
        return Err(ApiError::ParamsNotAvailable("OccurredAt".to_owned()));
    }
    Ok(Answer::new())
}

/// `YYYY-MM-DDTHH:MM:SS` with optional fractions, then `Z` or `+00:00`.
fn is_utc_time(s: &str) -> bool {
    let Some(rest) = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00")) else {
        return false;
    };
    let (main, fraction) = rest.split_once('.').unwrap_or((rest, "0"));
    let b = main.as_bytes();
    main.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
        && !fraction.is_empty()
        && fraction.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::is_utc_time;

    #[test]
    fn an_event_time_is_iso_8601_utc() {
        assert!(is_utc_time("2026-11-29T10:00:00Z"));
        assert!(is_utc_time("2026-11-29T10:00:00.123+00:00"));
        for bad in [
            "",
            "2026-11-29 10:00:00Z",
            "2026-11-29T10:00:00",
            "yesterday",
            "2026-11-29T10:00:00.Z",
        ] {
            assert!(!is_utc_time(bad), "{bad}");
        }
    }
}
