//! The control router: the control plane under `/_mock/` and the JSON 404
//! and 405 answers of every other path. The API path `/` is not routed here:
//! `server::app` hands it to the API handler, so nothing layered on this
//! router alone reaches the API (layer `server::app` for that).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;

use crate::respond::{http_error, not_found, REQUEST_ID_HEADER};
use crate::shared::Shared;

/// The control router: `/_mock/…`, with the JSON 404 and 405 answers.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest("/_mock", crate::admin::routes(shared.clone()))
        .route("/_mock/actions", get(crate::support::actions_route))
        .merge(crate::ui::routes())
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
    let path = compshare_protocol::clip(path);
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
