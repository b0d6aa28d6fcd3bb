//! The mock beside the live gateway (`--upstream URL`):
//!
//! - `shadow`: the mock answers, and read-only requests (`Describe*`,
//!   `Get*`, `List*`, `Check*`; every request with `--shadow-mutations`)
//!   are also forwarded unchanged; the two answers are compared
//!   ([`crate::compare`]) and the differences go to the journal entry, the log and
//!   `GET /_mock/shadow`.
//! - `record`: requests the mock cannot answer from its state (canned and
//!   neutral answers, unknown actions) get the upstream's answer, which is
//!   written as a fixture ([`record`]).
//! - `proxy`: every request gets the upstream's answer.
//!
//! Forwarding sends the client's own bytes: the same method, query, body
//! and `Content-Type`, and only the headers HTTP needs (`Host`,
//! `Content-Length`), so the client's signature stays valid and no key ever
//! reaches the mock.

pub mod record;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, Method, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::respond::REQUEST_ID_HEADER;
use crate::sync::lock;
use compshare_protocol::request::Verb;

pub use crate::compare::{compare, Difference, Kind, PagedList};
pub use crate::journal::UpstreamNote;
pub use record::{Anonymiser, Recorder};

/// How long the upstream may take to answer (whole exchange) unless
/// `--upstream-timeout` says otherwise.
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest upstream answer read, in bytes.
pub const MAX_UPSTREAM_BODY: usize = 64 * 1024 * 1024;
/// The most differences logged for one request (the journal keeps all).
pub(crate) const MAX_LOGGED: usize = 20;

/// What the mock does with the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(clap::ValueEnum)]
pub enum Mode {
    /// Answer as the mock, forward read-only requests too, compare.
    Shadow,
    /// Answer from the upstream what the state cannot answer, and record it.
    Record,
    /// Answer everything from the upstream.
    Proxy,
}

impl Mode {
    /// `shadow`, `record` or `proxy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Shadow => "shadow",
            Mode::Record => "record",
            Mode::Proxy => "proxy",
        }
    }
}

/// Whether an action only reads: `Describe*`, `Get*`, `List*`, `Check*`.
/// Anything else may create, change or bill real resources.
pub fn is_read_only(action: &str) -> bool {
    ["Describe", "Get", "List", "Check"]
        .iter()
        .any(|p| action.starts_with(p))
}

/// Checks an upstream URL: `https://`, or `http://` to a loopback address
/// only (keys would otherwise cross the network in the clear).
pub fn check_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("--upstream {url:?} is not a URL: {e}"))?;
    let host = uri
        .host()
        .ok_or_else(|| format!("--upstream {url:?} has no host"))?;
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if loopback => Ok(uri),
        Some("http") => Err(format!(
            "--upstream {url}: plain http is refused except to a loopback address; use https://"
        )),
        _ => Err(format!("--upstream {url:?}: use an https:// URL")),
    }
}

/// The upstream and what the mock does with it.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// The gateway's base URL, checked with [`check_url`].
    pub url: Uri,
    /// What to do.
    pub mode: Mode,
    /// How long one exchange may take.
    pub timeout: Duration,
    /// In `shadow` mode, forward mutating actions too.
    pub shadow_mutations: bool,
}

/// The upstream as the running mock uses it: the client, the shadow
/// summary and the recorder.
pub struct Upstream {
    /// The settings.
    pub config: UpstreamConfig,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    pub(crate) summary: Mutex<Summary>,
    pub(crate) recorder: Option<Recorder>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("config", &self.config)
            .field("recorder", &self.recorder)
            .finish()
    }
}

impl Upstream {
    /// An upstream; `recorder` is where `record` mode writes.
    pub fn new(config: UpstreamConfig, recorder: Option<Recorder>) -> Upstream {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Upstream {
            config,
            client,
            summary: Mutex::new(Summary::default()),
            recorder,
        }
    }

    /// The upstream's URL as the user gave it.
    pub fn url(&self) -> String {
        self.config.url.to_string()
    }

