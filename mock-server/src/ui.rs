//! The dashboard: a static page at `GET /_mock/ui` (HTML, CSS and script
//! compiled into the binary, no external assets) that reads and steers the
//! mock through the control plane only. The page itself holds no data, so
//! it is served without the admin token; every call it makes sends the
//! token the user enters (kept in the tab's sessionStorage).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::shared::Shared;

/// Where the page is served.
pub const UI_PATH: &str = "/_mock/ui";

const INDEX_HTML: &str = include_str!("../ui/index.html");
const APP_JS: &str = include_str!("../ui/app.js");
const APP_CSS: &str = include_str!("../ui/app.css");

/// Only the mock's own origin: no CDN, no inline script, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page and its assets, to be merged into the mock's router.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(UI_PATH, get(page))
        .route("/_mock/ui/", get(page))
        .route(
            "/_mock/ui/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/_mock/ui/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
}

/// The page; from now on the journal keeps answers, so the page can show
/// them (see [`Shared::keep_answers`]).
async fn page(State(shared): State<Arc<Shared>>) -> Response {
    shared
        .keep_answers
        .store(true, std::sync::atomic::Ordering::Relaxed);
    asset(INDEX_HTML, "text/html; charset=utf-8")
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}
