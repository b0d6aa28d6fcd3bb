//! When to try a call again, and how long to wait first (`docs/PROTOCOL.md` §1).
//!
//! A failure is retried when [`Error::is_retryable`] says so (`RetCode` >=
//! 2000, HTTP 429/502/503/504, transport failures) and the action is safe to
//! repeat. Actions that create or publish something are never repeated: a
//! retry after a lost answer could create a second instance or image. The
//! catalogue marks exactly the actions named `Create*`, `Copy*` and
//! `Publish*` as not retryable (`sdk_retryable: false`), so the rule is kept
//! here by name prefix and checked against the catalogue by a test.
//!
//! Waits grow exponentially from [`Config::retry_backoff`] and are capped at
//! [`Config::retry_backoff_max`]; there is no jitter.
//!
//! [`Config::retry_backoff`]: crate::Config::retry_backoff
//! [`Config::retry_backoff_max`]: crate::Config::retry_backoff_max

use std::time::Duration;

use crate::error::Error;

/// Name prefixes of the actions that are never retried.
pub const NON_RETRYABLE_PREFIXES: &[&str] = &["Create", "Copy", "Publish"];

/// Whether a failed call of `action` may be sent again.
pub fn action_is_retryable(action: &str) -> bool {
    !NON_RETRYABLE_PREFIXES
        .iter()
        .any(|prefix| action.starts_with(prefix))
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Wait before the first retry.
    pub initial: Duration,
    /// Cap on any wait.
    pub max: Duration,
}

impl RetryPolicy {
    /// Whether the failure of attempt number `attempt` (0 for the first) of
    /// `action` is followed by another attempt.
    pub fn should_retry(&self, action: &str, attempt: u32, error: &Error) -> bool {
        attempt < self.max_retries && action_is_retryable(action) && error.is_retryable()
    }

    /// The wait after the failure of attempt number `attempt`:
    /// `initial * 2^attempt`, at most `max`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
        }
    }

    #[test]
    fn backoff_doubles_from_the_initial_wait_and_stops_at_the_cap() {
        let p = policy();
        let waits: Vec<u128> = (0..8).map(|a| p.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(2));
    }

    #[test]
    fn create_copy_and_publish_actions_are_never_retried() {
        let transient = Error::RetCode {
            code: 2000,
            message: String::new(),
            action: String::new(),
            request_id: None,
        };
        let p = policy();
        assert!(p.should_retry("DescribeCompShareImages", 0, &transient));
        assert!(!p.should_retry("DescribeCompShareImages", 3, &transient));
        for action in [
            "CreateCompShareInstance",
            "CopyCompShareCustomImage",
            "PublishCompShareImage",
        ] {
            assert!(!p.should_retry(action, 0, &transient), "{action}");
        }
    }

    #[test]
    fn the_prefix_rule_agrees_with_the_catalogue_on_every_action() {
        // The generated catalogue: the actions the SDKs know, with their retry flag.
        let catalogue: compshare_protocol::catalogue::Catalogue =
            serde_json::from_str(compshare_protocol::catalogue::CATALOGUE_JSON).unwrap();
        let names = catalogue.action_names();
        assert_eq!(names.len(), 80);
        for name in names {
            let action = catalogue.action(name).unwrap();
            assert_eq!(
                action_is_retryable(name),
                action.sdk_retryable,
                "{name}: the catalogue says sdk_retryable = {}",
                action.sdk_retryable
            );
        }
    }
}
