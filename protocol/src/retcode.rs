//! The gateway's RetCodes and the messages it sends with them
//! (`docs/PROTOCOL.md` §4). Every answer is HTTP 200 with one of these in
//! `RetCode`; 0 is success.

/// Success.
pub const OK: i64 = 0;
/// No `Action` parameter.
pub const MISSING_ACTION: i64 = 160;
/// The action is not one the gateway knows.
pub const ACTION_NOT_FOUND: i64 = 161;
/// No `Signature` parameter.
pub const MISSING_SIGNATURE: i64 = 170;
/// The signature does not match the parameters.
pub const SIGNATURE_MISMATCH: i64 = 171;
/// No account has that `PublicKey`.
pub const USER_NOT_EXISTS: i64 = 172;
/// A required parameter is absent.
pub const MISSING_PARAMS: i64 = 210;
/// A value is not acceptable.
pub const PARAMS_NOT_AVAILABLE: i64 = 230;
/// The resource exists but its state does not allow the action (the mock's
/// choice: the live code is not public).
pub const WRONG_STATE: i64 = 290;
/// US3 is not enabled for the account: `AttachUS3` on a `uhost-` instance
/// (the API reference's error codes; the official CLI's hint for it).
pub const US3_NOT_ENABLED: i64 = 8433;
/// A data disk is still detaching: `DeleteCompshareDisk`, which the official
/// CLI retries three times, 2 s × attempt (`docs/PROTOCOL.md` §8).
pub const DISK_DETACHING: i64 = 8434;
/// From here up, service-side and transient: the official SDKs retry these.
pub const FIRST_RETRYABLE: i64 = 2000;

/// The message of 160.
pub const MISSING_ACTION_MESSAGE: &str = "Missing Action";
/// The message of 170.
pub const MISSING_SIGNATURE_MESSAGE: &str = "Missing signature";
/// The message of 171.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "Signature VerifyAC Error";
/// The message of 172.
pub const USER_NOT_EXISTS_MESSAGE: &str = "User Not Exists";

/// The message of 8433, as the API reference's error code table words it.
pub const US3_NOT_ENABLED_MESSAGE: &str = "service error， please contact technical support";

/// The message of 8434 for a disk id (the mock's wording: the live one is
/// not public).
pub fn disk_detaching(id: &str) -> String {
    format!("UDisk [{id}] is detaching, please retry later")
}

/// The message of 161 for an action name.
pub fn action_not_found(action: &str) -> String {
    format!("Action [{action}] not found")
}

/// The message of 210 for a parameter name.
pub fn missing_params(name: &str) -> String {
    format!("Missing params [{name}]")
}

/// The message of 230 for a parameter name.
pub fn params_not_available(name: &str) -> String {
    format!("Params [{name}] not available")
}

/// Whether the official SDKs retry an answer with this RetCode.
pub fn is_retryable(code: i64) -> bool {
    code >= FIRST_RETRYABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_gateways() {
        assert_eq!(action_not_found("X"), "Action [X] not found");
        assert_eq!(missing_params("UHostId"), "Missing params [UHostId]");
        assert_eq!(
            params_not_available("Region"),
            "Params [Region] not available"
        );
        assert!(is_retryable(2000) && !is_retryable(1999));
    }
}
