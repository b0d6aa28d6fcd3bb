//! The API path has one way in: `compshare_mock::app` serves `/` and the
//! control plane alike, and the server serves exactly that service, so a
//! layer wrapped around it sees every request, the API's included.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use axum::response::Response;
use compshare_mock::{app, Config, Shared};
use tower::util::MapResponseLayer;
use tower::{ServiceBuilder, ServiceExt};

fn stamped(mut r: Response) -> Response {
    r.headers_mut()
        .insert("x-layered", HeaderValue::from_static("yes"));
    r
}

#[tokio::test]
async fn a_layer_around_the_app_applies_to_the_api_path_and_the_control_plane() {
    let shared = Arc::new(Shared::new(Config::default()));
    for (method, path, body) in [
        ("POST", "/", "Action=DescribeCompShareCustomImages"),
        ("GET", "/?Action=Nope", ""),
        ("GET", "/_mock/health", ""),
        ("GET", "/elsewhere", ""),
    ] {
        let service = ServiceBuilder::new()
            .layer(MapResponseLayer::new(stamped))
            .service(app(shared.clone()));
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let response = service.oneshot(request).await.unwrap();
        assert_eq!(
            response.headers().get("x-layered").map(|v| v.as_bytes()),
            Some(&b"yes"[..]),
            "{method} {path} bypassed the layer"
        );
        assert!(
            response.headers().contains_key("x-ucloud-request-uuid"),
            "{method} {path}"
        );
    }
}
