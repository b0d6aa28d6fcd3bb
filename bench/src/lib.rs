//! The performance benchmark of compshare-mock: a deterministic fixture
//! generator (`gen-fixtures`), a minimal baseline server (`baseline`) and the
//! load driver (`bench`). This library holds what they share: the fixture
//! set, the signed request bodies and the readings of `/proc`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod conn;
pub mod fixtures;
pub mod procfs;
pub mod requests;
