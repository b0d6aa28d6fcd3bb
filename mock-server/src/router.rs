//! The control router: the control plane under `/_mock/` and the JSON 404
//! and 405 answers of every other path. The API path `/` is not routed here:
//! `server::app` hands it to the API handler, so nothing layered on this
//! router alone reaches the API (layer `server::app` for that).

use std::sync::Arc;

use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::respond::{http_error, not_found};
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
