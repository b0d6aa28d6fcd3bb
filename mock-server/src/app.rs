//! The HTTP layer: `app(shared) -> Router`. It only converts: bytes to a
//! `WireRequest`, the gateway's `Outcome` to an envelope with a fresh
//! `X-UCLOUD-REQUEST-UUID`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::gateway;
use crate::wire::envelope::{render_error, render_http_error, render_success};
use crate::wire::request::{self, Verb, WireError};
use crate::Shared;

/// The header both SDKs read the request id from.
pub const REQUEST_ID_HEADER: &str = "X-UCLOUD-REQUEST-UUID";

/// The router of the mock: the API on `/`, the admin routes under
/// `/_mock/`, JSON 404 elsewhere.
pub fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", any(api))
        .route("/_mock/actions", get(crate::support::actions_route))
        .fallback(not_found)
        .with_state(shared)
}

async fn not_found(uri: Uri) -> Response {
    http_error(
        StatusCode::NOT_FOUND,
        &format!("no such path {}: the API is served on /", uri.path()),
    )
}

async fn api(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let verb = match method {
        Method::GET => Verb::Get,
        Method::POST => Verb::Post,
        _ => return http_error(StatusCode::METHOD_NOT_ALLOWED, "use GET or POST"),
    };
    let limit = shared.config.body_limit;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(limit),
        Err(e) => return http_error(StatusCode::BAD_REQUEST, &format!("unreadable body: {e}")),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let wire = match request::parse(verb, uri.query(), content_type, &bytes) {
        Ok(w) => w,
        Err(e @ WireError::UnsupportedMediaType(_)) => {
            return http_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, &e.to_string())
        }
        Err(e) => return http_error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let outcome = gateway::handle(&shared, &wire);
    let action = wire.params.get("Action");
    let (ret_code, body) = match &outcome.result {
        Ok(answer) => (0, render_success(action, answer)),
        Err(e) => (
            e.ret_code(),
            render_error(action, e.ret_code(), &e.message()),
        ),
    };
    tracing::info!(
        action = action.unwrap_or(""),
        ret_code,
        account = outcome
            .account
            .as_ref()
            .map(|a| a.account_id.as_str())
            .unwrap_or(""),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    json_response(StatusCode::OK, body)
}

fn too_large(limit: usize) -> Response {
    http_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("body larger than the limit of {limit} bytes"),
    )
}

fn http_error(status: StatusCode, message: &str) -> Response {
    json_response(status, render_http_error(status.as_u16(), message))
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert(REQUEST_ID_HEADER, id);
    }
    resp
}
