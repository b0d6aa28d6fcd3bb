//! The mock's state: accounts and images. Knows nothing of HTTP; the actions
//! turn parameters into calls here and the results into answers.

pub mod accounts;
pub mod images;

use std::collections::HashMap;
use std::sync::Arc;

pub use accounts::Account;
pub use images::{CompShareImage, Images, Listing, Page};

use crate::actions::canned::CannedAnswers;
use crate::fixtures::Fixtures;

/// Everything the mock knows, built from a fixture set.
#[derive(Debug, Clone, Default)]
pub struct State {
    accounts: Vec<Arc<Account>>,
    by_public_key: HashMap<String, usize>,
    /// All images, platform and custom.
    pub images: Images,
    /// The fixture set's canned answers, by action.
    pub canned: CannedAnswers,
}

impl State {
    /// Builds the state of a (validated) fixture set.
    pub fn new(fixtures: &Fixtures) -> Self {
        let mut s = State::default();
        for a in &fixtures.accounts {
            s.by_public_key
                .insert(a.public_key.clone(), s.accounts.len());
            s.accounts.push(Arc::new(a.clone()));
        }
        s.images = Images::build(fixtures.images.iter().cloned());
        s.canned = fixtures.responses.clone();
        s
    }

    /// The account whose public key this is.
    pub fn account_by_public_key(&self, public_key: &str) -> Option<&Arc<Account>> {
        self.by_public_key
            .get(public_key)
            .map(|i| &self.accounts[*i])
    }

    /// All accounts, the default first.
    pub fn accounts(&self) -> &[Arc<Account>] {
        &self.accounts
    }
}
