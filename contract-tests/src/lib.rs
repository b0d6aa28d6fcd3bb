//! The contract suite of compshare-mock: a small harness that sends raw,
//! signed requests and checks the raw JSON on the wire, so the suite proves
//! the documented CompShare contract rather than agreement between shared
//! Rust types.
//!
//! The harness talks to an [`Endpoint`]: an in-process mock on a random
//! loopback port, or any base URL named by `COMPSHARE_BASE_URL` (with
//! `COMPSHARE_PUBLIC_KEY`, `COMPSHARE_PRIVATE_KEY` and optionally
//! `COMPSHARE_REGION`). Every answer it receives is checked on the way in:
//! JSON body, a fresh `X-UCLOUD-REQUEST-UUID`, the envelope, and the action's
//! catalogue shape (types, no field outside the model).
//!
//! ```no_run
//! use contract_tests::Endpoint;
//! let endpoint = Endpoint::under_test();
//! let answer = endpoint.call("DescribeCompShareCustomImages", &[("Region", endpoint.region())]);
//! assert_eq!(answer.ret_code(), Some(0));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod answer;
pub mod endpoint;
pub mod listing;
pub mod request;
pub mod samples;

pub use answer::{check_body, Raw};
pub use endpoint::{skip_when_external, Endpoint, Keys};
pub use request::HttpRequest;

/// Pins an answer ([`Raw`]) with an insta JSON snapshot named after the
/// test, the request id redacted (it is fresh on every answer, so it is the
/// only thing that varies). For test crates that depend on `insta`.
#[macro_export]
macro_rules! assert_answer_snapshot {
    ($raw:expr) => {
        ::insta::assert_json_snapshot!($raw, { ".request_id" => "[request id]" })
    };
    ($name:expr, $raw:expr) => {
        ::insta::assert_json_snapshot!($name, $raw, { ".request_id" => "[request id]" })
    };
}

/// The README's Rust examples (the mock in-process and the client), compiled
/// as doctests here, where both crates are at hand, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
