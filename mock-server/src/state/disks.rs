//! Data disks (UDisks): created and attached to an instance, detached,
//! attached again, resized, deleted.
//!
//! `Available → InUse` on attach, `InUse → Detaching → Available` on detach
//! (Detaching lasts `Timings::detach_seconds` on the virtual clock); a disk
//! still Detaching refuses deletion with RetCode 8434, which the official
//! CLI retries. An instance lists the disks attached to it in `UDiskSet`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{not_available, Account, Instance, InstanceState, State};
use crate::error::ApiError;

/// The state of a data disk, as `Status` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiskStatus {
    /// Attached to no instance.
    Available,
    /// Attached to an instance.
    InUse,
    /// Being detached; becomes Available.
    Detaching,
}

impl DiskStatus {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            DiskStatus::Available => "Available",
            DiskStatus::InUse => "InUse",
            DiskStatus::Detaching => "Detaching",
        }
    }
}

/// A data disk of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataDisk {
    /// `udisk-…` id.
    #[serde(rename = "UDiskId")]
    pub udisk_id: String,
    /// The owning account.
    pub account_id: String,
    /// Name.
    pub name: String,
    /// Zone it lives in.
    pub zone: String,
    /// `SSDDataDisk`, `DataDisk`, `EfficiencyDataDisk`.
    pub disk_type: String,
    /// `Month`, `Day`, `Dynamic`, `Postpay`.
    pub charge_type: String,
    /// Size in GiB.
    pub size: i64,
    /// Current state.
    pub status: DiskStatus,
    /// The instance it is attached to (empty when Available).
    pub mount: String,
    /// Its device on that instance (`/dev/vdc`; empty when Available).
    pub device: String,
    /// When a detach completes, epoch seconds (0: none under way).
    pub detach_at: i64,
    /// Epoch seconds.
    pub create_time: i64,
    /// Creation sequence number, for listing order.
    pub seq: u64,
}

impl DataDisk {
    /// Applies a detach that is due at `now`.
    pub fn settle(&mut self, now: i64) {
        if self.status == DiskStatus::Detaching && self.detach_at <= now {
            self.status = DiskStatus::Available;
            self.mount.clear();
            self.device.clear();
            self.detach_at = 0;
        }
    }

    /// The disk as DescribeCompshareDisk lists it.
    pub fn answer(&self) -> CompshareDiskSet<'_> {
        CompshareDiskSet {
            resource_id: &self.udisk_id,
            name: &self.name,
            configuration: format!("{}GB", self.size),
            size: self.size,
            disk_type: &self.disk_type,
            status: self.status.as_str(),
            mount_instance: &self.mount,
            device: &self.device,
            zone: &self.zone,
            region: crate::domain::region_of_zone(&self.zone).unwrap_or(""),
            charge_type: &self.charge_type,
            create_time: self.create_time,
        }
    }

    /// The disk as an instance lists it in `UDiskSet`.
    pub fn on_instance(&self) -> UHostUDiskSet<'_> {
        UHostUDiskSet {
            udisk_id: &self.udisk_id,
            name: &self.name,
            size: self.size,
            disk_type: &self.disk_type,
            device: &self.device,
            status: self.status.as_str(),
            charge_type: &self.charge_type,
        }
    }
}

/// The overlay's `CompshareDiskSet`: a disk as DescribeCompshareDisk lists
/// it (the fields the official CLI reads, and a few more).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompshareDiskSet<'a> {
    resource_id: &'a str,
    name: &'a str,
    /// The size as a resource listing shows it: `100GB`.
    configuration: String,
    size: i64,
    disk_type: &'a str,
    status: &'static str,
    mount_instance: &'a str,
    device: &'a str,
    zone: &'a str,
    region: &'static str,
    charge_type: &'a str,
    create_time: i64,
}

