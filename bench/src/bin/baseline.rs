//! `baseline --body-file FILE`: the HTTP ceiling the mock is measured
//! against. A minimal axum server that reads the same form body as the mock
//! (it decodes every pair) and answers a fixed JSON body — a page the mock
//! served — with the same headers. What the mock does beyond this is the
//! cost of being a mock.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::ListenerExt;
use axum::Router;
use clap::Parser;

/// A minimal server answering every POST / with a fixed JSON body.
#[derive(Debug, Parser)]
#[command(name = "baseline")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The JSON body to answer with.
    #[arg(long)]
    body_file: PathBuf,
}

/// A request id of the length the mock sends, so the headers weigh the same.
const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";

async fn answer(State(page): State<Bytes>, body: Bytes) -> Response {
    // Read the form as the mock does: every pair percent-decoded.
    let pairs = form_urlencoded::parse(&body).count();
    std::hint::black_box(pairs);
    let mut resp = page.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        "X-UCLOUD-REQUEST-UUID",
        HeaderValue::from_static(REQUEST_ID),
    );
    resp
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let page = match std::fs::read(&args.body_file) {
        Ok(b) => Bytes::from(b),
        Err(e) => {
            eprintln!("baseline: {}: {e}", args.body_file.display());
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("baseline: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("baseline: cannot listen on {}: {e}", args.listen);
                return std::process::ExitCode::FAILURE;
            }
        };
        let addr = listener.local_addr().unwrap_or(args.listen);
        println!("baseline listening on http://{addr}");
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = Router::new().route("/", post(answer)).with_state(page);
        match axum::serve(listener, app).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("baseline: {e}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}
