//! The answer envelope: `{"Action": "<Action>Response", "RetCode": N, ...}`
//! written straight into bytes. Decoding requests and the signature live in
//! the `compshare_protocol` crate.

pub mod envelope;