/// The overlay's `UHostUDiskSet`: a data disk as its instance lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UHostUDiskSet<'a> {
    #[serde(rename = "UDiskId")]
    udisk_id: &'a str,
    name: &'a str,
    size: i64,
    disk_type: &'a str,
    device: &'a str,
    status: &'static str,
    charge_type: &'a str,
}

/// The data disks of every account, and the ids of those deleted (deleting
/// one again succeeds, as the API reference has it).
#[derive(Debug, Clone, Default)]
pub struct Disks {
    by_id: BTreeMap<String, DataDisk>,
    /// Deleted disk id → its account.
    deleted: BTreeMap<String, String>,
}

impl Disks {
    /// Every disk, in creation order.
    pub fn all(&self) -> impl Iterator<Item = &DataDisk> {
        let mut v: Vec<&DataDisk> = self.by_id.values().collect();
        v.sort_by_key(|d| d.seq);
        v.into_iter()
    }

    /// A disk by id, to settle a due detach.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut DataDisk> {
        self.by_id.get_mut(id)
    }

    /// The disks attached to an instance (Detaching ones included), by device.
    pub fn attached_to<'a>(&'a self, uhost_id: &'a str) -> impl Iterator<Item = &'a DataDisk> {
        let mut v: Vec<&DataDisk> = self
            .by_id
            .values()
            .filter(|d| d.mount == uhost_id)
            .collect();
        v.sort_by(|a, b| a.device.cmp(&b.device));
        v.into_iter()
    }

    /// The deleted disks, id → account, for the state file.
    pub fn deleted(&self) -> &BTreeMap<String, String> {
        &self.deleted
    }

    /// Rebuilds the set from a state file's disks and deleted ids.
    pub fn restore(
        disks: Vec<DataDisk>,
        deleted: BTreeMap<String, String>,
    ) -> Result<Disks, String> {
        let mut by_id = BTreeMap::new();
        for d in disks {
            if deleted.contains_key(&d.udisk_id) {
                return Err(format!("disk {} is both there and deleted", d.udisk_id));
            }
            let id = d.udisk_id.clone();
            if by_id.insert(id.clone(), d).is_some() {
                return Err(format!("disk {id} appears twice"));
            }
        }
        Ok(Disks { by_id, deleted })
    }
}

/// What CreateAndAttachCompshareDisk asks for, already range-checked.
#[derive(Debug, Clone)]
pub struct DiskSpec {
    /// Name.
    pub name: String,
    /// Size in GiB.
    pub size: i64,
    /// Disk type.
    pub disk_type: String,
    /// Charge type.
    pub charge_type: String,
}

/// The instance states a disk may be created on or attached to (the API
/// reference: Running or Stopped).
const ATTACHABLE: &[InstanceState] = &[InstanceState::Running, InstanceState::Stopped];

impl State {
    /// Adds a disk built elsewhere (a fixture's): it gets the next free
    /// device of its instance when attached, and the state's next sequence
    /// number; its id is taken from then on.
    pub fn adopt_disk(&mut self, mut disk: DataDisk) {
        disk.device = self
            .instances
            .get(&disk.mount)
            .map(|i| self.free_device(i))
            .unwrap_or_default();
        disk.seq = self.next_seq();
        self.used_ids.insert(disk.udisk_id.clone());
        self.disks.by_id.insert(disk.udisk_id.clone(), disk);
    }

    fn own_disk(&self, account_id: &str, udisk_id: &str) -> Result<&DataDisk, ApiError> {
        self.disks
            .by_id
            .get(udisk_id)
            .filter(|d| d.account_id == account_id)
            .ok_or_else(|| not_available("UDiskId"))
    }

    /// The next free device of an instance: after its own disks (`vda` the
    /// boot disk, then its data disks) and the data disks attached to it.
    fn free_device(&self, inst: &Instance) -> String {
        let taken: Vec<String> = self
            .disks
            .attached_to(&inst.uhost_id)
            .map(|d| d.device.clone())
            .collect();
        (inst.disks.len()..26)
            .map(|n| format!("/dev/vd{}", (b'a' + n as u8) as char))
            .find(|dev| !taken.contains(dev))
            .unwrap_or_else(|| "/dev/vdz".to_owned())
    }

