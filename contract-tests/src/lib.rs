//! The contract suite of compshare-mock.
#![forbid(unsafe_code)]
