//! The mock beside the live gateway (`--upstream URL`):
//!
//! - `shadow`: the mock answers, and read-only requests (`Describe*`,
//!   `Get*`, `List*`, `Check*`; every request with `--shadow-mutations`)
//!   are also forwarded unchanged; the two answers are compared
//!   ([`compare`]) and the differences go to the journal entry, the log and
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

pub mod compare;
pub mod record;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::Response;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::actions::canned::paging;
use crate::actions::Support;
use crate::app::{Record, REQUEST_ID_HEADER};
use crate::catalogue::Catalogue;
use crate::server::{lock, read};
use crate::wire::envelope::render_http_error;
use crate::wire::request::{Verb, WireRequest};
use crate::wire::signature;
use crate::Shared;

pub use compare::{compare, Difference, Kind, PagedList};
pub use record::{Anonymiser, Recorder};

/// How long the upstream may take to answer (whole exchange) unless
/// `--upstream-timeout` says otherwise.
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest upstream answer read, in bytes.
pub const MAX_UPSTREAM_BODY: usize = 64 * 1024 * 1024;
/// The most differences logged for one request (the journal keeps all).
const MAX_LOGGED: usize = 20;

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
    summary: Mutex<Summary>,
    recorder: Option<Recorder>,
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

/// What the journal says of a request's trip to the upstream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpstreamNote {
    /// `shadow`, `record` or `proxy`.
    pub mode: String,
    /// Whether the request was sent to the upstream.
    pub forwarded: bool,
    /// Why it was not, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_forwarded: Option<String>,
    /// The request's `PublicKey` is not one of the fixtures': its signature
    /// was not checked by the mock (in `shadow`, the mock answered as the
    /// fixtures' first account).
    pub unverified_key: bool,
    /// In `shadow`, true until the upstream has answered and the answers
    /// are compared.
    pub pending: bool,
    /// The upstream's HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The upstream's RetCode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ret_code: Option<i64>,
    /// The upstream's request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Timeout, connection error or non-JSON answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// In `shadow`, how the answers differ (empty when identical).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// In `record`, the file written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
    /// In `record`, why the answer was not written, or what was left out of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_notes: Vec<String>,
}

/// Per action: how many requests were compared and how they differed.
#[derive(Debug, Default)]
struct Summary {
    actions: BTreeMap<String, ActionSummary>,
}

#[derive(Debug, Default)]
struct ActionSummary {
    requests: u64,
    identical: u64,
    not_forwarded: u64,
    upstream_errors: u64,
    differences: BTreeMap<(String, Kind), (u64, Difference, String)>,
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
    fn action(&mut self, action: Option<&str>) -> &mut ActionSummary {
        self.actions
            .entry(action.unwrap_or("(no Action)").to_owned())
            .or_default()
    }
}

/// `GET /_mock/shadow`: per action, requests compared, identical, and each
/// differing path with a count and one example.
pub async fn shadow_route(AxState(shared): AxState<Arc<Shared>>) -> Response {
    match &shared.config.upstream {
        Some(up) => crate::app::json_response(
            StatusCode::OK,
            serde_json::to_vec(&up.summary()).unwrap_or_default(),
            None,
        ),
        None => no_upstream(),
    }
}

