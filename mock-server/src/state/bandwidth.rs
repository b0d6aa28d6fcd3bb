//! Share bandwidth: an account's own bandwidth in a zone (at most one per
//! account and zone), bought for a term, resized, deleted, and the public
//! IPs (EIPs) of the account's instances switched onto it and back.
//!
//! An instance's EIP draws on the platform's shared bandwidth (`Public`)
//! until it is switched to its zone's share bandwidth (`Company`); the
//! binding is kept on the instance (`InstanceExtra::share_bandwidth_id`), so
//! a terminated instance leaves nothing behind and `BindEIPCount` is always
//! counted, never stored. Deleting a share bandwidth moves its EIPs back.
//! Prices are in fen (`domain::share_bandwidth_price`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{not_available, Instance, State};
use crate::domain::share_bandwidth_price;
use crate::error::ApiError;

/// The status every share bandwidth shows (the mock's choice: the term's
/// end changes nothing).
pub const STATUS: &str = "Normal";

/// A share bandwidth of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShareBandwidth {
    /// `bwshare-…` id.
    pub share_bandwidth_id: String,
    /// The owning account.
    pub account_id: String,
    /// Zone it serves.
    pub zone: String,
    /// Mbps.
    pub bandwidth: i64,
    /// `Month` or `Year`.
    pub charge_type: String,
    /// Terms bought.
    pub quantity: i64,
    /// Epoch seconds.
    pub create_time: i64,
    /// Last resize, epoch seconds.
    pub update_time: i64,
}

impl ShareBandwidth {
    /// When the term bought ends, epoch seconds (30 days a month, 365 a year).
    pub fn purchase_value(&self) -> i64 {
        let days = if self.charge_type == "Year" { 365 } else { 30 };
        self.create_time + self.quantity * days * 86_400
    }

    /// What the term bought costs at its current size, fen.
    pub fn price(&self) -> i64 {
        share_bandwidth_price(self.bandwidth, &self.charge_type, self.quantity)
    }
}

/// The overlay's `CompanyShareBandwidth`: a share bandwidth as
/// DescribeCompShareShareBandwidth answers it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompanyShareBandwidth<'a> {
    share_bandwidth_id: &'a str,
    resource_id: &'a str,
    bandwidth: i64,
    status: &'static str,
    charge_type: &'a str,
    quantity: i64,
    purchase_value: i64,
    #[serde(rename = "BindEIPCount")]
    bind_eip_count: i64,
    #[serde(rename = "BindEIPInfo")]
    bind_eip_info: Vec<BindEipInfo>,
    create_time: i64,
    update_time: i64,
}

/// The overlay's `ShareBandwidthEIPInfo`: an EIP on a share bandwidth.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BindEipInfo {
    #[serde(rename = "EIPId")]
    eip_id: String,
    #[serde(rename = "IP")]
    ip: String,
    #[serde(rename = "UHostId")]
    uhost_id: String,
}

/// The overlay's `EIPShareBandwidthResult`: one instance of a
/// SwitchCompShareEIPShareBandwidth call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SwitchResult {
    /// The instance.
    #[serde(rename = "UHostId")]
    pub uhost_id: String,
    /// Whether its EIP is now on the target scope.
    pub success: bool,
    /// The scope its EIP is on after the call (empty for an instance not
    /// found).
    pub current_scope: String,
    /// Why it failed (empty on success).
    pub message: String,
}

/// The share bandwidths of every account.
#[derive(Debug, Clone, Default)]
pub struct ShareBandwidths {
    by_id: BTreeMap<String, ShareBandwidth>,
}

impl ShareBandwidths {
    /// Every share bandwidth, by id.
    pub fn all(&self) -> impl Iterator<Item = &ShareBandwidth> {
        self.by_id.values()
    }

    /// A share bandwidth by id.
    pub fn get(&self, id: &str) -> Option<&ShareBandwidth> {
        self.by_id.get(id)
    }

    /// The account's share bandwidth of a zone.
    pub fn in_zone(&self, account_id: &str, zone: &str) -> Option<&ShareBandwidth> {
        self.by_id
            .values()
            .find(|b| b.account_id == account_id && b.zone == zone)
    }

