//! The gateway's checks, in the order the mock applies them, then dispatch:
//! 160 no Action → 161 unknown Action → 170 no Signature → 172 unknown
//! PublicKey → 171 wrong signature → 230 a key sent twice → 210/230
//! catalogue validation → 230 a parameter refused for this action → the
//! action.

use std::sync::{Arc, RwLock};

use crate::actions::{self, Answer, Ctx};
use crate::error::ApiError;
use crate::state::{Account, State};
use compshare_protocol::catalogue::Catalogue;
use compshare_protocol::request::WireRequest;
use compshare_protocol::signature::{self, SignatureError};

/// What became of one request.
#[derive(Debug)]
pub struct Outcome {
    /// The account that signed it, once known.
    pub account: Option<Arc<Account>>,
    /// The answer's fields or the refusal.
    pub result: Result<Answer, ApiError>,
}

/// Checks and runs one request.
pub fn handle(state: &RwLock<State>, req: &WireRequest) -> Outcome {
    let mut account = None;
    let result = check_and_run(state, req, &mut account);
    Outcome { account, result }
}

fn check_and_run(
    state: &RwLock<State>,
    req: &WireRequest,
    who: &mut Option<Arc<Account>>,
) -> Result<Answer, ApiError> {
    let catalogue = Catalogue::get();
    let name = req.params.get("Action").ok_or(ApiError::MissingAction)?;
    let action = catalogue
        .action(name)
        .ok_or_else(|| ApiError::ActionNotFound(compshare_protocol::clip(name).into_owned()))?;
    let given = req
        .signature
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(ApiError::MissingSignature)?;
    let account = {
        let state = crate::sync::read(state);
        req.params
            .get("PublicKey")
            .and_then(|pk| state.account_by_public_key(pk))
            .cloned()
            .ok_or(ApiError::UserNotExists)?
    };
    *who = Some(account.clone());
    signature::verify(&req.canonical, &account.private_key, Some(given)).map_err(|e| match e {
        SignatureError::Missing => ApiError::MissingSignature,
        SignatureError::Mismatch => ApiError::SignatureMismatch,
    })?;
    if let Some(dup) = req.duplicates.first() {
        return Err(ApiError::ParamsNotAvailable(dup.clone()));
    }
    crate::validate::validate(catalogue, action, &req.params)?;
    crate::validate::refused_params(action, &req.params)?;
    let ctx = Ctx {
        account: &account,
        state,
    };
    // A parameter sent under its second name (the overlay's `aliases`)
    // reaches the action under the catalogue's.
    let aliased = action
        .aliases
        .iter()
        .filter(|a| !req.params.has(&a.param))
        .filter_map(|a| Some((a.param.as_str(), req.params.get(&a.alias)?)))
        .collect::<Vec<_>>();
    if aliased.is_empty() {
        return actions::run(catalogue, name, action, &ctx, &req.params);
    }
    let mut params = req.params.clone();
    for (param, value) in aliased {
        params.insert(param, value);
    }
    actions::run(catalogue, name, action, &ctx, &params)
}