/// `DELETE /_mock/shadow`: forgets the summary.
pub async fn clear_shadow_route(AxState(shared): AxState<Arc<Shared>>) -> Response {
    match &shared.config.upstream {
        Some(up) => {
            up.clear_summary();
            crate::app::json_response(StatusCode::OK, r#"{"Cleared":true}"#, None)
        }
        None => no_upstream(),
    }
}

fn no_upstream() -> Response {
    crate::app::json_response(
        StatusCode::NOT_FOUND,
        render_http_error(404, "no upstream: start the mock with --upstream URL"),
        None,
    )
}

/// Whether the request's `PublicKey` is one the fixtures do not know.
fn unknown_key(shared: &Shared, wire: &WireRequest) -> bool {
    wire.params
        .get("PublicKey")
        .is_some_and(|pk| read(&shared.state).account_by_public_key(pk).is_none())
}

/// Whether a request signed with a key the fixtures know fails the local
/// signature check (then the mock answers it itself, with its refusal).
fn fails_locally(shared: &Shared, wire: &WireRequest) -> bool {
    let state = read(&shared.state);
    let Some(account) = wire
        .params
        .get("PublicKey")
        .and_then(|pk| state.account_by_public_key(pk))
    else {
        return false;
    };
    signature::verify(
        &wire.canonical,
        &account.private_key,
        wire.signature.as_deref(),
    )
    .is_err()
}

/// The request as the fixtures' first account would have signed it: how
/// the mock answers, in `shadow`, a request signed with a key it does not know.
fn as_default_account(shared: &Shared, wire: &WireRequest) -> WireRequest {
    let state = read(&shared.state);
    let Some(account) = state.accounts().first().cloned() else {
        return wire.clone();
    };
    drop(state);
    let mut w = wire.clone();
    w.params.insert("PublicKey", account.public_key.clone());
    w.canonical = signature::canonical_flat(w.params.iter());
    w.signature = Some(signature::digest(&w.canonical, &account.private_key));
    w
}

/// Answers a request when the mock runs with an upstream.
pub(crate) async fn serve(
    shared: &Shared,
    upstream: &Arc<Upstream>,
    record: Record,
    wire: WireRequest,
    fwd: Forward,
) -> Response {
    let unverified = unknown_key(shared, &wire);
    match upstream.config.mode {
        Mode::Shadow => shadow(shared, upstream, record, wire, fwd, unverified).await,
        Mode::Proxy => forwarded(shared, upstream, record, wire, fwd, unverified).await,
        Mode::Record => {
            let action = wire.params.get("Action").unwrap_or("");
            let canned = read(&shared.state).canned.clone();
            let from_state = Catalogue::get().action(action).is_some()
                && crate::actions::support(action, &canned) == Support::Stateful;
            if from_state {
                let note = UpstreamNote {
                    mode: "record".to_owned(),
                    not_forwarded: Some("served from the mock's state".to_owned()),
                    unverified_key: unverified,
                    ..UpstreamNote::default()
                };
                local(shared, record, wire, unverified, note).await
            } else {
                forwarded(shared, upstream, record, wire, fwd, unverified).await
            }
        }
    }
}

/// The mock's own answer, with the upstream note added to its journal
/// entry; a request with an unknown key is answered as the first account.
async fn local(
    shared: &Shared,
    record: Record,
    wire: WireRequest,
    unverified: bool,
    note: UpstreamNote,
) -> Response {
    let sent_key = wire.params.get("PublicKey").map(str::to_owned);
    let wire = if unverified {
        as_default_account(shared, &wire)
    } else {
        wire
    };
    let id = record.entry.request_id.clone();
    let resp = crate::app::answer(shared, record, wire).await;
    lock(&shared.journal).amend(&id, |e, packed| {
        e.upstream = Some(note);
        if let (true, Some(pk)) = (unverified, sent_key) {
            packed.push("PublicKey", &pk);
        }
    });
    resp
}

/// `proxy`, and `record` for what the state cannot answer: the upstream's
/// answer (a 502 when there is none), journaled, and in `record` written.
async fn forwarded(
    shared: &Shared,
    upstream: &Arc<Upstream>,
    mut record: Record,
    wire: WireRequest,
    fwd: Forward,
    unverified: bool,
) -> Response {
    let mode = upstream.config.mode.as_str();
    if fails_locally(shared, &wire) {
        let note = UpstreamNote {
            mode: mode.to_owned(),
            not_forwarded: Some("the signature fails the mock's own check".to_owned()),
            ..UpstreamNote::default()
        };
        return local(shared, record, wire, false, note).await;
    }
    record.describe(shared, &wire);
    if !unverified {
        let state = read(&shared.state);
        record.entry.account = wire
            .params
            .get("PublicKey")
            .and_then(|pk| state.account_by_public_key(pk))
            .map(|a| a.account_id.clone());
    }
    let mut note = UpstreamNote {
        mode: mode.to_owned(),
        forwarded: true,
        unverified_key: unverified,
        ..UpstreamNote::default()
    };
    let action = wire.params.get("Action");
    match upstream.forward(&fwd).await {
        Ok(reply) => {
            let ret_code = reply.json.get("RetCode").and_then(Value::as_i64);
            note.status = Some(reply.status);
            note.ret_code = ret_code;
            note.request_id = reply.request_id.clone();
            record.entry.ret_code = ret_code;
            record.entry.message = reply
                .json
                .get("Message")
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty())
                .map(str::to_owned);
            if let Some(id) = &reply.request_id {
                record.entry.request_id = id.clone();
            }
            if upstream.config.mode == Mode::Record {
                if let Some(recorder) = &upstream.recorder {
                    record_answer(recorder, action, &wire, &reply, &mut note);
                }
            }
            record.entry.upstream = Some(note);
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
            record.finish(shared, reply.body, status)
        }
        Err(message) => {
            tracing::warn!(action = action.unwrap_or(""), error = %message, "upstream failed");
            note.error = Some(message.clone());
            record.entry.upstream = Some(note);
            record.entry.message = Some(message.clone());
            record.entry.refused_by = Some("upstream".to_owned());
            record.finish(
                shared,
                render_http_error(502, &message),
                StatusCode::BAD_GATEWAY,
            )
        }
    }
}

/// Writes a success answer of a catalogue action to the recordings, noting
/// what became of it.
fn record_answer(
    recorder: &Recorder,
    action: Option<&str>,
    wire: &WireRequest,
    reply: &Reply,
    note: &mut UpstreamNote,
) {
    let action = action.unwrap_or("");
    let why_not = if Catalogue::get().action(action).is_none() {
        Some("not recorded: not an action of the catalogue (a fixture set cannot hold it)".into())
    } else if reply.status != 200 || note.ret_code != Some(0) {
        Some("not recorded: only success answers are (a fixture holds no RetCode)".into())
    } else {
        None
    };
    if let Some(why) = why_not {
        note.record_notes.push(why);
        return;
    }
    match recorder.record(action, &wire.params, &reply.json) {
        Ok(r) => {
            tracing::info!(action, file = %r.file, dropped = r.dropped.len(), "recorded");
            note.recorded = Some(r.file);
            note.record_notes.extend(
                r.dropped
                    .into_iter()
                    .map(|d| format!("left out (not loadable as a fixture): {d}")),
            );
        }
        Err(e) => {
            tracing::warn!(action, error = %e, "not recorded");
            note.record_notes.push(e);
        }
    }
}