    fn check_attachable(
        &self,
        account_id: &str,
        uhost_id: &str,
        action: &str,
    ) -> Result<&Instance, ApiError> {
        let inst = self.instance(account_id, uhost_id)?;
        if !ATTACHABLE.contains(&inst.state) {
            return Err(ApiError::WrongState {
                id: uhost_id.to_owned(),
                state: inst.state.as_str().to_owned(),
                action: action.to_owned(),
            });
        }
        if self.disks.attached_to(uhost_id).count() + inst.disks.len() >= 26 {
            return Err(not_available("UHostId"));
        }
        Ok(inst)
    }

    /// CreateAndAttachCompshareDisk: a new disk in the instance's zone,
    /// attached to it (Running or Stopped); returns its id.
    pub fn create_disk(
        &mut self,
        account: &Account,
        uhost_id: &str,
        spec: &DiskSpec,
    ) -> Result<String, ApiError> {
        let inst = self.check_attachable(
            &account.account_id,
            uhost_id,
            "CreateAndAttachCompshareDisk",
        )?;
        let zone = inst.zone.clone();
        let device = self.free_device(inst);
        let udisk_id = self.fresh_id("udisk-", 8);
        let disk = DataDisk {
            udisk_id: udisk_id.clone(),
            account_id: account.account_id.clone(),
            name: spec.name.clone(),
            zone,
            disk_type: spec.disk_type.clone(),
            charge_type: spec.charge_type.clone(),
            size: spec.size,
            status: DiskStatus::InUse,
            mount: uhost_id.to_owned(),
            device,
            detach_at: 0,
            create_time: self.clock.now(),
            seq: self.next_seq(),
        };
        self.disks.by_id.insert(udisk_id.clone(), disk);
        Ok(udisk_id)
    }

    /// AttachCompshareDisk: an Available disk to an instance of its zone
    /// (Running or Stopped).
    pub fn attach_disk(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        udisk_id: &str,
    ) -> Result<(), ApiError> {
        let disk = self.own_disk(account_id, udisk_id)?;
        let inst = self.check_attachable(account_id, uhost_id, "AttachCompshareDisk")?;
        if disk.status != DiskStatus::Available {
            return Err(ApiError::WrongState {
                id: udisk_id.to_owned(),
                state: disk.status.as_str().to_owned(),
                action: "AttachCompshareDisk".to_owned(),
            });
        }
        if disk.zone != inst.zone {
            return Err(not_available("UDiskId"));
        }
        let device = self.free_device(inst);
        if let Some(d) = self.disks.by_id.get_mut(udisk_id) {
            d.status = DiskStatus::InUse;
            d.mount = uhost_id.to_owned();
            d.device = device;
        }
        Ok(())
    }

    /// DetachCompshareDisk: a disk InUse on that instance, which must be
    /// Stopped (the API reference), becomes Detaching, then Available after
    /// `detach_seconds`. `device`, when given, must be the disk's.
    pub fn detach_disk(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        udisk_id: &str,
        device: Option<&str>,
    ) -> Result<(), ApiError> {
        let disk = self.own_disk(account_id, udisk_id)?;
        let inst = self.instance(account_id, uhost_id)?;
        if disk.status != DiskStatus::InUse {
            return Err(ApiError::WrongState {
                id: udisk_id.to_owned(),
                state: disk.status.as_str().to_owned(),
                action: "DetachCompshareDisk".to_owned(),
            });
        }
        if disk.mount != uhost_id {
            return Err(not_available("UDiskId"));
        }
        if device.is_some_and(|dev| dev != disk.device) {
            return Err(not_available("Device"));
        }
        if inst.state != InstanceState::Stopped {
            return Err(ApiError::WrongState {
                id: uhost_id.to_owned(),
                state: inst.state.as_str().to_owned(),
                action: "DetachCompshareDisk".to_owned(),
            });
        }
        let now = self.clock.now();
        let at = now.saturating_add(self.timings.detach_seconds as i64);
        if let Some(d) = self.disks.by_id.get_mut(udisk_id) {
            d.status = DiskStatus::Detaching;
            d.detach_at = at;
            d.settle(now);
        }
        if at > now {
            self.schedule(at, udisk_id);
        }
        Ok(())
    }