    /// Sends the request's own bytes to the upstream and reads its answer
    /// as JSON; every failure (timeout, connection, non-JSON) is a message
    /// naming the upstream.
    pub async fn forward(&self, fwd: &Forward) -> Result<Reply, String> {
        let name = self.url();
        let timeout = self.config.timeout;
        let exchange = async {
            let base = &self.config.url;
            let path = match base.path() {
                "" => "/",
                p => p,
            };
            let target = match &fwd.query {
                Some(q) => format!("{path}?{q}"),
                None => path.to_owned(),
            };
            let scheme = base.scheme_str().unwrap_or("https");
            let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
            let uri: Uri = format!("{scheme}://{authority}{target}")
                .parse()
                .map_err(|e| format!("upstream {name}: bad target: {e}"))?;
            let mut req = hyper::Request::builder()
                .method(match fwd.verb {
                    Verb::Get => Method::GET,
                    Verb::Post => Method::POST,
                })
                .uri(uri);
            if let Some(ct) = &fwd.content_type {
                req = req.header(header::CONTENT_TYPE, ct.as_str());
            }
            let req = req
                .body(Full::new(fwd.body.clone()))
                .map_err(|e| format!("upstream {name}: {e}"))?;
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| format!("upstream {name} cannot be reached: {}", chain(&e)))?;
            let status = resp.status().as_u16();
            let request_id = resp
                .headers()
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = Limited::new(resp.into_body(), MAX_UPSTREAM_BODY)
                .collect()
                .await
                .map_err(|e| format!("upstream {name}: the answer broke off: {e}"))?
                .to_bytes();
            let json: Value = serde_json::from_slice(&body).map_err(|_| {
                format!("upstream {name} answered HTTP {status} with a body that is not JSON")
            })?;
            Ok(Reply {
                status,
                request_id,
                body,
                json,
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "upstream {name} did not answer within {} ms",
                timeout.as_millis()
            )),
        }
    }

    /// The shadow summary as `GET /_mock/shadow` shows it.
    pub fn summary(&self) -> Value {
        let s = lock(&self.summary);
        serde_json::json!({
            "Upstream": self.url(),
            "Mode": self.config.mode.as_str(),
            "Actions": s.actions.iter().map(|(name, a)| a.to_json(name)).collect::<Vec<_>>(),
        })
    }

    /// Forgets the shadow summary.
    pub fn clear_summary(&self) {
        *lock(&self.summary) = Summary::default();
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(c) = source {
        s.push_str(": ");
        s.push_str(&c.to_string());
        source = c.source();
    }
    s
}

/// A request as it arrived, to be forwarded byte for byte.
#[derive(Debug, Clone)]
pub struct Forward {
    verb: Verb,
    query: Option<String>,
    content_type: Option<String>,
    body: Bytes,
}

impl Forward {
    /// The method, query, `Content-Type` and body of a request.
    pub fn new(verb: Verb, query: Option<&str>, content_type: Option<&str>, body: Bytes) -> Self {
        Forward {
            verb,
            query: query.map(str::to_owned),
            content_type: content_type.map(str::to_owned),
            body,
        }
    }
}

/// The upstream's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Its HTTP status.
    pub status: u16,
    /// Its `X-UCLOUD-REQUEST-UUID`.
    pub request_id: Option<String>,
    /// Its body, as sent.
    pub body: Bytes,
    /// Its body, parsed.
    pub json: Value,
}

/// Per action: how many requests were compared and how they differed.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    actions: BTreeMap<String, ActionSummary>,
}

#[derive(Debug, Default)]
pub(crate) struct ActionSummary {
    pub(crate) requests: u64,
    pub(crate) identical: u64,
    pub(crate) not_forwarded: u64,
    pub(crate) upstream_errors: u64,
    pub(crate) differences: BTreeMap<(String, Kind), (u64, Difference, String)>,
}

impl ActionSummary {
    fn to_json(&self, action: &str) -> Value {
        serde_json::json!({
            "Action": action,
            "Requests": self.requests,
            "Identical": self.identical,
            "NotForwarded": self.not_forwarded,
            "UpstreamErrors": self.upstream_errors,
            "Differences": self.differences.values().map(|(count, d, id)| serde_json::json!({
                "Path": d.path,
                "Kind": d.kind,
                "Count": count,
                "Example": {"Mock": d.mock, "Upstream": d.upstream, "RequestId": id},
            })).collect::<Vec<_>>(),
        })
    }
}

impl Summary {
    pub(crate) fn action(&mut self, action: Option<&str>) -> &mut ActionSummary {
        self.actions
            .entry(action.unwrap_or("(no Action)").to_owned())
            .or_default()
    }
}
