//! The wire layer: request forms to a flat parameter map, the signature, and
//! the answer envelope. It knows no action.

pub mod encode;
pub mod signature;

#[cfg(feature = "server")]
pub mod envelope;
#[cfg(feature = "server")]
pub mod params;
#[cfg(feature = "server")]
pub mod request;
