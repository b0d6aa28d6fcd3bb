//! The mock's errors: [`ApiError`], every refusal of the API as a RetCode
//! and a message (rendered in the envelope by the app), and
//! [`FixtureError`], a refused fixture set.

/// A refusal answered with HTTP 200 and a non-zero RetCode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 160: no `Action` parameter.
    #[error("Missing Action")]
    MissingAction,
    /// 161: the action is not one of the catalogue's.
    #[error("Action [{0}] not found")]
    ActionNotFound(String),
    /// 170: no `Signature` parameter.
    #[error("Missing signature")]
    MissingSignature,
    /// 171: the signature does not match the parameters.
    #[error("Signature VerifyAC Error")]
    SignatureMismatch,
    /// 172: no account has that `PublicKey` (or none was sent).
    #[error("User Not Exists")]
    UserNotExists,
    /// 210: a required parameter is absent.
    #[error("Missing params [{0}]")]
    MissingParams(String),
    /// 230: a value is not acceptable.
    #[error("Params [{0}] not available")]
    ParamsNotAvailable(String),
    /// 290 (the mock's choice): the resource exists but its state does not
    /// allow the action.
    #[error("Resource [{id}] is [{state}]: [{action}] is not allowed")]
    WrongState {
        /// The resource.
        id: String,
        /// Its state.
        state: String,
        /// The refused action.
        action: String,
    },
}

impl ApiError {
    /// The RetCode on the wire.
    pub fn ret_code(&self) -> i64 {
        match self {
            ApiError::MissingAction => 160,
            ApiError::ActionNotFound(_) => 161,
            ApiError::MissingSignature => 170,
            ApiError::SignatureMismatch => 171,
            ApiError::UserNotExists => 172,
            ApiError::MissingParams(_) => 210,
            ApiError::ParamsNotAvailable(_) => 230,
            ApiError::WrongState { .. } => 290,
        }
    }

    /// The message on the wire.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The short name of the check that failed, for logs and the journal.
    pub fn check(&self) -> &'static str {
        match self {
            ApiError::MissingAction | ApiError::ActionNotFound(_) => "action",
            ApiError::MissingSignature | ApiError::SignatureMismatch => "signature",
            ApiError::UserNotExists => "account",
            ApiError::MissingParams(_) => "missing_param",
            ApiError::ParamsNotAvailable(_) => "value",
            ApiError::WrongState { .. } => "state",
        }
    }
}

/// Why a fixture set was refused: which file, which entry, which field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}{}: {problem}", .index.map(|i| format!(": entry {i}")).unwrap_or_default(), .field.as_ref().map(|f| format!(": field {f}")).unwrap_or_default())]
pub struct FixtureError {
    /// The file.
    pub file: String,
    /// The index of the entry in the file's list, if the problem is in one.
    pub index: Option<usize>,
    /// The field, if the problem is in one.
    pub field: Option<String>,
    /// What is wrong.
    pub problem: String,
}

impl FixtureError {
    pub(crate) fn new(
        file: &str,
        index: Option<usize>,
        field: Option<&str>,
        problem: impl Into<String>,
    ) -> Self {
        FixtureError {
            file: file.to_owned(),
            index,
            field: field.map(str::to_owned),
            problem: problem.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages_are_the_gateways() {
        let cases = [
            (ApiError::MissingAction, 160, "Missing Action"),
            (
                ApiError::ActionNotFound("Foo".into()),
                161,
                "Action [Foo] not found",
            ),
            (ApiError::MissingSignature, 170, "Missing signature"),
            (ApiError::SignatureMismatch, 171, "Signature VerifyAC Error"),
            (ApiError::UserNotExists, 172, "User Not Exists"),
            (
                ApiError::MissingParams("UHostId".into()),
                210,
                "Missing params [UHostId]",
            ),
            (
                ApiError::ParamsNotAvailable("Region".into()),
                230,
                "Params [Region] not available",
            ),
        ];
        for (e, code, msg) in cases {
            assert_eq!((e.ret_code(), e.message().as_str()), (code, msg));
        }
    }
}