    /// Rebuilds the set from a state file's list: unique ids, at most one
    /// per account and zone, known zones.
    pub fn restore(list: Vec<ShareBandwidth>) -> Result<ShareBandwidths, String> {
        let mut set = ShareBandwidths::default();
        for b in list {
            if crate::domain::region_of_zone(&b.zone).is_none() {
                return Err(format!(
                    "share bandwidth {} is in no known zone",
                    b.share_bandwidth_id
                ));
            }
            if set.in_zone(&b.account_id, &b.zone).is_some() {
                return Err(format!(
                    "share bandwidth {} is a second one of its account in {}",
                    b.share_bandwidth_id, b.zone
                ));
            }
            let id = b.share_bandwidth_id.clone();
            if set.by_id.insert(id.clone(), b).is_some() {
                return Err(format!("share bandwidth {id} appears twice"));
            }
        }
        Ok(set)
    }
}

/// What CreateCompShareShareBandwidth asks for, already range-checked.
#[derive(Debug, Clone)]
pub struct BandwidthSpec {
    /// Zone.
    pub zone: String,
    /// Mbps.
    pub bandwidth: i64,
    /// `Month` or `Year`.
    pub charge_type: String,
    /// Terms.
    pub quantity: i64,
}

/// The scope name of an instance's EIP.
fn scope_of(inst: &Instance) -> &'static str {
    if inst.extra.share_bandwidth_id.is_empty() {
        "Public"
    } else {
        "Company"
    }
}

impl State {
    /// Adds a share bandwidth built elsewhere (a fixture's, validated
    /// there); its id is taken from then on.
    pub fn adopt_share_bandwidth(&mut self, b: ShareBandwidth) {
        self.used_ids.insert(b.share_bandwidth_id.clone());
        self.bandwidths
            .by_id
            .insert(b.share_bandwidth_id.clone(), b);
    }

    /// The account's share bandwidth of the zone, if any.
    pub fn share_bandwidth_in(&self, account_id: &str, zone: &str) -> Option<&ShareBandwidth> {
        self.bandwidths.in_zone(account_id, zone)
    }

    /// The share bandwidth an instance's EIP is on (`None`: the shared one).
    pub fn share_bandwidth_of(&self, inst: &Instance) -> Option<&ShareBandwidth> {
        self.bandwidths.get(&inst.extra.share_bandwidth_id)
    }

    /// Whether the zone has a share bandwidth of the instance's account.
    pub fn zone_has_share_bandwidth(&self, inst: &Instance) -> bool {
        self.bandwidths
            .in_zone(&inst.account_id, &inst.zone)
            .is_some()
    }

    /// The instances whose EIP is on a share bandwidth, in creation order.
    fn bound_to(&self, id: &str) -> Vec<&Instance> {
        let mut v: Vec<&Instance> = self
            .instances
            .values()
            .filter(|i| i.extra.share_bandwidth_id == id)
            .collect();
        v.sort_by_key(|i| i.seq);
        v
    }

