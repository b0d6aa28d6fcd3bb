//! CFS file systems: shared storage of a container zone, mounted on the
//! account's `cpod-` instances of that zone.
//!
//! Created (CreateCFS, or by AttachUS3 on a `cpod-` instance when the
//! account has none in its zone), grown, attached and detached, deleted.
//! An instance has at most one CFS; a CFS may be mounted on many.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{not_available, Account, InstanceState, State};
use crate::domain::{cfs_period_seconds, cfs_price, is_pod_zone, round2, CFS_AUTO_GB, CFS_GB};
use crate::error::ApiError;

/// A CFS of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cfs {
    /// `cfs-…` id.
    pub cfs_id: String,
    /// The owning account.
    pub account_id: String,
    /// Name.
    pub name: String,
    /// Its (container) zone.
    pub zone: String,
    /// Size in GiB.
    pub size: i64,
    /// `Month`, `Year`, `Day`, `Dynamic`.
    pub charge_type: String,
    /// Periods bought (1 for Dynamic).
    pub quantity: i64,
    /// What was paid, CNY (for the refund estimate).
    pub paid: f64,
    /// When it expires, epoch seconds (0 for Dynamic); not enforced.
    pub expire_time: i64,
    /// The `cpod-` instances it is mounted on, in attach order.
    pub mounted: Vec<String>,
    /// Epoch seconds.
    pub create_time: i64,
    /// Creation sequence number, for listing order.
    pub seq: u64,
}

/// The overlay's `CFSSet`: a CFS as DescribeCFS lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfsSet<'a> {
    cfs_id: &'a str,
    name: &'a str,
    zone_id: i64,
    zone: &'a str,
    size: i64,
    charge_type: &'a str,
    purchase_value: i64,
    mount_status: &'static str,
    #[serde(rename = "MountedUHostIds")]
    mounted_uhost_ids: &'a [String],
    create_time: i64,
}

impl Cfs {
    /// The CFS as DescribeCFS lists it: `ZoneId` the zone's number,
    /// `PurchaseValue` its expiry, `MountStatus` Mounted or Unmounted.
    pub fn answer(&self) -> CfsSet<'_> {
        CfsSet {
            cfs_id: &self.cfs_id,
            name: &self.name,
            zone_id: crate::domain::zone_number(&self.zone).unwrap_or(0),
            zone: &self.zone,
            size: self.size,
            charge_type: &self.charge_type,
            purchase_value: self.expire_time,
            mount_status: if self.mounted.is_empty() {
                "Unmounted"
            } else {
                "Mounted"
            },
            mounted_uhost_ids: &self.mounted,
            create_time: self.create_time,
        }
    }
}

/// The CFS of every account.
#[derive(Debug, Clone, Default)]
pub struct FileSystems {
    by_id: BTreeMap<String, Cfs>,
}

impl FileSystems {
    /// Every CFS, in creation order.
    pub fn all(&self) -> impl Iterator<Item = &Cfs> {
        let mut v: Vec<&Cfs> = self.by_id.values().collect();
        v.sort_by_key(|c| c.seq);
        v.into_iter()
    }

    /// Rebuilds the set from a state file's CFS.
    pub fn restore(list: Vec<Cfs>) -> Result<FileSystems, String> {
        let mut by_id = BTreeMap::new();
        for c in list {
            let id = c.cfs_id.clone();
            if by_id.insert(id.clone(), c).is_some() {
                return Err(format!("CFS {id} appears twice"));
            }
        }
        Ok(FileSystems { by_id })
    }

    fn holding(&self, uhost_id: &str) -> Option<&Cfs> {
        self.by_id
            .values()
            .find(|c| c.mounted.iter().any(|h| h == uhost_id))
    }
}

/// What CreateCFS asks for, already range-checked.
#[derive(Debug, Clone)]
pub struct CfsSpec {
    /// Name.
    pub name: String,
    /// A container zone.
    pub zone: String,
    /// Size in GiB.
    pub size: i64,
    /// Charge type.
    pub charge_type: String,
    /// Periods.
    pub quantity: i64,
}

fn wrong_state(id: &str, state: &str, action: &str) -> ApiError {
    ApiError::WrongState {
        id: id.to_owned(),
        state: state.to_owned(),
        action: action.to_owned(),
    }
}

