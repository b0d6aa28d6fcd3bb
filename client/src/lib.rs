//! A thin typed client for the CompShare API.
#![forbid(unsafe_code)]