    /// A share bandwidth as DescribeCompShareShareBandwidth answers it.
    pub fn share_bandwidth_answer<'a>(
        &'a self,
        b: &'a ShareBandwidth,
    ) -> CompanyShareBandwidth<'a> {
        let bound = self.bound_to(&b.share_bandwidth_id);
        CompanyShareBandwidth {
            share_bandwidth_id: &b.share_bandwidth_id,
            resource_id: &b.share_bandwidth_id,
            bandwidth: b.bandwidth,
            status: STATUS,
            charge_type: &b.charge_type,
            quantity: b.quantity,
            purchase_value: b.purchase_value(),
            bind_eip_count: bound.len() as i64,
            bind_eip_info: bound
                .iter()
                .map(|i| {
                    let (ip, eip_id) = i.eip();
                    BindEipInfo {
                        eip_id,
                        ip,
                        uhost_id: i.uhost_id.clone(),
                    }
                })
                .collect(),
            create_time: b.create_time,
            update_time: b.update_time,
        }
    }

    /// The account's share bandwidth `id` in `zone` (230 on
    /// `ShareBandwidthId` otherwise).
    pub fn own_share_bandwidth(
        &self,
        account_id: &str,
        zone: &str,
        id: &str,
    ) -> Result<&ShareBandwidth, ApiError> {
        self.bandwidths
            .get(id)
            .filter(|b| b.account_id == account_id && b.zone == zone)
            .ok_or_else(|| not_available("ShareBandwidthId"))
    }

    /// CreateCompShareShareBandwidth: the account's share bandwidth of the
    /// zone; a second one in the same zone is refused with 290, naming the
    /// one there. Returns its id and the number of its order (16 digits).
    pub fn create_share_bandwidth(
        &mut self,
        account_id: &str,
        spec: &BandwidthSpec,
    ) -> Result<(String, String), ApiError> {
        if let Some(there) = self.bandwidths.in_zone(account_id, &spec.zone) {
            return Err(ApiError::WrongState {
                id: there.share_bandwidth_id.clone(),
                state: format!("the share bandwidth of {}", spec.zone),
                action: "CreateCompShareShareBandwidth".to_owned(),
            });
        }
        let id = self.fresh_id("bwshare-", 8);
        let now = self.clock.now();
        self.bandwidths.by_id.insert(
            id.clone(),
            ShareBandwidth {
                share_bandwidth_id: id.clone(),
                account_id: account_id.to_owned(),
                zone: spec.zone.clone(),
                bandwidth: spec.bandwidth,
                charge_type: spec.charge_type.clone(),
                quantity: spec.quantity,
                create_time: now,
                update_time: now,
            },
        );
        let order = 1_000_000_000_000_000 + self.ids.draw("order") % 9_000_000_000_000_000;
        Ok((id, order.to_string()))
    }

    /// GetCompShareShareBandwidthUpgradePrice: what resizing costs, fen,
    /// signed (negative: a refund on a downsize).
    pub fn share_bandwidth_upgrade_price(
        &self,
        account_id: &str,
        zone: &str,
        id: &str,
        bandwidth: i64,
    ) -> Result<i64, ApiError> {
        let b = self.own_share_bandwidth(account_id, zone, id)?;
        Ok(share_bandwidth_price(bandwidth, &b.charge_type, b.quantity) - b.price())
    }

    /// ModifyCompShareShareBandwidth: the new size (the same size is
    /// accepted and changes nothing but `UpdateTime`).
    pub fn modify_share_bandwidth(
        &mut self,
        account_id: &str,
        zone: &str,
        id: &str,
        bandwidth: i64,
    ) -> Result<(), ApiError> {
        self.own_share_bandwidth(account_id, zone, id)?;
        let now = self.clock.now();
        if let Some(b) = self.bandwidths.by_id.get_mut(id) {
            b.bandwidth = bandwidth;
            b.update_time = now;
        }
        Ok(())
    }

    /// GetCompShareShareBandwidthRefundPrice: what deleting refunds, fen,
    /// signed as a payment would be (negative: money back).
    pub fn share_bandwidth_refund_price(
        &self,
        account_id: &str,
        zone: &str,
        id: &str,
    ) -> Result<i64, ApiError> {
        Ok(-self.own_share_bandwidth(account_id, zone, id)?.price())
    }

    /// DeleteCompShareShareBandwidth: its EIPs go back to the shared
    /// bandwidth, then it is gone; returns how many moved.
    pub fn delete_share_bandwidth(
        &mut self,
        account_id: &str,
        zone: &str,
        id: &str,
    ) -> Result<i64, ApiError> {
        self.own_share_bandwidth(account_id, zone, id)?;
        let mut moved = 0;
        for inst in self.instances.values_mut() {
            if inst.extra.share_bandwidth_id == id {
                inst.extra.share_bandwidth_id.clear();
                moved += 1;
            }
        }
        self.bandwidths.by_id.remove(id);
        Ok(moved)
    }

    /// SwitchCompShareEIPShareBandwidth: each instance's EIP to `Company`
    /// (the zone's share bandwidth) or `Public`. An instance that is not
    /// the account's, not in the zone, or (to `Company`) in a zone without
    /// a share bandwidth fails alone; the others switch. One result per id
    /// given, in order.
    pub fn switch_eip_share_bandwidth(
        &mut self,
        account_id: &str,
        zone: &str,
        uhost_ids: &[&str],
        company: bool,
    ) -> Vec<SwitchResult> {
        let target = self
            .bandwidths
            .in_zone(account_id, zone)
            .map(|b| b.share_bandwidth_id.clone());
        let mut out = Vec::with_capacity(uhost_ids.len());
        for &id in uhost_ids {
            let fail = |scope: &str, message: String| SwitchResult {
                uhost_id: id.to_owned(),
                success: false,
                current_scope: scope.to_owned(),
                message,
            };
            let Some(inst) = self
                .instances
                .get_mut(id)
                .filter(|i| i.account_id == account_id)
            else {
                out.push(fail("", format!("Instance [{id}] not found")));
                continue;
            };
            if inst.zone != zone {
                let scope = scope_of(inst);
                out.push(fail(
                    scope,
                    format!("Instance [{id}] is in zone [{}], not [{zone}]", inst.zone),
                ));
                continue;
            }
            match (company, &target) {
                (true, None) => {
                    let scope = scope_of(inst);
                    out.push(fail(scope, format!("Zone [{zone}] has no share bandwidth")));
                    continue;
                }
                (true, Some(t)) => inst.extra.share_bandwidth_id = t.clone(),
                (false, _) => inst.extra.share_bandwidth_id.clear(),
            }
            out.push(SwitchResult {
                uhost_id: id.to_owned(),
                success: true,
                current_scope: scope_of(inst).to_owned(),
                message: String::new(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;

    const OWNER: &str = "56000001";
    const OTHER: &str = "56000002";
    const ZONE: &str = "cn-wlcb-01";
    const RUN: &str = "uhost-demo0run";
    const STOPPED: &str = "uhost-demo0stp";

    fn state() -> State {
        let mut s = Fixtures::builtin().state();
        s.clock.freeze();
        s
    }

    fn spec(zone: &str, bandwidth: i64) -> BandwidthSpec {
        BandwidthSpec {
            zone: zone.into(),
            bandwidth,
            charge_type: "Month".into(),
            quantity: 1,
        }
    }

    fn scope(s: &State, id: &str) -> Option<String> {
        let inst = s.instance(OWNER, id).unwrap();
        s.share_bandwidth_of(inst)
            .map(|b| b.share_bandwidth_id.clone())
    }

    #[test]
    fn one_share_bandwidth_per_account_and_zone() {
        let mut s = state();
        let id = s.create_share_bandwidth(OWNER, &spec(ZONE, 100)).unwrap().0;
        assert!(id.starts_with("bwshare-"));
        let before = s.dump();
        let err = s
            .create_share_bandwidth(OWNER, &spec(ZONE, 20))
            .unwrap_err();
        assert_eq!(err.ret_code(), 290);
        assert!(err.message().contains(&id), "{}", err.message());
        assert_eq!(s.dump(), before, "a refused create changes nothing");
        let other = s.create_share_bandwidth(OTHER, &spec(ZONE, 20)).unwrap().0;
        assert_ne!(other, id, "another account has its own");
        let fixture = s.create_share_bandwidth(OWNER, &spec("cn-bj2-02", 20));
        assert_eq!(
            fixture.unwrap_err().ret_code(),
            290,
            "the fixture's is there"
        );
        s.create_share_bandwidth(OWNER, &spec("cn-sh2-01", 20))
            .unwrap();
        assert_eq!(
            s.share_bandwidth_in(OWNER, ZONE)
                .unwrap()
                .share_bandwidth_id,
            id
        );
        assert_eq!(
            s.own_share_bandwidth(OTHER, ZONE, &id).unwrap_err(),
            ApiError::ParamsNotAvailable("ShareBandwidthId".into())
        );
        assert!(s.own_share_bandwidth(OWNER, "cn-sh2-01", &id).is_err());
    }

    #[test]
    fn prices_are_signed_fen() {
        let mut s = state();
        let id = s.create_share_bandwidth(OWNER, &spec(ZONE, 100)).unwrap().0;
        let month = share_bandwidth_price(1, "Month", 1);
        assert_eq!(share_bandwidth_price(100, "Month", 3), 300 * month);
        assert_eq!(share_bandwidth_price(100, "Year", 1), 1000 * month);
        assert_eq!(
            s.share_bandwidth_upgrade_price(OWNER, ZONE, &id, 150)
                .unwrap(),
            50 * month
        );
        assert_eq!(
            s.share_bandwidth_upgrade_price(OWNER, ZONE, &id, 40)
                .unwrap(),
            -60 * month
        );
        assert_eq!(
            s.share_bandwidth_refund_price(OWNER, ZONE, &id).unwrap(),
            -100 * month
        );
        s.modify_share_bandwidth(OWNER, ZONE, &id, 40).unwrap();
        assert_eq!(
            s.share_bandwidth_refund_price(OWNER, ZONE, &id).unwrap(),
            -40 * month
        );
    }

    #[test]
    fn switch_moves_eips_per_instance_and_delete_moves_them_back() {
        let mut s = state();
        let none = s.switch_eip_share_bandwidth(OWNER, ZONE, &[RUN], true);
        assert!(!none[0].success && none[0].current_scope == "Public");
        assert!(none[0].message.contains("no share bandwidth"));
        let id = s.create_share_bandwidth(OWNER, &spec(ZONE, 100)).unwrap().0;
        let res = s.switch_eip_share_bandwidth(
            OWNER,
            ZONE,
            &[RUN, "uhost-second01", STOPPED, "uhost-nothing"],
            true,
        );
        let ok: Vec<bool> = res.iter().map(|r| r.success).collect();
        assert_eq!(ok, [true, false, true, false], "{res:?}");
        assert_eq!(res[0].current_scope, "Company");
        assert_eq!(res[1].current_scope, "", "another account's: not found");
        assert_eq!(scope(&s, RUN).as_deref(), Some(id.as_str()));
        let b = s.share_bandwidth_in(OWNER, ZONE).unwrap();
        assert_eq!(s.share_bandwidth_answer(b).bind_eip_count, 2);
        let back = s.switch_eip_share_bandwidth(OWNER, ZONE, &[STOPPED], false);
        assert!(back[0].success && back[0].current_scope == "Public");
        assert_eq!(scope(&s, STOPPED), None);
        let wrong_zone = s.switch_eip_share_bandwidth(OWNER, "cn-bj2-02", &[RUN], false);
        assert!(!wrong_zone[0].success && wrong_zone[0].current_scope == "Company");
        assert_eq!(s.delete_share_bandwidth(OWNER, ZONE, &id).unwrap(), 1);
        assert_eq!(scope(&s, RUN), None);
        assert!(s.share_bandwidth_in(OWNER, ZONE).is_none());
        assert!(s.delete_share_bandwidth(OWNER, ZONE, &id).is_err());
    }

    #[test]
    fn a_terminated_instance_leaves_its_share_bandwidth() {
        let mut s = state();
        s.create_share_bandwidth(OWNER, &spec(ZONE, 100)).unwrap();
        s.switch_eip_share_bandwidth(OWNER, ZONE, &[RUN, STOPPED], true);
        s.terminate_instance(OWNER, STOPPED).unwrap();
        let b = s.share_bandwidth_in(OWNER, ZONE).unwrap();
        let answer = s.share_bandwidth_answer(b);
        assert_eq!(answer.bind_eip_count, 1);
        assert_eq!(answer.bind_eip_info[0].uhost_id, RUN);
    }

    #[test]
    fn the_state_file_keeps_them_and_refuses_a_second_in_a_zone() {
        let mut s = state();
        let id = s.create_share_bandwidth(OWNER, &spec(ZONE, 100)).unwrap().0;
        s.switch_eip_share_bandwidth(OWNER, ZONE, &[RUN], true);
        let saved = s.snapshot();
        let back = State::from_snapshot(saved.clone()).unwrap();
        assert_eq!(back.dump(), s.dump());
        let mut twice = saved.clone();
        let mut second = twice.share_bandwidths[0].clone();
        second.share_bandwidth_id = "bwshare-second".into();
        twice.share_bandwidths.push(second);
        assert!(State::from_snapshot(twice).is_err());
        let mut dangling = saved;
        dangling.share_bandwidths.clear();
        let err = State::from_snapshot(dangling).unwrap_err();
        assert!(err.contains(&id), "{err}");
    }
}
