//! What a [`Client`](crate::Client) needs to know: where the API is, which
//! region and project to act in, the key pair, and how patient to be.
//!
//! The private key lives in a [`PrivateKey`] whose `Debug` prints
//! `<redacted>`, so neither a `Config` nor a `Client` can leak it into a log.

use std::fmt;
use std::time::Duration;

use crate::error::Error;

/// The production gateway.
pub const DEFAULT_BASE_URL: &str = "https://api.compshare.cn";
/// The default region, as in the official CompShare examples.
pub const DEFAULT_REGION: &str = "cn-wlcb";
/// Time allowed for one HTTP attempt, as in both official SDKs.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Retries after the first attempt. The Python SDK also retries 3 times by
/// default; the Go SDK does not retry unless told to (its default is 0).
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Wait before the first retry; it doubles on each further retry.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between two attempts.
pub const DEFAULT_RETRY_BACKOFF_MAX: Duration = Duration::from_secs(2);

/// Environment variables read by [`Config::from_env`].
pub const ENV_BASE_URL: &str = "COMPSHARE_BASE_URL";
/// The public key variable.
pub const ENV_PUBLIC_KEY: &str = "COMPSHARE_PUBLIC_KEY";
/// The private key variable.
pub const ENV_PRIVATE_KEY: &str = "COMPSHARE_PRIVATE_KEY";
/// The region variable.
pub const ENV_REGION: &str = "COMPSHARE_REGION";
/// The zone variable.
pub const ENV_ZONE: &str = "COMPSHARE_ZONE";

/// How request parameters travel in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// `application/x-www-form-urlencoded`, flattened (`Key.0.Field=...`):
    /// the default of both official SDKs.
    #[default]
    Form,
    /// `application/json`, values keep their types and nesting: the Go SDK's
    /// JSON encoder.
    Json,
}

/// The secret half of a key pair. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKey(String);

impl PrivateKey {
    /// Wraps a private key.
    pub fn new(key: impl Into<String>) -> Self {
        PrivateKey(key.into())
    }

    /// The key itself, for signing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Client settings. Build one with [`Config::new`] or [`Config::from_env`],
/// then adjust it with the `with_*` methods or the public fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Gateway URL; requests go to its path (`/` for the production URL).
    pub base_url: String,
    /// Sent as `Region` unless a call's parameters carry one.
    pub region: String,
    /// Sent as `Zone`, when set, unless a call's parameters carry one.
    pub zone: Option<String>,
    /// Sent as `ProjectId`, when set, unless a call's parameters carry one.
    pub project_id: Option<String>,
    /// Sent as `PublicKey`.
    pub public_key: String,
    /// Signs every request; never sent, never printed.
    pub private_key: PrivateKey,
    /// Time allowed for one HTTP attempt (connect, send, and read the answer).
    pub timeout: Duration,
    /// Retries after the first attempt for retryable failures (see
    /// [`crate::retry`]); 0 disables retrying.
    pub max_retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub retry_backoff: Duration,
    /// Cap on the wait between attempts.
    pub retry_backoff_max: Duration,
    /// Body encoding of requests.
    pub encoding: Encoding,
}