impl State {
    /// Adds a CFS built elsewhere (a fixture's), with the state's next
    /// sequence number; its id is taken from then on.
    pub fn adopt_cfs(&mut self, mut cfs: Cfs) {
        cfs.seq = self.next_seq();
        self.used_ids.insert(cfs.cfs_id.clone());
        self.cfs.by_id.insert(cfs.cfs_id.clone(), cfs);
    }

    /// The account's CFS in creation order, optionally only `cfs_id`, those
    /// of `zone` and of `region`.
    pub fn cfs_of(
        &self,
        account_id: &str,
        cfs_id: Option<&str>,
        zone: Option<&str>,
        region: Option<&str>,
    ) -> Vec<&Cfs> {
        self.cfs
            .all()
            .filter(|c| c.account_id == account_id)
            .filter(|c| cfs_id.is_none_or(|id| c.cfs_id == id))
            .filter(|c| zone.is_none_or(|z| c.zone == z))
            .filter(|c| region.is_none_or(|r| crate::domain::region_of_zone(&c.zone) == Some(r)))
            .collect()
    }

    /// One CFS of the account (in `zone` when given), else 230 on `field`.
    pub fn own_cfs(
        &self,
        account_id: &str,
        cfs_id: &str,
        zone: Option<&str>,
        field: &str,
    ) -> Result<&Cfs, ApiError> {
        self.cfs
            .by_id
            .get(cfs_id)
            .filter(|c| c.account_id == account_id && zone.is_none_or(|z| c.zone == z))
            .ok_or_else(|| not_available(field))
    }

    fn insert_cfs(&mut self, account_id: &str, spec: &CfsSpec) -> String {
        let cfs_id = self.fresh_id("cfs-", 8);
        let now = self.clock.now();
        let period = cfs_period_seconds(&spec.charge_type, spec.quantity);
        let cfs = Cfs {
            cfs_id: cfs_id.clone(),
            account_id: account_id.to_owned(),
            name: spec.name.clone(),
            zone: spec.zone.clone(),
            size: spec.size,
            charge_type: spec.charge_type.clone(),
            quantity: spec.quantity,
            paid: cfs_price(spec.size, &spec.charge_type, spec.quantity),
            expire_time: if period > 0 { now + period } else { 0 },
            mounted: Vec::new(),
            create_time: now,
            seq: self.next_seq(),
        };
        self.cfs.by_id.insert(cfs_id.clone(), cfs);
        cfs_id
    }

    /// CreateCFS: a new CFS in a container zone; returns its id.
    pub fn create_cfs(&mut self, account: &Account, spec: &CfsSpec) -> Result<String, ApiError> {
        if !is_pod_zone(&spec.zone) {
            return Err(not_available("Zone"));
        }
        Ok(self.insert_cfs(&account.account_id, spec))
    }

    /// ResizeCFS: a larger size, at most the largest CFS.
    pub fn resize_cfs(
        &mut self,
        account_id: &str,
        cfs_id: &str,
        zone: Option<&str>,
        size: i64,
    ) -> Result<(), ApiError> {
        let cfs = self.own_cfs(account_id, cfs_id, zone, "CfsId")?;
        if size <= cfs.size || size > CFS_GB.1 {
            return Err(not_available("Size"));
        }
        if let Some(c) = self.cfs.by_id.get_mut(cfs_id) {
            c.size = size;
        }
        Ok(())
    }

    /// What deleting a CFS now gives back, CNY: the unused share of what
    /// was paid, on the virtual clock (0 for Dynamic or once expired).
    pub fn cfs_refund(&self, cfs: &Cfs) -> f64 {
        let period = cfs.expire_time - cfs.create_time;
        let left = cfs.expire_time - self.clock.now();
        if cfs.expire_time == 0 || period <= 0 || left <= 0 {
            return 0.0;
        }
        round2(cfs.paid * left.min(period) as f64 / period as f64)
    }

