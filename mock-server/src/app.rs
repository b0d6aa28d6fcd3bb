//! The HTTP layer: `app(shared) -> Router`. It only converts: bytes to a
//! `WireRequest`, the gateway's `Outcome` to an envelope with a fresh
//! `X-UCLOUD-REQUEST-UUID`; it records each request in the journal and
//! applies the fault rules.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::catalogue::Catalogue;
use crate::error::ApiError;
use crate::faults::FaultRule;
use crate::journal::{Entry, PackedParams, SignatureDiagnosis, REDACTED_PARAMS};
use crate::server::lock;
use crate::wire::envelope::{render_error, render_http_error};
use crate::wire::request::{self, Verb, WireError, WireRequest};
use crate::{admin, diagnose, gateway, Shared};

/// The header both SDKs read the request id from.
pub const REQUEST_ID_HEADER: &str = "X-UCLOUD-REQUEST-UUID";

/// The router of the mock: the API on `/`, the control plane under
/// `/_mock/`, JSON 404 elsewhere.
pub fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", any(api))
        .nest("/_mock", admin::routes(shared.clone()))
        .route("/_mock/actions", get(crate::support::actions_route))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    http_error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("{method} is not served on {}", uri.path()),
        None,
    )
}

/// The JSON 404 of any path the mock does not serve.
pub(crate) async fn not_found(uri: Uri) -> Response {
    http_error(
        StatusCode::NOT_FOUND,
        &format!("no such path {}: the API is served on /", uri.path()),
        None,
    )
}

/// A request being answered: what the journal will say of it.
struct Record {
    started: Instant,
    entry: Entry,
    /// The request's parameters as the journal keeps them.
    params: PackedParams,
}

impl Record {
    fn new(shared: &Shared) -> Self {
        let virtual_time = crate::server::read(&shared.state).clock.now();
        Record {
            started: Instant::now(),
            entry: Entry {
                seq: 0,
                time_ms: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0),
                virtual_time,
                request_id: shared.next_request_id(),
                action: None,
                account: None,
                form: None,
                params: Default::default(),
                http_status: 200,
                ret_code: None,
                message: None,
                refused_by: None,
                signature: None,
                fault: None,
                duration_micros: 0,
                notes: Vec::new(),
            },
            params: PackedParams::default(),
        }
    }

    fn finish(mut self, shared: &Shared, body: impl Into<Body>, status: StatusCode) -> Response {
        self.entry.http_status = status.as_u16();
        self.entry.duration_micros = self.started.elapsed().as_micros() as u64;
        log_request(&self.entry);
        let resp = json_response(status, body, Some(&self.entry.request_id));
        lock(&shared.journal).record_packed(self.entry, self.params);
        resp
    }

    fn http_error(mut self, shared: &Shared, status: StatusCode, message: &str) -> Response {
        self.entry.message = Some(message.to_owned());
        self.entry.refused_by = Some("http".to_owned());
        self.finish(shared, render_http_error(status.as_u16(), message), status)
    }
}

async fn api(AxState(shared): AxState<Arc<Shared>>, request: axum::extract::Request) -> Response {
    serve_api(&shared, request).await
}

