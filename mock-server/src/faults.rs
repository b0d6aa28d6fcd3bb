//! Fault injection: rules that make matching requests fail on purpose, so a
//! test can prove its client retries what the SDKs retry and stops on what
//! they do not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::state::IdGen;
use compshare_protocol::params::Params;

/// HTTP statuses a rule may answer with.
pub const FAULT_STATUSES: &[u16] = &[429, 500, 502, 503, 504];

/// A rule as posted to `POST /_mock/faults`: what it matches and what it does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Given by the mock; ignored when posted.
    #[serde(default)]
    pub id: u64,
    /// Only requests for this action (any action when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only requests whose flat parameters have exactly these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<BTreeMap<String, String>>,
    /// Answer this RetCode (HTTP 200 envelope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret_code: Option<i64>,
    /// Message for `ret_code` (default `Injected fault`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Answer this HTTP status (429, 500, 502, 503, 504).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Wait this long before answering (combines with any other effect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Close the connection without a complete answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_connection: bool,
    /// Answer HTTP 200 with a body that is not valid JSON.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub malformed_body: bool,
    /// Apply to the next N matches only, then retire (forever when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Apply to a match with this probability (always when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// How many requests it has shaped so far.
    #[serde(default)]
    pub applied: u64,
    /// Its `times` are used up: it matches nothing more, and stays listed
    /// (with `applied`) until deleted. Given by the mock; ignored when posted.
    #[serde(default)]
    pub exhausted: bool,
}

impl FaultRule {
    /// Checks a posted rule: an action of the catalogue, at least one
    /// effect, a known status, a probability in [0, 1], a non-zero RetCode.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(action) = &self.action {
            let catalogue = compshare_protocol::catalogue::Catalogue::get();
            if catalogue.action(action).is_none() {
                let near =
                    crate::suggest::nearest(action, catalogue.action_names()).unwrap_or_default();
                return Err(format!(
                    "action {action} is not in the catalogue, so the rule would never match; did you mean {near}?"
                ));
            }
        }
        let effects = [
            self.ret_code.is_some(),
            self.http_status.is_some(),
            self.delay_ms.is_some(),
            self.drop_connection,
            self.malformed_body,
        ];
        if !effects.contains(&true) {
            return Err("a rule needs one effect: ret_code, http_status, delay_ms, drop_connection or malformed_body".into());
        }
        if effects[..2]
            .iter()
            .chain(&effects[3..])
            .filter(|e| **e)
            .count()
            > 1
        {
            return Err("ret_code, http_status, drop_connection and malformed_body exclude each other (delay_ms combines with any)".into());
        }
        if let Some(s) = self.http_status {
            if !FAULT_STATUSES.contains(&s) {
                return Err(format!("http_status must be one of {FAULT_STATUSES:?}"));
            }
        }
        if self.ret_code == Some(0) {
            return Err("ret_code 0 is not a fault".into());
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err("probability must be between 0 and 1".into());
            }
        }
        if self.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        if self.delay_ms.is_some_and(|d| d > 60_000) {
            return Err("delay_ms is at most 60000".into());
        }
        Ok(())
    }

    /// Whether the rule answers in place of the mock (a delay alone does not).
    pub fn replaces_answer(&self) -> bool {
        self.ret_code.is_some()
            || self.http_status.is_some()
            || self.malformed_body
            || self.drop_connection
    }

    fn matches(&self, action: Option<&str>, params: &Params) -> bool {
        self.action.as_deref().is_none_or(|a| Some(a) == action)
            && self
                .params
                .as_ref()
                .is_none_or(|ps| ps.iter().all(|(k, v)| params.raw(k) == Some(v.as_str())))
    }
}

/// The rules in force.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<FaultRule>,
    next_id: u64,
    rng: IdGen,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rules: Vec::new(),
            next_id: 1,
            rng: IdGen::random(),
        }
    }
}

impl Faults {
    /// Adds a rule; returns its id.
    pub fn add(&mut self, mut rule: FaultRule) -> Result<u64, String> {
        rule.validate()?;
        rule.id = self.next_id;
        rule.applied = 0;
        rule.exhausted = false;
        self.next_id += 1;
        self.rules.push(rule);
        Ok(self.next_id - 1)
    }