    /// DeleteCFS: an unmounted CFS is gone. A mounted one is refused with
    /// the wrong-state code unless `recycle`, which first detaches it from
    /// its instances when all of them are Stopped (the official CLI: "Detach
    /// stopped instances before deleting CFS").
    pub fn delete_cfs(
        &mut self,
        account_id: &str,
        cfs_id: &str,
        zone: Option<&str>,
        recycle: bool,
    ) -> Result<(), ApiError> {
        let cfs = self.own_cfs(account_id, cfs_id, zone, "CfsId")?;
        if !cfs.mounted.is_empty() {
            if !recycle {
                return Err(wrong_state(cfs_id, "Mounted", "DeleteCFS"));
            }
            for h in &cfs.mounted {
                if let Some(inst) = self.instances.get(h) {
                    if inst.state != InstanceState::Stopped {
                        return Err(wrong_state(h, inst.state.as_str(), "DeleteCFS"));
                    }
                }
            }
        }
        self.cfs.by_id.remove(cfs_id);
        Ok(())
    }

    /// AttachUS3 on a `cpod-` instance (Running or Stopped): mounts the
    /// account's first CFS of the instance's zone, buying one of 50 GiB for
    /// a month when there is none. An instance already holding a CFS keeps
    /// it (success, nothing changes). Returns the CFS id.
    pub fn attach_cfs(&mut self, account: &Account, uhost_id: &str) -> Result<String, ApiError> {
        let inst = self.instance(&account.account_id, uhost_id)?;
        if !inst.uhost_id.starts_with("cpod-") {
            return Err(not_available("UHostId"));
        }
        if ![InstanceState::Running, InstanceState::Stopped].contains(&inst.state) {
            return Err(wrong_state(uhost_id, inst.state.as_str(), "AttachUS3"));
        }
        if let Some(c) = self.cfs.holding(uhost_id) {
            return Ok(c.cfs_id.clone());
        }
        let zone = inst.zone.clone();
        let existing = self
            .cfs_of(&account.account_id, None, Some(&zone), None)
            .first()
            .map(|c| c.cfs_id.clone());
        let cfs_id = match existing {
            Some(id) => id,
            None => self.insert_cfs(
                &account.account_id,
                &CfsSpec {
                    name: format!("cfs-{zone}"),
                    zone,
                    size: CFS_AUTO_GB,
                    charge_type: "Month".to_owned(),
                    quantity: 1,
                },
            ),
        };
        if let Some(c) = self.cfs.by_id.get_mut(&cfs_id) {
            c.mounted.push(uhost_id.to_owned());
        }
        Ok(cfs_id)
    }

    /// DetachCFS: the `cpod-` instance's CFS is unmounted from it; 230 on
    /// `UHostId` when it holds none.
    pub fn detach_cfs(&mut self, account_id: &str, uhost_id: &str) -> Result<(), ApiError> {
        self.instance(account_id, uhost_id)?;
        let id = self
            .cfs
            .holding(uhost_id)
            .map(|c| c.cfs_id.clone())
            .ok_or_else(|| not_available("UHostId"))?;
        if let Some(c) = self.cfs.by_id.get_mut(&id) {
            c.mounted.retain(|h| h != uhost_id);
        }
        Ok(())
    }