    /// ResizeCompShareDisk: a larger size (at most the largest disk); a
    /// disk attached to an instance only while it is Stopped (the API
    /// reference). `uhost_id`, when given, must be the instance it is on.
    pub fn resize_disk(
        &mut self,
        account_id: &str,
        udisk_id: &str,
        uhost_id: Option<&str>,
        size: i64,
    ) -> Result<(), ApiError> {
        let disk = self.own_disk(account_id, udisk_id)?;
        if uhost_id.is_some_and(|h| h != disk.mount) {
            return Err(not_available("UHostId"));
        }
        if size <= disk.size || size > crate::domain::DATA_DISK_GB.1 {
            return Err(not_available("Size"));
        }
        if disk.status == DiskStatus::Detaching {
            return Err(ApiError::WrongState {
                id: udisk_id.to_owned(),
                state: disk.status.as_str().to_owned(),
                action: "ResizeCompShareDisk".to_owned(),
            });
        }
        if disk.status == DiskStatus::InUse {
            let inst = self.instance(account_id, &disk.mount)?;
            if inst.state != InstanceState::Stopped {
                return Err(ApiError::WrongState {
                    id: inst.uhost_id.clone(),
                    state: inst.state.as_str().to_owned(),
                    action: "ResizeCompShareDisk".to_owned(),
                });
            }
        }
        if let Some(d) = self.disks.by_id.get_mut(udisk_id) {
            d.size = size;
        }
        Ok(())
    }

    /// DeleteCompshareDisk: an Available disk is gone; a Detaching one is
    /// refused with 8434, an attached one with the wrong-state code; a disk
    /// the account deleted before is deleted again without complaint (the
    /// API reference).
    pub fn delete_disk(&mut self, account_id: &str, udisk_id: &str) -> Result<(), ApiError> {
        if self.disks.deleted.get(udisk_id).map(String::as_str) == Some(account_id) {
            return Ok(());
        }
        let disk = self.own_disk(account_id, udisk_id)?;
        match disk.status {
            DiskStatus::Available => {}
            DiskStatus::Detaching => return Err(ApiError::DiskDetaching(udisk_id.to_owned())),
            DiskStatus::InUse => {
                return Err(ApiError::WrongState {
                    id: udisk_id.to_owned(),
                    state: disk.status.as_str().to_owned(),
                    action: "DeleteCompshareDisk".to_owned(),
                })
            }
        }
        self.disks.by_id.remove(udisk_id);
        self.disks
            .deleted
            .insert(udisk_id.to_owned(), account_id.to_owned());
        Ok(())
    }

    /// The account's disks in creation order, optionally only those on
    /// instance `host` and in `region`.
    pub fn disks_of(
        &self,
        account_id: &str,
        host: Option<&str>,
        region: Option<&str>,
    ) -> Vec<&DataDisk> {
        self.disks
            .all()
            .filter(|d| d.account_id == account_id)
            .filter(|d| host.is_none_or(|h| d.mount == h))
            .filter(|d| region.is_none_or(|r| crate::domain::region_of_zone(&d.zone) == Some(r)))
            .collect()
    }

    /// The data disks attached to an instance.
    pub fn disks_on<'a>(&'a self, uhost_id: &'a str) -> impl Iterator<Item = &'a DataDisk> {
        self.disks.attached_to(uhost_id)
    }

