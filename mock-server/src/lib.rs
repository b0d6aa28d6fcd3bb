//! compshare-mock: an offline, faithful stand-in for the CompShare GPU cloud
//! API (`api.compshare.cn`). It verifies every signature, validates every
//! request against the action catalogue, and answers in the gateway's
//! envelope, so code written against the real API runs against it by changing
//! only the base URL.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = compshare_mock::MockServer::start().await?;
//! println!("{} signs with {}", server.uri(), server.credentials().public_key);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod wire;

#[cfg(feature = "server")]
pub mod actions;
#[cfg(feature = "server")]
pub mod admin;
#[cfg(feature = "server")]
pub mod app;
#[cfg(feature = "server")]
pub mod catalogue;
#[cfg(feature = "server")]
mod conn;
#[cfg(feature = "server")]
pub mod diagnose;
#[cfg(feature = "server")]
pub mod error;
#[cfg(feature = "server")]
pub mod faults;
#[cfg(feature = "server")]
pub mod fixtures;
#[cfg(feature = "server")]
pub mod gateway;
#[cfg(feature = "server")]
pub mod journal;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod state;
#[cfg(feature = "server")]
pub mod suggest;
#[cfg(feature = "server")]
pub mod support;
#[cfg(feature = "server")]
pub mod validate;

#[cfg(feature = "server")]
pub use server::{
    Config, Credentials, MockServer, Shared, DEFAULT_BODY_LIMIT, DEFAULT_LISTEN,
    DEFAULT_READ_TIMEOUT, LISTEN_BACKLOG, MAX_HEAD_BYTES,
};