    /// An instance is terminated: it is unmounted from its CFS.
    pub fn release_cfs_of(&mut self, uhost_id: &str) {
        for c in self.cfs.by_id.values_mut() {
            c.mounted.retain(|h| h != uhost_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;

    const OWNER: &str = "56000001";
    const POD: &str = "cpod-demo0pod";
    const ZONE: &str = "cn-sh2-01";

    fn state() -> State {
        let mut s = Fixtures::builtin().state();
        s.clock.freeze();
        s
    }

    fn owner(s: &State) -> Account {
        (*s.accounts()[0]).clone()
    }

    fn spec(size: i64, charge: &str) -> CfsSpec {
        CfsSpec {
            name: "shared".into(),
            zone: ZONE.into(),
            size,
            charge_type: charge.into(),
            quantity: 1,
        }
    }

    #[test]
    fn a_cfs_is_created_in_a_container_zone_only_and_grows_only() {
        let mut s = state();
        let who = owner(&s);
        let before = s.dump();
        let err = s
            .create_cfs(
                &who,
                &CfsSpec {
                    zone: "cn-wlcb-01".into(),
                    ..spec(100, "Month")
                },
            )
            .unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("Zone".into()));
        assert_eq!(s.dump(), before);
        let id = s.create_cfs(&who, &spec(100, "Month")).unwrap();
        assert!(id.starts_with("cfs-"));
        let c = s.own_cfs(OWNER, &id, Some(ZONE), "CfsId").unwrap();
        assert_eq!(c.expire_time - c.create_time, 30 * 86_400);
        assert_eq!(
            s.resize_cfs(OWNER, &id, None, 100).unwrap_err(),
            ApiError::ParamsNotAvailable("Size".into())
        );
        assert_eq!(
            s.resize_cfs(OWNER, &id, Some("cn-wlcb-01"), 200)
                .unwrap_err(),
            ApiError::ParamsNotAvailable("CfsId".into())
        );
        s.resize_cfs(OWNER, &id, Some(ZONE), 200).unwrap();
        assert_eq!(s.cfs_of(OWNER, Some(&id), None, None)[0].size, 200);
        assert!(s.cfs_of("56000002", None, None, None).is_empty());
    }

    #[test]
    fn attach_buys_fifty_gib_for_a_month_when_the_zone_has_none() {
        let mut s = state();
        let who = owner(&s);
        s.detach_cfs(OWNER, POD).unwrap();
        s.delete_cfs(OWNER, "cfs-demo0pod", None, false).unwrap();
        let id = s.attach_cfs(&who, POD).unwrap();
        let c = &s.cfs_of(OWNER, None, None, None)[0];
        assert_eq!((c.cfs_id.as_str(), c.size), (id.as_str(), 50));
        assert_eq!(c.charge_type, "Month");
        assert_eq!(c.mounted, vec![POD.to_owned()]);
        assert_eq!(s.attach_cfs(&who, POD).unwrap(), id, "already attached");
        assert_eq!(s.cfs_of(OWNER, None, None, None).len(), 1);
        assert_eq!(
            s.attach_cfs(&who, "uhost-demo0run").unwrap_err(),
            ApiError::ParamsNotAvailable("UHostId".into())
        );
    }

    #[test]
    fn a_mounted_cfs_is_deleted_only_with_recycle_and_stopped_instances() {
        let mut s = state();
        let who = owner(&s);
        let id = s.attach_cfs(&who, POD).unwrap();
        assert_eq!(id, "cfs-demo0pod", "the fixture's, already mounted");
        s.start_instance(OWNER, POD).unwrap();
        s.clock.advance(60);
        s.tick();
        let before = s.dump();
        assert_eq!(
            s.delete_cfs(OWNER, &id, None, false)
                .unwrap_err()
                .ret_code(),
            290
        );
        assert_eq!(
            s.delete_cfs(OWNER, &id, None, true).unwrap_err().ret_code(),
            290
        );
        assert_eq!(s.dump(), before);
        s.stop_instance(OWNER, POD).unwrap();
        s.clock.advance(60);
        s.tick();
        assert_eq!(
            s.delete_cfs(OWNER, &id, None, false)
                .unwrap_err()
                .ret_code(),
            290
        );
        s.delete_cfs(OWNER, &id, None, true).unwrap();
        assert_eq!(
            s.detach_cfs(OWNER, POD).unwrap_err(),
            ApiError::ParamsNotAvailable("UHostId".into())
        );
        assert_eq!(
            s.delete_cfs(OWNER, &id, None, true).unwrap_err(),
            ApiError::ParamsNotAvailable("CfsId".into())
        );
    }

    #[test]
    fn the_refund_is_the_unused_share_on_the_virtual_clock() {
        let mut s = state();
        let who = owner(&s);
        let id = s.create_cfs(&who, &spec(100, "Month")).unwrap();
        let c = s.own_cfs(OWNER, &id, None, "CfsId").unwrap().clone();
        assert_eq!(s.cfs_refund(&c), 35.0);
        s.clock.advance(15 * 86_400);
        assert_eq!(s.cfs_refund(&c), 17.5);
        s.clock.advance(30 * 86_400);
        assert_eq!(s.cfs_refund(&c), 0.0);
        let d = s.create_cfs(&who, &spec(100, "Dynamic")).unwrap();
        let d = s.own_cfs(OWNER, &d, None, "CfsId").unwrap().clone();
        assert_eq!((d.expire_time, s.cfs_refund(&d)), (0, 0.0));
    }

    #[test]
    fn a_terminated_instance_is_unmounted() {
        let mut s = state();
        let who = owner(&s);
        let id = s.attach_cfs(&who, POD).unwrap();
        s.release_cfs_of(POD);
        assert!(s
            .own_cfs(OWNER, &id, None, "CfsId")
            .unwrap()
            .mounted
            .is_empty());
    }
}
