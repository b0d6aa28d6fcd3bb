//! Every way a call can fail, one variant each, so callers can tell a refusal
//! by the API from a broken gateway, a network failure or an unreadable answer.

/// The answer header that carries the gateway's request id.
pub const REQUEST_ID_HEADER: &str = "X-UCLOUD-REQUEST-UUID";

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings cannot work (empty key, unparsable base URL, missing
    /// environment variable); raised before anything is sent.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// The call itself is malformed (empty action name, parameters that are
    /// not a JSON object); raised before anything is sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The API answered with a non-zero `RetCode`. Codes below 2000 are the
    /// caller's fault (171: bad signature, 210: missing parameter, …);
    /// 2000 and above are transient service errors.
    #[error("{action} failed with RetCode {code}: {message}")]
    RetCode {
        /// The `RetCode` of the answer.
        code: i64,
        /// The `Message` of the answer (empty if it had none).
        message: String,
        /// The action called.
        action: String,
        /// The gateway's request id, from `X-UCLOUD-REQUEST-UUID`.
        request_id: Option<String>,
    },

    /// The gateway answered with an HTTP status other than success.
    #[error("HTTP {status}: {body}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The answer body, as text.
        body: String,
        /// The gateway's request id, from `X-UCLOUD-REQUEST-UUID`.
        request_id: Option<String>,
    },

    /// No answer: connection refused or reset, timeout, TLS failure.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),

    /// An answer came, but it is not what the API sends: not JSON, no
    /// `RetCode`, or a field of the wrong type for a typed call.
    #[error("cannot decode the answer: {0}")]
    Decode(String),
}

impl Error {
    /// The gateway's request id, when the failure came with an answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::RetCode { request_id, .. } | Error::Http { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The `RetCode`, for a refusal by the API.
    pub fn ret_code(&self) -> Option<i64> {
        match self {
            Error::RetCode { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether the official SDKs would try again: `RetCode` >= 2000, HTTP
    /// 429/502/503/504, and transport failures. Never HTTP 500, never a
    /// `RetCode` below 2000.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RetCode { code, .. } => *code >= 2000,
            Error::Http { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            Error::Transport(_) => true,
            Error::Config(_) | Error::InvalidRequest(_) | Error::Decode(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(code: i64) -> Error {
        Error::RetCode {
            code,
            message: "m".into(),
            action: "A".into(),
            request_id: Some("rid".into()),
        }
    }

    fn http(status: u16) -> Error {
        Error::Http {
            status,
            body: String::new(),
            request_id: None,
        }
    }

    #[test]
    fn retcodes_from_2000_up_are_retryable_and_below_are_not() {
        for code in [2000, 2001, 5000] {
            assert!(ret(code).is_retryable(), "{code}");
        }
        for code in [160, 171, 210, 230, 1999] {
            assert!(!ret(code).is_retryable(), "{code}");
        }
    }

    #[test]
    fn only_429_and_gateway_failures_are_retryable_http_statuses() {
        for status in [429, 502, 503, 504] {
            assert!(http(status).is_retryable(), "{status}");
        }
        for status in [400, 404, 413, 500, 501] {
            assert!(!http(status).is_retryable(), "{status}");
        }
    }

    #[test]
    fn local_and_decode_failures_are_not_retryable() {
        assert!(!Error::Config("x".into()).is_retryable());
        assert!(!Error::InvalidRequest("x".into()).is_retryable());
        assert!(!Error::Decode("x".into()).is_retryable());
    }

    #[test]
    fn the_request_id_and_code_are_reachable() {
        assert_eq!(ret(171).request_id(), Some("rid"));
        assert_eq!(ret(171).ret_code(), Some(171));
        assert_eq!(http(500).ret_code(), None);
        assert_eq!(
            ret(171).to_string(),
            "A failed with RetCode 171: m".to_owned()
        );
    }
}
