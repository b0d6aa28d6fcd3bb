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
    /// 8434: a data disk is still detaching (the official CLI retries it).
    #[error("UDisk [{0}] is detaching")]
    DiskDetaching(String),
    /// 8433: US3 is not enabled for the account.
    #[error("US3 not enabled")]
    Us3NotEnabled,
}

impl ApiError {
    /// The RetCode on the wire.
    pub fn ret_code(&self) -> i64 {
        use compshare_protocol::retcode as rc;
        match self {
            ApiError::MissingAction => rc::MISSING_ACTION,
            ApiError::ActionNotFound(_) => rc::ACTION_NOT_FOUND,
            ApiError::MissingSignature => rc::MISSING_SIGNATURE,
            ApiError::SignatureMismatch => rc::SIGNATURE_MISMATCH,
            ApiError::UserNotExists => rc::USER_NOT_EXISTS,
            ApiError::MissingParams(_) => rc::MISSING_PARAMS,
            ApiError::ParamsNotAvailable(_) => rc::PARAMS_NOT_AVAILABLE,
            ApiError::WrongState { .. } => rc::WRONG_STATE,
            ApiError::DiskDetaching(_) => rc::DISK_DETACHING,
            ApiError::Us3NotEnabled => rc::US3_NOT_ENABLED,
        }
    }

    /// The message on the wire, in the gateway's words.
    pub fn message(&self) -> String {
        use compshare_protocol::retcode as rc;
        match self {
            ApiError::MissingAction => rc::MISSING_ACTION_MESSAGE.to_owned(),
            ApiError::ActionNotFound(a) => rc::action_not_found(a),
            ApiError::MissingSignature => rc::MISSING_SIGNATURE_MESSAGE.to_owned(),
            ApiError::SignatureMismatch => rc::SIGNATURE_MISMATCH_MESSAGE.to_owned(),
            ApiError::UserNotExists => rc::USER_NOT_EXISTS_MESSAGE.to_owned(),
            ApiError::MissingParams(p) => rc::missing_params(p),
            ApiError::ParamsNotAvailable(p) => rc::params_not_available(p),
            ApiError::WrongState { .. } => self.to_string(),
            ApiError::DiskDetaching(id) => rc::disk_detaching(id),
            ApiError::Us3NotEnabled => rc::US3_NOT_ENABLED_MESSAGE.to_owned(),
        }
    }

    /// The short name of the check that failed, for logs and the journal.
    pub fn check(&self) -> &'static str {
        match self {
            ApiError::MissingAction | ApiError::ActionNotFound(_) => "action",
            ApiError::MissingSignature | ApiError::SignatureMismatch => "signature",
            ApiError::UserNotExists => "account",
            ApiError::MissingParams(_) => "missing_param",
            ApiError::ParamsNotAvailable(_) => "value",
            ApiError::WrongState { .. } | ApiError::DiskDetaching(_) => "state",
            ApiError::Us3NotEnabled => "account",
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
            assert_eq!(e.to_string(), msg, "Display says what the wire says");
        }
    }
}
