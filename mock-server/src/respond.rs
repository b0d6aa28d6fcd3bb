//! JSON answers of the HTTP layer: every answer carries an
//! `X-UCLOUD-REQUEST-UUID`, and HTTP refusals have a JSON body.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::wire::envelope::render_http_error;

/// The header both SDKs read the request id from.
pub const REQUEST_ID_HEADER: &str = "X-UCLOUD-REQUEST-UUID";

/// The JSON 404 of any path the mock does not serve.
pub(crate) async fn not_found(uri: Uri) -> Response {
    http_error(
        StatusCode::NOT_FOUND,
        &format!("no such path {}: the API is served on /", uri.path()),
        None,
    )
}

/// A JSON HTTP refusal with the request id header.
pub(crate) fn http_error(status: StatusCode, message: &str, id: Option<&str>) -> Response {
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