/// `shadow`: the mock's answer goes back at once; the upstream is asked at
/// the same time, and the journal entry (marked `Pending` meanwhile) and
/// the summary are completed when it has answered and the two are compared.
async fn shadow(
    shared: &Shared,
    upstream: &Arc<Upstream>,
    record: Record,
    wire: WireRequest,
    fwd: Forward,
    unverified: bool,
) -> Response {
    let action = wire.params.get("Action").map(str::to_owned);
    let forward = upstream.config.shadow_mutations || action.as_deref().is_some_and(is_read_only);
    let exchange = forward.then(|| {
        let up = upstream.clone();
        tokio::spawn(async move { up.forward(&fwd).await })
    });
    let id = record.entry.request_id.clone();
    let note = UpstreamNote {
        mode: "shadow".to_owned(),
        forwarded: forward,
        not_forwarded: (!forward)
            .then(|| "a mutating action: start with --shadow-mutations to forward it".to_owned()),
        unverified_key: unverified,
        pending: forward,
        ..UpstreamNote::default()
    };
    let resp = local(shared, record, wire, unverified, note).await;
    let Some(exchange) = exchange else {
        lock(&upstream.summary)
            .action(action.as_deref())
            .not_forwarded += 1;
        return resp;
    };
    let (parts, body) = resp.into_parts();
    let Ok(collected) = body.collect().await else {
        // A fault rule dropped the connection: nothing to compare.
        exchange.abort();
        lock(&shared.journal).amend(&id, |e, _| {
            if let Some(n) = &mut e.upstream {
                n.pending = false;
                n.error = Some("not compared: the mock's answer was dropped".to_owned());
            }
        });
        return Response::from_parts(parts, Body::from_stream(broken()));
    };
    let mine = collected.to_bytes();
    let journal = shared.journal.clone();
    let up = upstream.clone();
    let body = mine.clone();
    tokio::spawn(async move {
        let result = exchange
            .await
            .unwrap_or_else(|e| Err(format!("the forwarding task failed: {e}")));
        settle(&journal, &up, &id, action.as_deref(), &body, result);
    });
    Response::from_parts(parts, Body::from(mine))
}

fn broken() -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by fault rule"))
    })
}

/// Compares the mock's answer with the upstream's and completes the
/// journal entry, the log and the summary.
fn settle(
    journal: &Mutex<crate::journal::Journal>,
    upstream: &Upstream,
    id: &str,
    action: Option<&str>,
    mine: &[u8],
    result: Result<Reply, String>,
) {
    let name = action.unwrap_or("");
    let mut summary = lock(&upstream.summary);
    let entry = summary.action(action);
    let outcome = result.and_then(|reply| {
        let own: Value = serde_json::from_slice(mine)
            .map_err(|_| "not compared: the mock's answer is not JSON".to_owned())?;
        let paged = Catalogue::get().action(name).and_then(paging);
        let differences = compare(
            &own,
            &reply.json,
            paged.as_ref().map(|p| PagedList {
                list: &p.list,
                count: &p.count,
            }),
        );
        Ok((reply, differences))
    });
    let change: Box<dyn FnOnce(&mut UpstreamNote)> = match outcome {
        Ok((reply, differences)) => {
            entry.requests += 1;
            if differences.is_empty() {
                entry.identical += 1;
            } else {
                tracing::warn!(
                    action = name,
                    request_id = id,
                    differences = differences.len(),
                    "shadow: the upstream answered differently"
                );
            }
            for d in &differences {
                let slot = entry
                    .differences
                    .entry((d.path.clone(), d.kind))
                    .or_insert_with(|| (0, d.clone(), id.to_owned()));
                slot.0 += 1;
            }
            for d in differences.iter().take(MAX_LOGGED) {
                tracing::warn!(
                    action = name,
                    path = %d.path,
                    kind = ?d.kind,
                    mock = %d.mock,
                    upstream = %d.upstream,
                    "shadow difference"
                );
            }
            Box::new(move |n: &mut UpstreamNote| {
                n.status = Some(reply.status);
                n.ret_code = reply.json.get("RetCode").and_then(Value::as_i64);
                n.request_id = reply.request_id;
                n.differences = differences;
            })
        }
        Err(message) => {
            entry.upstream_errors += 1;
            tracing::warn!(action = name, request_id = id, error = %message, "shadow: no comparison");
            Box::new(move |n: &mut UpstreamNote| n.error = Some(message))
        }
    };
    drop(summary);
    lock(journal).amend(id, |e, _| {
        if let Some(n) = &mut e.upstream {
            n.pending = false;
            change(n);
        }
    });
}