/// Answers a request to the API path `/`, whatever its body type: the
/// router's route, and the server's own path to it (no routing, no boxing
/// of the body).
pub(crate) async fn serve_api<B>(shared: &Shared, request: axum::http::Request<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    // The request taken whole: no copy of its headers or URI.
    let (parts, body) = request.into_parts();
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    let record = Record::new(shared);
    let verb = match method {
        Method::GET => Verb::Get,
        Method::POST => Verb::Post,
        _ => return record.http_error(shared, StatusCode::METHOD_NOT_ALLOWED, "use GET or POST"),
    };
    let limit = shared.config.body_limit;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || format!("body larger than the limit of {limit} bytes");
    if declared.is_some_and(|n| n > limit as u64) {
        return record.http_error(shared, StatusCode::PAYLOAD_TOO_LARGE, &too_large());
    }
    let collected = tokio::time::timeout(
        shared.config.read_timeout,
        Limited::new(body, limit).collect(),
    )
    .await;
    let bytes = match collected {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return record.http_error(shared, StatusCode::PAYLOAD_TOO_LARGE, &too_large())
        }
        Err(_) => {
            return record.http_error(
                shared,
                StatusCode::REQUEST_TIMEOUT,
                "the body did not arrive within the read timeout",
            )
        }
        Ok(Err(e)) => {
            return record.http_error(
                shared,
                StatusCode::BAD_REQUEST,
                &format!("unreadable body: {e}"),
            )
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let wire = match request::parse(verb, uri.query(), content_type, &bytes) {
        Ok(w) => w,
        Err(e @ WireError::UnsupportedMediaType(_)) => {
            return record.http_error(shared, StatusCode::UNSUPPORTED_MEDIA_TYPE, &e.to_string())
        }
        Err(e) => return record.http_error(shared, StatusCode::BAD_REQUEST, &e.to_string()),
    };
    answer(shared, record, wire).await
}

async fn answer(shared: &Shared, mut record: Record, wire: WireRequest) -> Response {
    let action = wire.params.get("Action");
    record.entry.action = action.map(|a| crate::wire::envelope::clip(a).into_owned());
    record.entry.form = Some(wire.form.as_str().to_owned());
    if shared.config.journal_size > 0 {
        record.params = PackedParams::redacted(wire.params.iter());
        if wire.signature.is_some() {
            record.params.push("Signature", "<redacted>");
        }
    }
    let fault = lock(&shared.faults).take(action, &wire.params);
    if let Some(rule) = &fault {
        record.entry.fault = Some(rule.id);
        if let Some(ms) = rule.delay_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        if rule.replaces_answer() {
            return apply_fault(shared, record, rule, action);
        }
    }
    if let Some(name) = action {
        record.entry.notes = match Catalogue::get().action(name) {
            Some(known) => crate::suggest::unknown_params(known, &wire.params),
            None => vec![crate::suggest::unknown_action(
                &crate::wire::envelope::clip(name),
            )],
        };
    }
    let outcome = gateway::handle(shared, &wire);
    record.entry.account = outcome.account.as_ref().map(|a| a.account_id.clone());
    let body = match outcome.result {
        Ok(answer) => {
            record.entry.ret_code = Some(0);
            answer.into_body(action)
        }
        Err(e) => {
            record.entry.ret_code = Some(e.ret_code());
            record.entry.message = Some(e.message());
            record.entry.refused_by = Some(e.check().to_owned());
            if e == ApiError::SignatureMismatch {
                let cat = action.and_then(|a| Catalogue::get().action(a));
                record.entry.signature = Some(SignatureDiagnosis {
                    canonical: redact_canonical(&wire),
                    hints: diagnose::signature_hints(&wire, cat),
                });
            }
            render_error(action, e.ret_code(), &e.message()).into()
        }
    };
    record.finish(shared, body, StatusCode::OK)
}

/// The canonical string with the values of secret parameters replaced.
fn redact_canonical(wire: &WireRequest) -> String {
    let mut canonical = wire.canonical.clone();
    for (k, v) in wire.params.iter() {
        if !v.is_empty()
            && REDACTED_PARAMS
                .iter()
                .any(|r| k == *r || k.ends_with(&format!(".{r}")))
        {
            canonical = canonical.replace(&format!("{k}{v}"), &format!("{k}<redacted>"));
        }
    }
    canonical
}

/// The answer of a fault rule that replaces the answer.
fn apply_fault(
    shared: &Shared,
    mut record: Record,
    rule: &FaultRule,
    action: Option<&str>,
) -> Response {
    record.entry.refused_by = Some("fault".to_owned());
    let injected = "Injected fault";
    if let Some(code) = rule.ret_code {
        let message = rule.message.as_deref().unwrap_or(injected);
        record.entry.ret_code = Some(code);
        record.entry.message = Some(message.to_owned());
        let body = render_error(action, code, message);
        return record.finish(shared, body, StatusCode::OK);
    }
    if let Some(status) = rule.http_status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        record.entry.message = Some(injected.to_owned());
        let body = render_http_error(status.as_u16(), injected);
        return record.finish(shared, body, status);
    }
    if rule.malformed_body {
        let body = format!(
            "{{\"Action\":\"{}Response\",\"RetCode\":0,\"",
            action.unwrap_or("")
        );
        return record.finish(shared, body.into_bytes(), StatusCode::OK);
    }
    // drop_connection: a body that fails at once makes the server abort the
    // connection before the answer is complete.
    let id = record.entry.request_id.clone();
    let _ = record.finish(shared, Vec::new(), StatusCode::OK);
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
            "connection dropped by fault rule",
        ))
    });
    let mut resp = Response::new(Body::from_stream(failing));
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("64"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    resp
}

fn http_error(status: StatusCode, message: &str, id: Option<&str>) -> Response {
    json_response(status, render_http_error(status.as_u16(), message), id)
}

/// A JSON answer with the request id header (a fresh random one when none is given).
pub(crate) fn json_response(
    status: StatusCode,
    body: impl Into<Body>,
    id: Option<&str>,
) -> Response {
    let mut resp = (status, body.into()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    let fresh;
    let id = match id {
        Some(id) => id,
        None => {
            fresh = uuid::Uuid::new_v4().to_string();
            &fresh
        }
    };
    if let Ok(v) = HeaderValue::from_str(id) {
        h.insert(REQUEST_ID_HEADER, v);
    }
    resp
}

/// The log line of an API request: its id, what was answered, and for a
/// refusal its message; then what the mock noticed (see [`Entry::notes`]).
fn log_request(e: &Entry) {
    use std::fmt::Write as _;
    let mut line = format!("request_id={} status={}", e.request_id, e.http_status);
    if let Some(action) = &e.action {
        let _ = write!(line, " action={action}");
    }
    if let Some(code) = e.ret_code {
        let _ = write!(line, " ret_code={code}");
    }
    if let Some(account) = &e.account {
        let _ = write!(line, " account={account}");
    }
    let _ = write!(line, " micros={}", e.duration_micros);
    if let Some(message) = &e.message {
        let _ = write!(line, " message={message:?}");
    }
    if !e.notes.is_empty() {
        let _ = write!(line, " notes={:?}", e.notes.join("; "));
    }
    tracing::info!("request {line}");
}

/// Gives an answer of the control plane (or a 404/405 beside the API) the
/// request id every answer carries, and logs it: method, path, status, and
/// for a refusal its message.
pub(crate) async fn log_other(
    shared: &Shared,
    method: &Method,
    path: &str,
    response: Response,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let id = match parts
        .headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        Some(id) => id.to_owned(),
        None => {
            let id = shared.next_request_id();
            if let Ok(v) = HeaderValue::from_str(&id) {
                parts.headers.insert(REQUEST_ID_HEADER, v);
            }
            id
        }
    };
    let path = crate::wire::envelope::clip(path);
    let status = parts.status.as_u16();
    if status < 400 {
        tracing::info!("control request_id={id} method={method} path={path} status={status}");
        return Response::from_parts(parts, body);
    }
    // A refusal's body is a small JSON object: read it for its message.
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("Error").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_default();
    tracing::info!(
        "control request_id={id} method={method} path={path} status={status} message={message:?}"
    );
    Response::from_parts(parts, Body::from(bytes))
}