impl Config {
    /// Settings for a key pair, with every other value at its default.
    pub fn new(public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            region: DEFAULT_REGION.to_owned(),
            zone: None,
            project_id: None,
            public_key: public_key.into(),
            private_key: PrivateKey::new(private_key),
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            retry_backoff_max: DEFAULT_RETRY_BACKOFF_MAX,
            encoding: Encoding::Form,
        }
    }

    /// Settings from `COMPSHARE_PUBLIC_KEY` and `COMPSHARE_PRIVATE_KEY`
    /// (required), `COMPSHARE_BASE_URL`, `COMPSHARE_REGION` and
    /// `COMPSHARE_ZONE` (optional); an empty variable counts as unset.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any source of variables, so it can be tested
    /// without touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &str| {
            get(name)
                .ok_or_else(|| Error::Config(format!("environment variable {name} is not set")))
        };
        let mut config = Config::new(required(ENV_PUBLIC_KEY)?, required(ENV_PRIVATE_KEY)?);
        if let Some(url) = get(ENV_BASE_URL) {
            config.base_url = url;
        }
        if let Some(region) = get(ENV_REGION) {
            config.region = region;
        }
        config.zone = get(ENV_ZONE);
        Ok(config)
    }

    /// Uses another gateway, such as a local mock.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Acts in another region.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sends this `Zone` with every call that does not carry its own.
    pub fn with_zone(mut self, zone: impl Into<String>) -> Self {
        self.zone = Some(zone.into());
        self
    }

    /// Sends this `ProjectId` with every call that does not carry its own.
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Allows this long for each HTTP attempt.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries retryable failures up to this many times.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Waits `initial` before the first retry, doubling up to `max`.
    pub fn with_retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.retry_backoff = initial;
        self.retry_backoff_max = max;
        self
    }

    /// Encodes request bodies this way.
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Checks what can be checked before the first call.
    pub(crate) fn validate(&self) -> Result<reqwest::Url, Error> {
        if self.public_key.is_empty() {
            return Err(Error::Config("the public key is empty".to_owned()));
        }
        if self.private_key.expose().is_empty() {
            return Err(Error::Config("the private key is empty".to_owned()));
        }
        if self.region.is_empty() {
            return Err(Error::Config("the region is empty".to_owned()));
        }
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base URL {:?}: {e}", self.base_url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base URL {:?}: the scheme must be http or https",
                self.base_url
            )));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_are_the_production_gateway_and_the_default_region() {
        let c = Config::new("pk", "sk");
        assert_eq!(c.base_url, "https://api.compshare.cn");
        assert_eq!(c.region, "cn-wlcb");
        assert_eq!(c.zone, None);
        assert_eq!(c.project_id, None);
        assert_eq!(c.max_retries, 3);
        assert_eq!(c.encoding, Encoding::Form);
    }

    #[test]
    fn from_env_reads_every_variable() {
        let c = Config::from_lookup(env(&[
            ("COMPSHARE_PUBLIC_KEY", "pk"),
            ("COMPSHARE_PRIVATE_KEY", "sk"),
            ("COMPSHARE_BASE_URL", "http://127.0.0.1:9"),
            ("COMPSHARE_REGION", "cn-bj2"),
            ("COMPSHARE_ZONE", "cn-bj2-02"),
        ]))
        .unwrap();
        assert_eq!(c.public_key, "pk");
        assert_eq!(c.private_key.expose(), "sk");
        assert_eq!(c.base_url, "http://127.0.0.1:9");
        assert_eq!(c.region, "cn-bj2");
        assert_eq!(c.zone.as_deref(), Some("cn-bj2-02"));
    }

    #[test]
    fn from_env_keeps_defaults_for_unset_or_empty_optional_variables() {
        let c = Config::from_lookup(env(&[
            ("COMPSHARE_PUBLIC_KEY", "pk"),
            ("COMPSHARE_PRIVATE_KEY", "sk"),
            ("COMPSHARE_REGION", ""),
        ]))
        .unwrap();
        assert_eq!(c, Config::new("pk", "sk"));
    }

    #[test]
    fn from_env_without_a_key_is_a_config_error_naming_the_variable() {
        let err = Config::from_lookup(env(&[("COMPSHARE_PUBLIC_KEY", "pk")])).unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("COMPSHARE_PRIVATE_KEY")),
            "{err:?}"
        );
        let err = Config::from_lookup(env(&[("COMPSHARE_PRIVATE_KEY", "sk")])).unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("COMPSHARE_PUBLIC_KEY")),
            "{err:?}"
        );
    }

    #[test]
    fn debug_never_shows_the_private_key() {
        let c = Config::new("my_public_key", "my_private_key").with_zone("cn-wlcb-01");
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("my_private_key"), "{shown}");
        assert!(shown.contains("my_public_key"));
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn validate_refuses_empty_keys_and_bad_urls() {
        assert!(Config::new("pk", "sk").validate().is_ok());
        for bad in [
            Config::new("", "sk"),
            Config::new("pk", ""),
            Config::new("pk", "sk").with_region(""),
            Config::new("pk", "sk").with_base_url("not a url"),
            Config::new("pk", "sk").with_base_url("ftp://example.com"),
        ] {
            assert!(matches!(bad.validate(), Err(Error::Config(_))), "{bad:?}");
        }
    }
}
