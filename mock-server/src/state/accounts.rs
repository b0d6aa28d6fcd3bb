//! Accounts: each key pair is one account.

use serde::{Deserialize, Serialize};

/// An account of the mock, as in `fixtures/accounts.json`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Account {
    /// The account (company) id, as `Owner.AccountId` names it.
    pub account_id: String,
    /// Display name, as `Owner.AccountName` shows it.
    pub account_name: String,
    /// The public key requests carry as `PublicKey`.
    pub public_key: String,
    /// The private key that signs requests; never logged.
    pub private_key: String,
    /// Whether US3 object storage is enabled for the account (AttachUS3 on
    /// a `uhost-` instance answers 8433 when not); absent: enabled.
    #[serde(rename = "US3", default = "enabled")]
    pub us3: bool,
}

fn enabled() -> bool {
    true
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("account_id", &self.account_id)
            .field("account_name", &self.account_name)
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_private_key() {
        let a = Account {
            account_id: "1".into(),
            account_name: "n".into(),
            public_key: "pub".into(),
            private_key: "very-secret".into(),
            us3: true,
        };
        assert!(!format!("{a:?}").contains("very-secret"));
    }
}
