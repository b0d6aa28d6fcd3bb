//! The API path `/`: converts only. Bytes become a `WireRequest` (broken
//! HTTP a JSON 4xx), which `answer` answers, or `forward` when an upstream
//! is configured.

use axum::http::{header, Method, StatusCode};
use axum::response::Response;
use compshare_protocol::request::{self, Verb, WireError};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::answer::{answer, Record};
use crate::shared::Shared;

/// Answers a request to the API path `/`, whatever its body type (no
/// routing, no boxing of the body).
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
    if let Some(upstream) = &shared.config.upstream {
        let forward = crate::upstream::Forward::new(verb, uri.query(), content_type, bytes);
        return crate::forward::serve(shared, upstream, record, wire, forward).await;
    }
    answer(shared, record, wire).await
}
