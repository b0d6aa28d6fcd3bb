//! A thin, typed client for the CompShare API (`api.compshare.cn`).
//!
//! It sends what the official UCloud SDKs send (PROTOCOL.md): a signed
//! form-urlencoded `POST /` by default, or a JSON body
//! ([`Encoding::Json`]); it retries transient failures as they do
//! ([`retry`]); and it reports every failure as one [`Error`] variant, with
//! the gateway's request id when there is one. The signature and the value
//! encoding come from `compshare_mock::wire`, the same code the mock verifies
//! requests with.
//!
//! Any of the 80 actions is callable with [`Client::invoke`];
//! `DescribeCompShareCustomImages` also has typed methods.
//!
//! ```no_run
//! use compshare_client::{Client, Config, DescribeCompShareCustomImagesRequest, Error};
//! use serde_json::json;
//!
//! # async fn demo() -> Result<(), Error> {
//! // Or Config::from_env(): COMPSHARE_PUBLIC_KEY, COMPSHARE_PRIVATE_KEY, ...
//! let client = Client::new(
//!     Config::new("my_public_key", "my_private_key").with_zone("cn-wlcb-01"),
//! )?;
//!
//! // Typed: one page, then every image.
//! let page = client
//!     .describe_custom_images(&DescribeCompShareCustomImagesRequest {
//!         limit: Some(10),
//!         ..Default::default()
//!     })
//!     .await?;
//! println!("{} images, first page has {}", page.total_count, page.image_set.len());
//! let all = client.describe_custom_images_all(&Default::default()).await?;
//!
//! // Any action, with nested parameters.
//! let answer = client
//!     .invoke("GetCompShareInstancePrice", json!({
//!         "GpuType": "4090", "Gpu": "1", "Cpu": "16", "Memory": "65536",
//!         "ChargeType": "Dynamic",
//!         "Disks": [{"IsBoot": true, "Size": 100, "Type": "CLOUD_SSD"}],
//!     }))
//!     .await;
//! match answer {
//!     Ok(answer) => println!("{answer}"),
//!     Err(Error::RetCode { code, message, request_id, .. }) => {
//!         eprintln!("refused: {code} {message} (request {request_id:?})")
//!     }
//!     Err(other) => return Err(other),
//! }
//!
//! // Every page of any paged action.
//! let mut pages = client.paginate("DescribeCompShareCustomImages", json!({}), "ImageSet", 50)?;
//! while let Some(page) = pages.next_page().await? {
//!     println!("{} items from offset {}", page.items.len(), page.offset);
//! }
//! # let _ = all;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod config;
pub mod encode;
pub mod error;
pub mod paginate;
pub mod retry;
pub mod types;

pub use client::Client;
pub use config::{Config, Encoding, PrivateKey};
pub use error::Error;
pub use paginate::{Page, Paginator};
pub use types::{
    CompShareImage, DescribeCompShareCustomImagesRequest, DescribeCompShareCustomImagesResponse,
    Projects, Software,
};

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