    /// The rules, oldest first: those in force and the used-up ones
    /// (`exhausted`) not yet deleted.
    pub fn list(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Removes a rule; false if there was none of that id.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        self.rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Reseeds the probability draws.
    pub fn seed(&mut self, seed: u64) {
        self.rng = IdGen::seeded(seed);
    }

    /// The first rule that applies to this request, counted as applied (a
    /// rule whose `times` are used up is marked exhausted and matches no
    /// more). A rule with a probability draws from the seeded stream each
    /// time it matches.
    pub fn take(&mut self, action: Option<&str>, params: &Params) -> Option<FaultRule> {
        let mut hit = None;
        for i in 0..self.rules.len() {
            if self.rules[i].exhausted || !self.rules[i].matches(action, params) {
                continue;
            }
            let p = self.rules[i].probability.unwrap_or(1.0);
            let draw = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if draw < p {
                hit = Some(i);
                break;
            }
        }
        let idx = hit?;
        let rule = &mut self.rules[idx];
        rule.applied += 1;
        rule.exhausted = rule.times.is_some_and(|t| rule.applied >= t);
        Some(rule.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> FaultRule {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_rule_applies_its_times_then_stays_listed_as_exhausted() {
        let mut f = Faults::default();
        let a = "DescribeCompShareInstance";
        f.add(rule(
            r#"{"action":"DescribeCompShareInstance","http_status":503,"times":2}"#,
        ))
        .unwrap();
        let p = Params::new();
        assert!(f.take(Some("StopCompShareInstance"), &p).is_none());
        assert_eq!(f.take(Some(a), &p).unwrap().applied, 1);
        assert!(!f.list()[0].exhausted);
        assert_eq!(f.take(Some(a), &p).unwrap().applied, 2);
        assert!(f.take(Some(a), &p).is_none());
        assert_eq!(f.list().len(), 1);
        assert!(f.list()[0].exhausted);
        assert_eq!(f.list()[0].applied, 2);
        assert!(f.remove(f.list()[0].id));
        assert!(f.list().is_empty());
    }

    #[test]
    fn an_action_outside_the_catalogue_is_refused_with_the_nearest() {
        let mut f = Faults::default();
        let e = f
            .add(rule(
                r#"{"action":"DescribeCompShareInstances","http_status":503}"#,
            ))
            .unwrap_err();
        assert!(e.contains("did you mean DescribeCompShareInstance?"), "{e}");
    }

    #[test]
    fn params_must_match_exactly() {
        let mut f = Faults::default();
        f.add(rule(r#"{"params":{"Limit":"5"},"ret_code":2001}"#))
            .unwrap();
        let five: Params = [("Limit", "5")].into_iter().collect();
        let six: Params = [("Limit", "6")].into_iter().collect();
        assert!(f.take(Some("X"), &six).is_none());
        assert_eq!(f.take(Some("X"), &five).unwrap().ret_code, Some(2001));
    }

    #[test]
    fn a_seeded_probability_is_reproducible_and_roughly_right() {
        let run = || {
            let mut f = Faults::default();
            f.seed(42);
            f.add(rule(r#"{"http_status":502,"probability":0.25}"#))
                .unwrap();
            (0..2000)
                .filter(|_| f.take(None, &Params::new()).is_some())
                .count()
        };
        let hits = run();
        assert_eq!(hits, run());
        assert!((400..600).contains(&hits), "{hits}");
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        let mut f = Faults::default();
        for bad in [
            r#"{"action":"DescribeCompShareInstance"}"#,
            r#"{"http_status":418}"#,
            r#"{"ret_code":0}"#,
            r#"{"http_status":503,"probability":1.5}"#,
            r#"{"http_status":503,"ret_code":2001}"#,
            r#"{"http_status":503,"times":0}"#,
        ] {
            assert!(f.add(rule(bad)).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<FaultRule>(r#"{"colour":1}"#).is_err());
    }
}
