//! compshare-mock: an offline, faithful stand-in for the CompShare GPU cloud
//! API (`api.compshare.cn`). It verifies every signature, validates every
//! request against the action catalogue, and answers in the gateway's
//! envelope, so code written against the real API runs against it by changing
//! only the base URL.
//!
//! The layers, from the top: HTTP (`server`, `app`, `answer`, `forward`,
//! `upstream`, `router`, `admin`, `ui`,
//! `support`, `respond`, with `shared`, `journal` and `faults`) → `gateway`
//! (checks in order, with `validate` and `diagnose`) → `actions` → `state`
//! (and `fixtures`, which builds it) → the base (`domain`, `canned`, `wire`,
//! `error`, `sync`) and the `compshare_protocol` crate. `ARCHITECTURE.md`
//! has the map; a test keeps the imports pointing down.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = compshare_mock::MockServer::start().await?;
//! println!("{} signs with {}", server.uri(), server.credentials().public_key);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// HTTP and the control plane.
mod admin;
mod answer;
mod app;
mod conn;
pub mod faults;
mod forward;
pub mod journal;
mod respond;
mod router;
pub mod server;
pub mod shared;
pub mod support;
pub mod ui;
pub mod upstream;

// The gateway's checks.
mod diagnose;
pub mod gateway;
mod validate;

// The actions, one module per family.
pub mod actions;

// The state, one module per family, and the fixtures it is built from.
pub mod fixtures;
pub mod state;

// The base: domain tables, canned answers, the envelope, errors, locking,
// the structural comparison of two answers.
pub(crate) mod canned;
pub mod compare;
pub mod domain;
pub mod error;
mod paging;
pub mod suggest;
mod sync;
pub mod wire;

pub use respond::REQUEST_ID_HEADER;
pub use server::{app, Credentials, MockServer};
pub use shared::{
    Config, Shared, DEFAULT_BODY_LIMIT, DEFAULT_LISTEN, DEFAULT_READ_TIMEOUT, LISTEN_BACKLOG,
    MAX_HEAD_BYTES,
};