    /// The size and type of a disk of the account's instance: one of its
    /// own disks or a data disk attached to it (230 on `DiskId` otherwise).
    pub fn disk_of_instance(
        &self,
        account_id: &str,
        uhost_id: &str,
        disk_id: &str,
    ) -> Result<(i64, String), ApiError> {
        let inst = self.instance(account_id, uhost_id)?;
        if let Some(d) = inst.disks.iter().find(|d| d.disk_id == disk_id) {
            return Ok((d.size, d.disk_type.clone()));
        }
        self.disks
            .attached_to(uhost_id)
            .find(|d| d.udisk_id == disk_id)
            .map(|d| (d.size, d.disk_type.clone()))
            .ok_or_else(|| not_available("DiskId"))
    }

    /// An instance is terminated: its data disks are deleted with it when
    /// `release`, else detached at once.
    pub fn release_disks_of(&mut self, account_id: &str, uhost_id: &str, release: bool) {
        let ids: Vec<String> = self
            .disks
            .attached_to(uhost_id)
            .map(|d| d.udisk_id.clone())
            .collect();
        for id in ids {
            if release {
                self.disks.by_id.remove(&id);
                self.disks.deleted.insert(id, account_id.to_owned());
            } else if let Some(d) = self.disks.by_id.get_mut(&id) {
                d.status = DiskStatus::Available;
                d.mount.clear();
                d.device.clear();
                d.detach_at = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;

    const OWNER: &str = "56000001";
    const RUN: &str = "uhost-demo0run";
    const STOPPED: &str = "uhost-demo0stp";

    fn state() -> State {
        let mut s = Fixtures::builtin().state();
        s.clock.freeze();
        s
    }

    fn spec(size: i64) -> DiskSpec {
        DiskSpec {
            name: "data".into(),
            size,
            disk_type: "SSDDataDisk".into(),
            charge_type: "Month".into(),
        }
    }

    fn owner(s: &State) -> Account {
        (*s.accounts()[0]).clone()
    }

    fn status_of(s: &State, id: &str) -> DiskStatus {
        s.disks_of(OWNER, None, None)
            .into_iter()
            .find(|d| d.udisk_id == id)
            .unwrap()
            .status
    }

    #[test]
    fn a_created_disk_is_attached_on_the_next_device_and_listed() {
        let mut s = state();
        let who = owner(&s);
        let a = s.create_disk(&who, RUN, &spec(100)).unwrap();
        let b = s.create_disk(&who, RUN, &spec(50)).unwrap();
        assert!(a.starts_with("udisk-") && a != b);
        let on: Vec<&DataDisk> = s.disks_on(RUN).collect();
        assert_eq!(on.len(), 2);
        assert_eq!(on[0].device, "/dev/vdb");
        assert_eq!(on[1].device, "/dev/vdc");
        assert_eq!(s.disks_of(OWNER, Some(RUN), None).len(), 2);
        let on_stopped = s.disks_of(OWNER, Some(STOPPED), None);
        assert_eq!(on_stopped.len(), 1, "the fixture's");
        let c = s.create_disk(&who, STOPPED, &spec(50)).unwrap();
        assert_eq!(s.disk_of_instance(OWNER, STOPPED, &c).unwrap().0, 50);
        assert_eq!(s.disks_on(STOPPED).last().unwrap().device, "/dev/vdc");
        assert_eq!(s.disks_of(OWNER, None, Some("cn-bj2")).len(), 0);
        assert_eq!(s.disks_of("56000002", None, None).len(), 0);
    }

    #[test]
    fn a_detach_takes_time_and_a_delete_meanwhile_is_8434() {
        let mut s = state();
        let who = owner(&s);
        let id = s.create_disk(&who, STOPPED, &spec(100)).unwrap();
        let before = s.dump();
        let err = s.delete_disk(OWNER, &id).unwrap_err();
        assert_eq!(err.ret_code(), 290, "attached: wrong state");
        assert_eq!(s.dump(), before);
        let err = s
            .detach_disk(OWNER, STOPPED, &id, Some("/dev/vdb"))
            .unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("Device".into()));
        s.detach_disk(OWNER, STOPPED, &id, Some("/dev/vdc"))
            .unwrap();
        let err = s.delete_disk(OWNER, &id).unwrap_err();
        assert_eq!(err.ret_code(), 8434);
        assert!(err.message().contains(&id), "{}", err.message());
        s.clock.advance(s.timings.detach_seconds);
        assert!(s.needs_tick());
        s.tick();
        assert_eq!(status_of(&s, &id), DiskStatus::Available);
        assert_eq!(s.disks_on(STOPPED).count(), 1, "the fixture's stays");
        s.delete_disk(OWNER, &id).unwrap();
        s.delete_disk(OWNER, &id).unwrap();
        assert_eq!(
            s.delete_disk("56000002", &id).unwrap_err(),
            ApiError::ParamsNotAvailable("UDiskId".into()),
            "deleted by another account: not this one's"
        );
    }

    #[test]
    fn detach_needs_a_stopped_instance_and_resize_grows_only() {
        let mut s = state();
        let who = owner(&s);
        let id = s.create_disk(&who, RUN, &spec(100)).unwrap();
        let before = s.dump();
        assert_eq!(
            s.detach_disk(OWNER, RUN, &id, None).unwrap_err().ret_code(),
            290
        );
        assert_eq!(
            s.resize_disk(OWNER, &id, None, 200).unwrap_err().ret_code(),
            290
        );
        assert_eq!(
            s.resize_disk(OWNER, &id, Some(STOPPED), 200).unwrap_err(),
            ApiError::ParamsNotAvailable("UHostId".into())
        );
        assert_eq!(s.dump(), before);
        s.stop_instance(OWNER, RUN).unwrap();
        s.clock.advance(60);
        s.tick();
        assert_eq!(
            s.resize_disk(OWNER, &id, None, 100).unwrap_err(),
            ApiError::ParamsNotAvailable("Size".into())
        );
        s.resize_disk(OWNER, &id, Some(RUN), 200).unwrap();
        assert_eq!(s.disk_of_instance(OWNER, RUN, &id).unwrap().0, 200);
    }

    #[test]
    fn attach_moves_an_available_disk_within_its_zone_only() {
        let mut s = state();
        let who = owner(&s);
        let id = s.create_disk(&who, STOPPED, &spec(100)).unwrap();
        assert_eq!(s.attach_disk(OWNER, RUN, &id).unwrap_err().ret_code(), 290);
        s.detach_disk(OWNER, STOPPED, &id, None).unwrap();
        s.clock.advance(60);
        s.tick();
        assert_eq!(
            s.attach_disk(OWNER, "uhost-second01", &id).unwrap_err(),
            ApiError::ParamsNotAvailable("UHostId".into())
        );
        s.attach_disk(OWNER, RUN, &id).unwrap();
        assert_eq!(s.disks_on(RUN).next().unwrap().udisk_id, id);
        assert_eq!(
            s.attach_disk("56000002", "uhost-second01", &id)
                .unwrap_err(),
            ApiError::ParamsNotAvailable("UDiskId".into())
        );
    }

    #[test]
    fn a_terminated_instance_releases_or_frees_its_disks() {
        let mut s = state();
        let who = owner(&s);
        let kept = s.create_disk(&who, STOPPED, &spec(100)).unwrap();
        s.release_disks_of(OWNER, STOPPED, false);
        assert_eq!(status_of(&s, &kept), DiskStatus::Available);
        assert_eq!(s.disks_on(STOPPED).count(), 0);
        let gone = s.create_disk(&who, RUN, &spec(100)).unwrap();
        s.release_disks_of(OWNER, RUN, true);
        let left: Vec<&str> = s
            .disks_of(OWNER, None, None)
            .iter()
            .map(|d| d.udisk_id.as_str())
            .collect();
        assert!(left.contains(&kept.as_str()) && !left.contains(&gone.as_str()));
        s.delete_disk(OWNER, &gone).unwrap();
    }
}
