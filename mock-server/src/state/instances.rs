//! Instances (UHosts) and their state machine.
//!
//! `Initializing → Running`, `Stopped → Starting → Running`,
//! `Running → Stopping → Stopped`, `Running → Rebooting → Running`; a
//! transitional state settles after its duration on the virtual clock.
//! Terminated instances are gone.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::images::Page;
use super::{not_available, Account, State};
use crate::domain::{hourly_price, round2};
use crate::error::ApiError;

/// The state of an instance, as `State` shows it on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceState {
    /// Being created or reinstalled; becomes Running.
    Initializing,
    /// Up.
    Running,
    /// Going down; becomes Stopped.
    Stopping,
    /// Down.
    Stopped,
    /// Coming up; becomes Running.
    Starting,
    /// Restarting; becomes Running.
    Rebooting,
}

impl InstanceState {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Initializing => "Initializing",
            InstanceState::Running => "Running",
            InstanceState::Stopping => "Stopping",
            InstanceState::Stopped => "Stopped",
            InstanceState::Starting => "Starting",
            InstanceState::Rebooting => "Rebooting",
        }
    }
}

/// A disk of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disk {
    /// `bsm-…` id.
    pub disk_id: String,
    /// `CLOUD_SSD`.
    pub disk_type: String,
    /// Whether it is the boot disk.
    pub is_boot: bool,
    /// Size in GB.
    pub size: i64,
}

/// An instance of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// `uhost-…` id.
    pub uhost_id: String,
    /// The owning account.
    pub account_id: String,
    /// Name.
    pub name: String,
    /// Zone it lives in.
    pub zone: String,
    /// Current state.
    pub state: InstanceState,
    /// Where a transitional state is heading and when it gets there.
    pub pending: Option<(i64, InstanceState)>,
    /// CPU cores.
    pub cpu: i64,
    /// Memory in MB.
    pub memory: i64,
    /// GPU count.
    pub gpu: i64,
    /// GPU type (`4090`, …).
    pub gpu_type: String,
    /// `G`.
    pub machine_type: String,
    /// `Dynamic`, `Month`, …
    pub charge_type: String,
    /// The image it was created (or reinstalled) from.
    pub image_id: String,
    /// That image's name.
    pub image_name: String,
    /// That image's type.
    pub image_type: String,
    /// Disks, the boot disk first.
    pub disks: Vec<Disk>,
    /// Private IP.
    pub ip: String,
    /// Epoch seconds.
    pub create_time: i64,
    /// Last start, epoch seconds.
    pub start_time: i64,
    /// Last stop, epoch seconds (0 if never).
    pub stop_time: i64,
    /// Hourly price of the instance.
    pub price: f64,
    /// A UUID.
    pub uuid: String,
    /// Creation sequence number, for listing order.
    pub seq: u64,
    /// What the instance carries beyond its machine: password, schedule,
    /// remark, ports (absent from state files written before they existed).
    #[serde(default)]
    pub extra: InstanceExtra,
}

/// The parts of an instance its owner sets after creation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceExtra {
    /// The login password, base64 as the API carries it.
    pub password: String,
    /// Scheduled shutdown, epoch seconds (0: none).
    pub scheduler_stop_time: i64,
    /// The remark given at creation.
    pub remark: String,
    /// HTTP ports opened with UpdateCompShareInstancePorts.
    pub http_ports: Vec<i64>,
    /// TCP ports opened with UpdateCompShareInstancePorts.
    pub tcp_ports: Vec<i64>,
    /// The share bandwidth its EIP is switched onto (empty: the platform's
    /// shared bandwidth); see `state::bandwidth`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub share_bandwidth_id: String,
}

impl Instance {
    /// Applies a transition that is due at `now`.
    pub fn settle(&mut self, now: i64) {
        if let Some((at, target)) = self.pending {
            if at <= now {
                self.state = target;
                self.pending = None;
                match target {
                    InstanceState::Running => self.start_time = at,
                    InstanceState::Stopped => self.stop_time = at,
                    _ => {}
                }
            }
        }
    }

    /// Enters `through` now, heading for `target` after `seconds`.
    pub fn begin(&mut self, now: i64, through: InstanceState, target: InstanceState, seconds: u64) {
        if seconds == 0 {
            self.state = through;
            self.pending = Some((now, target));
            self.settle(now);
        } else {
            self.state = through;
            self.pending = Some((now.saturating_add(seconds as i64), target));
        }
    }

    /// Total disk space in GB.
    pub fn total_disk_space(&self) -> i64 {
        self.disks.iter().map(|d| d.size).sum()
    }
}

/// What CreateCompShareInstance asks for, already parsed.
#[derive(Debug, Clone)]
pub struct InstanceSpec {
    /// Zone to create in.
    pub zone: String,
    /// Image to create from.
    pub image_id: String,
    /// CPU cores.
    pub cpu: i64,
    /// Memory in MB.
    pub memory: i64,
    /// GPU count.
    pub gpu: i64,
    /// GPU type.
    pub gpu_type: String,
    /// Machine type.
    pub machine_type: String,
    /// Charge type.
    pub charge_type: String,
    /// Name (empty: a default).
    pub name: String,
    /// Boot disk size in GB.
    pub boot_disk_gb: i64,
    /// Data disk sizes in GB.
    pub data_disks_gb: Vec<i64>,
    /// How many.
    pub quantity: usize,
    /// The login password, base64.
    pub password: String,
    /// A remark.
    pub remark: String,
}

/// A power action: the states it is allowed in, the transitional state it
/// enters and the state it settles in.
struct Step {
    action: &'static str,
    from: &'static [InstanceState],
    through: InstanceState,
    to: InstanceState,
    /// Takes the boot time rather than the transition time.
    boot: bool,
}

const START: Step = Step {
    action: "StartCompShareInstance",
    from: &[InstanceState::Stopped],
    through: InstanceState::Starting,
    to: InstanceState::Running,
    boot: false,
};
const STOP: Step = Step {
    action: "StopCompShareInstance",
    from: &[InstanceState::Running],
    through: InstanceState::Stopping,
    to: InstanceState::Stopped,
    boot: false,
};
const REBOOT: Step = Step {
    action: "RebootCompShareInstance",
    from: &[InstanceState::Running],
    through: InstanceState::Rebooting,
    to: InstanceState::Running,
    boot: false,
};
const REINSTALL: Step = Step {
    action: "ReinstallCompShareInstance",
    from: &[InstanceState::Stopped],
    through: InstanceState::Initializing,
    to: InstanceState::Running,
    boot: true,
};

// ---- operations ---------------------------------------------------------------

impl State {
    /// Adds an instance built elsewhere (a fixture's), given the state's next
    /// sequence number; its id is taken from then on.
    pub fn adopt_instance(&mut self, make: impl FnOnce(u64) -> Instance) {
        let inst = make(self.next_seq());
        self.used_ids.insert(inst.uhost_id.clone());
        self.instances_by_account
            .entry(inst.account_id.clone())
            .or_default()
            .push(inst.uhost_id.clone());
        self.instances.insert(inst.uhost_id.clone(), inst);
    }

    /// Creates `spec.quantity` instances; returns their ids.
    pub fn create_instances(
        &mut self,
        account: &Account,
        spec: &InstanceSpec,
    ) -> Result<Vec<String>, ApiError> {
        let img = self
            .usable_image(&account.account_id, &spec.image_id)
            .ok_or_else(|| not_available("CompShareImageId"))?;
        let (unit, _) = hourly_price(&spec.gpu_type).ok_or_else(|| not_available("GpuType"))?;
        let now = self.clock.now();
        let boot = self.timings.boot_seconds;
        let mut out = Vec::with_capacity(spec.quantity);
        for _ in 0..spec.quantity {
            // A container zone's instances are `cpod-…`.
            let prefix = if crate::domain::is_pod_zone(&spec.zone) {
                "cpod-"
            } else {
                "uhost-"
            };
            let uhost_id = self.fresh_id(prefix, 8);
            let mut disks = vec![Disk {
                disk_id: self.fresh_id("bsm-", 8),
                disk_type: "CLOUD_SSD".to_owned(),
                is_boot: true,
                size: spec.boot_disk_gb,
            }];
            for size in &spec.data_disks_gb {
                disks.push(Disk {
                    disk_id: self.fresh_id("bsm-", 8),
                    disk_type: "CLOUD_SSD".to_owned(),
                    is_boot: false,
                    size: *size,
                });
            }
            let octets = self.ids.draw("ip");
            let mut inst = Instance {
                uhost_id: uhost_id.clone(),
                account_id: account.account_id.clone(),
                name: if spec.name.is_empty() {
                    format!("CompShare-{}", spec.gpu_type)
                } else {
                    spec.name.clone()
                },
                zone: spec.zone.clone(),
                state: InstanceState::Initializing,
                pending: None,
                cpu: spec.cpu,
                memory: spec.memory,
                gpu: spec.gpu,
                gpu_type: spec.gpu_type.clone(),
                machine_type: spec.machine_type.clone(),
                charge_type: spec.charge_type.clone(),
                image_id: img.comp_share_image_id.clone(),
                image_name: img.name.clone(),
                image_type: img.image_type.clone(),
                disks,
                ip: format!(
                    "10.{}.{}.{}",
                    (octets >> 16) & 0xff,
                    (octets >> 8) & 0xff,
                    (octets & 0xfd) + 2
                ),
                create_time: now,
                start_time: 0,
                stop_time: 0,
                price: round2(unit * spec.gpu as f64),
                uuid: self.ids.uuid(),
                seq: self.next_seq(),
                extra: InstanceExtra {
                    password: if spec.password.is_empty() {
                        self.fresh_password()
                    } else {
                        spec.password.clone()
                    },
                    remark: spec.remark.clone(),
                    ..InstanceExtra::default()
                },
            };
            inst.begin(
                now,
                InstanceState::Initializing,
                InstanceState::Running,
                boot,
            );
            if let Some((at, _)) = inst.pending {
                self.schedule(at, &uhost_id);
            }
            self.instances_by_account
                .entry(account.account_id.clone())
                .or_default()
                .push(uhost_id.clone());
            self.instances.insert(uhost_id.clone(), inst);
            out.push(uhost_id);
        }
        Ok(out)
    }

    /// A new login password: sixteen characters from the id streams, base64
    /// as the API carries passwords.
    fn fresh_password(&mut self) -> String {
        use base64::Engine;
        let a = self.ids.draw("password");
        let b = self.ids.draw("password");
        let plain = format!("Cs{:07x}{:07x}", a & 0xfff_ffff, b & 0xfff_ffff);
        base64::engine::general_purpose::STANDARD.encode(plain)
    }

    /// The account's instances, newest first, optionally only those of `ids`
    /// and of `zone`, paged.
    pub fn instances_of(
        &self,
        account_id: &str,
        ids: &[&str],
        zone: Option<&str>,
        page: Page,
    ) -> (usize, Vec<&Instance>) {
        let all: Vec<&Instance> = match ids {
            [] => self
                .instances_by_account
                .get(account_id)
                .map(|v| {
                    v.iter()
                        .rev()
                        .filter_map(|id| self.instances.get(id))
                        .collect()
                })
                .unwrap_or_default(),
            ids => {
                let mut seen = HashSet::new();
                let mut v: Vec<&Instance> = ids
                    .iter()
                    .filter(|id| seen.insert(**id))
                    .filter_map(|id| self.instances.get(*id))
                    .filter(|i| i.account_id == account_id)
                    .collect();
                v.sort_by_key(|i| std::cmp::Reverse(i.seq));
                v
            }
        };
        let all: Vec<&Instance> = all
            .into_iter()
            .filter(|i| zone.is_none_or(|z| i.zone == z))
            .collect();
        let total = all.len();
        let items = all.into_iter().skip(page.offset).take(page.limit).collect();
        (total, items)
    }

    /// The account's instance of that id (230 on `UHostId` otherwise).
    pub fn instance(&self, account_id: &str, uhost_id: &str) -> Result<&Instance, ApiError> {
        self.instances
            .get(uhost_id)
            .filter(|i| i.account_id == account_id)
            .ok_or_else(|| not_available("UHostId"))
    }

    pub(super) fn instance_in(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        allowed: &[InstanceState],
        action: &str,
    ) -> Result<&mut Instance, ApiError> {
        let inst = self
            .instances
            .get_mut(uhost_id)
            .filter(|i| i.account_id == account_id)
            .ok_or_else(|| not_available("UHostId"))?;
        if !allowed.contains(&inst.state) {
            return Err(ApiError::WrongState {
                id: uhost_id.to_owned(),
                state: inst.state.as_str().to_owned(),
                action: action.to_owned(),
            });
        }
        Ok(inst)
    }

    fn transition(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        step: &Step,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        let seconds = if step.boot {
            self.timings.boot_seconds
        } else {
            self.timings.transition_seconds
        };
        let inst = self.instance_in(account_id, uhost_id, step.from, step.action)?;
        inst.begin(now, step.through, step.to, seconds);
        if let Some((at, _)) = inst.pending {
            self.schedule(at, uhost_id);
        }
        Ok(())
    }

    /// StartCompShareInstance: Stopped → Starting → Running.
    pub fn start_instance(&mut self, account_id: &str, uhost_id: &str) -> Result<(), ApiError> {
        self.transition(account_id, uhost_id, &START)
    }

    /// StopCompShareInstance: Running → Stopping → Stopped.
    pub fn stop_instance(&mut self, account_id: &str, uhost_id: &str) -> Result<(), ApiError> {
        self.transition(account_id, uhost_id, &STOP)
    }

    /// RebootCompShareInstance: Running → Rebooting → Running.
    pub fn reboot_instance(&mut self, account_id: &str, uhost_id: &str) -> Result<(), ApiError> {
        self.transition(account_id, uhost_id, &REBOOT)
    }

    /// ReinstallCompShareInstance: Stopped → Initializing → Running, from
    /// another image, with a new password when one is given.
    pub fn reinstall_instance(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        image_id: &str,
        password: Option<&str>,
    ) -> Result<(), ApiError> {
        self.instance_in(account_id, uhost_id, REINSTALL.from, REINSTALL.action)?;
        let img = self
            .usable_image(account_id, image_id)
            .ok_or_else(|| not_available("CompShareImageId"))?;
        self.transition(account_id, uhost_id, &REINSTALL)?;
        if let Some(inst) = self.instances.get_mut(uhost_id) {
            inst.image_id = img.comp_share_image_id.clone();
            inst.image_name = img.name.clone();
            inst.image_type = img.image_type.clone();
            if let Some(p) = password {
                inst.extra.password = p.to_owned();
            }
        }
        Ok(())
    }

    /// TerminateCompShareInstance: allowed when Running or Stopped; the
    /// instance is gone at once.
    pub fn terminate_instance(&mut self, account_id: &str, uhost_id: &str) -> Result<(), ApiError> {
        self.instance_in(
            account_id,
            uhost_id,
            &[InstanceState::Running, InstanceState::Stopped],
            "TerminateCompShareInstance",
        )?;
        self.instances.remove(uhost_id);
        if let Some(list) = self.instances_by_account.get_mut(account_id) {
            list.retain(|id| id != uhost_id);
        }
        Ok(())
    }

    /// ModifyCompShareInstanceName: any state.
    pub fn rename_instance(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        self.instance_in(
            account_id,
            uhost_id,
            ANY_STATE,
            "ModifyCompShareInstanceName",
        )?
        .name = name.to_owned();
        Ok(())
    }

    /// ResetCompShareInstancePassword: only when Stopped (as for UHosts);
    /// `password` is kept as sent (base64).
    pub fn reset_password(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        password: &str,
    ) -> Result<(), ApiError> {
        self.instance_in(
            account_id,
            uhost_id,
            &[InstanceState::Stopped],
            "ResetCompShareInstancePassword",
        )?
        .extra
        .password = password.to_owned();
        Ok(())
    }

    /// UpdateCompShareStopScheduler: schedules a shutdown at `at` (epoch
    /// seconds, at least five minutes ahead) of a Running instance.
    pub fn schedule_stop(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        at: i64,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        if at < now + 300 {
            return Err(not_available("SchedulerStopTime"));
        }
        self.instance_in(
            account_id,
            uhost_id,
            &[InstanceState::Running],
            "UpdateCompShareStopScheduler",
        )?
        .extra
        .scheduler_stop_time = at;
        Ok(())
    }

    /// DeleteCompShareStopScheduler: cancels a scheduled shutdown (a no-op
    /// when none is set).
    pub fn cancel_stop(&mut self, account_id: &str, uhost_id: &str) -> Result<(), ApiError> {
        self.instance_in(
            account_id,
            uhost_id,
            ANY_STATE,
            "DeleteCompShareStopScheduler",
        )?
        .extra
        .scheduler_stop_time = 0;
        Ok(())
    }

    /// SwitchChargeType: another charge type, in any settled state.
    pub fn switch_charge_type(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        charge_type: &str,
    ) -> Result<(), ApiError> {
        self.instance_in(
            account_id,
            uhost_id,
            &[InstanceState::Running, InstanceState::Stopped],
            "SwitchChargeType",
        )?
        .charge_type = charge_type.to_owned();
        Ok(())
    }

    /// UpdateCompShareInstancePorts: replaces the opened port lists.
    pub fn set_ports(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        http: Vec<i64>,
        tcp: Vec<i64>,
    ) -> Result<(), ApiError> {
        let inst = self.instance_in(
            account_id,
            uhost_id,
            ANY_STATE,
            "UpdateCompShareInstancePorts",
        )?;
        inst.extra.http_ports = http;
        inst.extra.tcp_ports = tcp;
        Ok(())
    }

    /// ResizeCompShareInstance: a Stopped instance gets new CPU, memory and
    /// GPU counts, or a larger disk; the price follows the GPU count.
    pub fn resize_instance(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        resize: &Resize,
    ) -> Result<(), ApiError> {
        let inst = self.instance(account_id, uhost_id)?;
        if let Some((disk_id, size)) = &resize.disk {
            let disk = inst
                .disks
                .iter()
                .find(|d| d.disk_id == *disk_id)
                .ok_or_else(|| not_available("DiskId"))?;
            if *size < disk.size || *size > 4096 {
                return Err(not_available("DiskSpace"));
            }
        }
        let unit = hourly_price(&inst.gpu_type).map_or(0.0, |p| p.0);
        let inst = self.instance_in(
            account_id,
            uhost_id,
            &[InstanceState::Stopped],
            "ResizeCompShareInstance",
        )?;
        if let Some(cpu) = resize.cpu {
            inst.cpu = cpu;
        }
        if let Some(memory) = resize.memory {
            inst.memory = memory;
        }
        if let Some(gpu) = resize.gpu {
            inst.gpu = gpu;
            inst.price = round2(unit * gpu as f64);
        }
        if let Some((disk_id, size)) = &resize.disk {
            if let Some(d) = inst.disks.iter_mut().find(|d| d.disk_id == *disk_id) {
                d.size = *size;
            }
        }
        Ok(())
    }
}

/// What ResizeCompShareInstance changes, already parsed and range-checked.
#[derive(Debug, Clone, Default)]
pub struct Resize {
    /// New CPU cores.
    pub cpu: Option<i64>,
    /// New memory in MiB.
    pub memory: Option<i64>,
    /// New GPU count.
    pub gpu: Option<i64>,
    /// A disk and its new size in GiB.
    pub disk: Option<(String, i64)>,
}

/// Every state: for the calls an instance takes whatever it is doing.
const ANY_STATE: &[InstanceState] = &[
    InstanceState::Initializing,
    InstanceState::Running,
    InstanceState::Stopping,
    InstanceState::Stopped,
    InstanceState::Starting,
    InstanceState::Rebooting,
];

// ---- the answer model --------------------------------------------------------

/// An instance as `DescribeCompShareInstance` answers it: the catalogue's
/// `CompShareInstanceSet`, every field in catalogue order, those the mock
/// does not model at their type's empty value.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompShareInstanceSet<'a> {
    auto_renew: &'static str,
    #[serde(rename = "CPU")]
    cpu: i64,
    charge_type: &'a str,
    comp_share_image_bill_id: &'static str,
    comp_share_image_id: &'a str,
    comp_share_image_name: &'a str,
    comp_share_image_owner_alias: &'static str,
    comp_share_image_price: f64,
    comp_share_image_status: &'static str,
    comp_share_image_type: &'a str,
    cpu_arch: &'static str,
    cpu_platform: &'static str,
    create_time: i64,
    discount_type: i64,
    disk_price_info: [(); 0],
    disk_set: Vec<UHostDiskSet<'a>>,
    expire_time: i64,
    #[serde(rename = "GPU")]
    gpu: i64,
    gpu_type: &'a str,
    graphics_memory: GraphicsMemory,
    host_ip: &'static str,
    hugepage_cfg: &'static str,
    #[serde(rename = "IPSet")]
    ip_set: [UHostIpSet; 2],
    instance_price: f64,
    instance_type: &'static str,
    is_expire: &'static str,
    machine_type: &'a str,
    memory: i64,
    monitor_messages: MonitorMessage,
    name: &'a str,
    os_name: &'a str,
    os_type: &'static str,
    password: &'a str,
    pod_id: &'static str,
    post_pay_power_off_billing_resource: [(); 0],
    post_pay_shutdown: bool,
    qemu_full_version: &'static str,
    qemu_version: &'static str,
    release_time: i64,
    remark: &'a str,
    set_id: i64,
    softwares: [(); 0],
    ssh_login_command: String,
    start_time: i64,
    state: &'static str,
    stop_scheduler_time: i64,
    stop_time: i64,
    support_without_gpu_start: bool,
    tag: &'static str,
    total_disk_space: i64,
    #[serde(rename = "UHostId")]
    uhost_id: &'a str,
    #[serde(rename = "UUID")]
    uuid: &'a str,
    update_time: i64,
    without_gpu_spec: WithoutGpuSpec,
    zone: &'a str,
    region: &'static str,
    image_id: &'a str,
    #[serde(rename = "UDiskSet")]
    udisk_set: Vec<super::disks::UHostUDiskSet<'a>>,
    volume_set: [(); 0],
    total_volume_space: i64,
    disk_price: f64,
    comp_share_image_version_name: &'static str,
    comp_share_image_author: &'static str,
    basic_image_id: &'a str,
    basic_image_name: &'a str,
    scheduler_stop_time: i64,
}

impl<'a> CompShareInstanceSet<'a> {
    /// The answer with the data disks attached to the instance in
    /// `UDiskSet`, their sizes summed in `TotalVolumeSpace`.
    pub fn with_disks(mut self, disks: impl Iterator<Item = &'a super::disks::DataDisk>) -> Self {
        for d in disks {
            self.total_volume_space += d.size;
            self.udisk_set.push(d.on_instance());
        }
        self
    }

    /// The answer with the EIP on `bound`, the share bandwidth it is
    /// switched onto (`None`: the shared one); `zone_has` says whether the
    /// instance's zone has a share bandwidth to switch to.
    pub fn with_share_bandwidth(
        mut self,
        bound: Option<&super::bandwidth::ShareBandwidth>,
        zone_has: bool,
    ) -> Self {
        if let Some(sb) = self.ip_set[1].share_bandwidth.as_mut() {
            match bound {
                Some(b) => {
                    sb.share_bandwidth_id = b.share_bandwidth_id.clone();
                    sb.bandwidth = b.bandwidth;
                    sb.scope = "Company";
                    sb.can_switch = true;
                    sb.target_scope = "Public";
                    self.ip_set[1].bandwidth = b.bandwidth;
                }
                None => sb.can_switch = zone_has,
            }
        }
        self
    }
}

/// The catalogue's `UHostDiskSet`: a disk as an instance lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct UHostDiskSet<'a> {
    backup_type: &'static str,
    disk_id: &'a str,
    disk_type: &'a str,
    drive: String,
    encrypted: &'static str,
    /// `True`/`False`, a string on the wire.
    is_boot: &'static str,
    name: &'static str,
    size: i64,
    #[serde(rename = "Type")]
    kind: &'static str,
}

/// The catalogue's `UHostIPSet`: an address of an instance.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct UHostIpSet {
    #[serde(rename = "IP")]
    ip: String,
    #[serde(rename = "IPId")]
    ip_id: String,
    #[serde(rename = "Type")]
    kind: &'static str,
    default: &'static str,
    #[serde(rename = "IPMode")]
    ip_mode: &'static str,
    bandwidth: i64,
    weight: i64,
    mac: String,
    network_interface_id: &'static str,
    #[serde(rename = "VPCId")]
    vpc_id: String,
    subnet_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    share_bandwidth: Option<IpShareBandwidth>,
}

/// The overlay's `IPShareBandwidth`: the bandwidth a public IP draws on.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct IpShareBandwidth {
    share_bandwidth_id: String,
    bandwidth: i64,
    /// `Public` (the platform's shared bandwidth) or `Company` (the
    /// account's own share bandwidth of the zone).
    scope: &'static str,
    /// Whether it can be switched: onto the zone's share bandwidth when
    /// there is one, back to the shared one always.
    can_switch: bool,
    /// The scope a switch would move it to.
    target_scope: &'static str,
}

/// The catalogue's `GraphicsMemory`, not modelled: zeros.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GraphicsMemory {
    rate: i64,
    value: i64,
}

/// The catalogue's `MonitorMessage`, not modelled: empty.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
struct MonitorMessage {
    cpu_usage_rate: &'static str,
    gpu_info: [(); 0],
    mem_usage_rate: &'static str,
}

/// The catalogue's `WithoutGpuSpec`, not modelled: zeros.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
struct WithoutGpuSpec {
    cpu: i64,
    gpu: i64,
    memory: i64,
}

impl Instance {
    /// The instance's private IP as an `IPSet` entry. Its network ids are
    /// derived from what the state keeps (the account, the region, the
    /// instance id), so they are the same in every answer and after a
    /// restart from a state file: one VPC and one subnet per account and
    /// region, one MAC per instance. `IPId` and `NetworkInterfaceId` are
    /// empty, as the API reference has them for a private IP on the default
    /// (not an elastic) interface.
    fn private_ip(&self) -> UHostIpSet {
        let network = derived(&[&self.account_id, self.region()]);
        let own = derived(&[&self.uhost_id]);
        UHostIpSet {
            ip: self.ip.clone(),
            ip_id: String::new(),
            kind: "Private",
            default: "true",
            ip_mode: "IPv4",
            bandwidth: 0,
            weight: 0,
            mac: format!("52:54:00:{:02x}:{:02x}:{:02x}", own[0], own[1], own[2]),
            network_interface_id: "",
            vpc_id: format!("uvnet-{}", base36(&network[..8])),
            subnet_id: format!("subnet-{}", base36(&network[8..16])),
            share_bandwidth: None,
        }
    }

    /// The instance's public IP and its `eip-…` id, derived from its id
    /// like its MAC.
    pub fn eip(&self) -> (String, String) {
        let own = derived(&[&self.uhost_id, "eip"]);
        (
            format!("106.75.{}.{}", own[3], own[4].max(2)),
            format!("eip-{}", base36(&own[5..13])),
        )
    }

    /// The instance's public IP (an EIP), on the platform's shared
    /// bandwidth of 50 Mbps (the mock's choice) until
    /// [`CompShareInstanceSet::with_share_bandwidth`] says otherwise.
    fn public_ip(&self) -> UHostIpSet {
        let (ip, ip_id) = self.eip();
        UHostIpSet {
            ip,
            ip_id,
            kind: "BGP",
            default: "false",
            ip_mode: "IPv4",
            bandwidth: 50,
            weight: 50,
            mac: String::new(),
            network_interface_id: "",
            vpc_id: String::new(),
            subnet_id: String::new(),
            share_bandwidth: Some(IpShareBandwidth {
                share_bandwidth_id: String::new(),
                bandwidth: 50,
                scope: "Public",
                can_switch: false,
                target_scope: "Company",
            }),
        }
    }

    /// The region of the instance's zone.
    pub fn region(&self) -> &'static str {
        crate::domain::region_of_zone(&self.zone).unwrap_or("")
    }

    /// The VPC and subnet ids `IPSet` shows.
    pub fn network_ids(&self) -> (String, String) {
        let ip = self.private_ip();
        (ip.vpc_id, ip.subnet_id)
    }

    /// The instance in the answer model.
    pub fn answer(&self) -> CompShareInstanceSet<'_> {
        let disk_set = self
            .disks
            .iter()
            .enumerate()
            .map(|(n, d)| UHostDiskSet {
                backup_type: "NONE",
                disk_id: &d.disk_id,
                disk_type: &d.disk_type,
                drive: format!("vd{}", (b'a' + n.min(25) as u8) as char),
                encrypted: "false",
                is_boot: if d.is_boot { "True" } else { "False" },
                name: if d.is_boot { "系统盘" } else { "数据盘" },
                size: d.size,
                kind: if d.is_boot { "Boot" } else { "Data" },
            })
            .collect();
        CompShareInstanceSet {
            auto_renew: "No",
            cpu: self.cpu,
            charge_type: &self.charge_type,
            comp_share_image_bill_id: "",
            comp_share_image_id: &self.image_id,
            comp_share_image_name: &self.image_name,
            comp_share_image_owner_alias: "",
            comp_share_image_price: 0.0,
            comp_share_image_status: "Available",
            comp_share_image_type: &self.image_type,
            cpu_arch: "x86_64",
            cpu_platform: "",
            create_time: self.create_time,
            discount_type: 0,
            disk_price_info: [],
            disk_set,
            expire_time: 0,
            gpu: self.gpu,
            gpu_type: &self.gpu_type,
            graphics_memory: GraphicsMemory::default(),
            host_ip: "",
            hugepage_cfg: "",
            ip_set: [self.private_ip(), self.public_ip()],
            instance_price: self.price,
            instance_type: "G",
            is_expire: "No",
            machine_type: &self.machine_type,
            memory: self.memory,
            monitor_messages: MonitorMessage::default(),
            name: &self.name,
            os_name: &self.image_name,
            os_type: "Linux",
            password: &self.extra.password,
            pod_id: "",
            post_pay_power_off_billing_resource: [],
            post_pay_shutdown: false,
            qemu_full_version: "",
            qemu_version: "",
            release_time: 0,
            remark: &self.extra.remark,
            set_id: 0,
            softwares: [],
            ssh_login_command: format!("ssh root@{}", self.ip),
            start_time: self.start_time,
            state: self.state.as_str(),
            stop_scheduler_time: 0,
            stop_time: self.stop_time,
            support_without_gpu_start: true,
            tag: "Default",
            total_disk_space: self.total_disk_space(),
            uhost_id: &self.uhost_id,
            uuid: &self.uuid,
            update_time: self.create_time.max(self.start_time).max(self.stop_time),
            without_gpu_spec: WithoutGpuSpec::default(),
            zone: &self.zone,
            region: self.region(),
            image_id: &self.image_id,
            udisk_set: Vec::new(),
            volume_set: [],
            total_volume_space: 0,
            disk_price: 0.0,
            comp_share_image_version_name: "",
            comp_share_image_author: "",
            basic_image_id: &self.image_id,
            basic_image_name: &self.image_name,
            scheduler_stop_time: self.extra.scheduler_stop_time,
        }
    }
}

/// Twenty bytes that depend only on `parts`.
fn derived(parts: &[&str]) -> [u8; 20] {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

/// One lower-case base-36 character per byte.
fn base36(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % 36] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use compshare_protocol::catalogue::{Catalogue, Type};

    use super::*;
    use crate::fixtures::Fixtures;

    const OWNER: &str = "56000001";

    fn state() -> State {
        let mut s = Fixtures::builtin().state();
        s.clock.freeze();
        s
    }

    fn spec(quantity: usize) -> InstanceSpec {
        InstanceSpec {
            zone: "cn-wlcb-01".into(),
            image_id: "compshareImage-165jmhx19ik7".into(),
            cpu: 16,
            memory: 65536,
            gpu: 1,
            gpu_type: "4090".into(),
            machine_type: "G".into(),
            charge_type: "Dynamic".into(),
            name: String::new(),
            boot_disk_gb: 100,
            data_disks_gb: vec![200],
            quantity,
            password: String::new(),
            remark: String::new(),
        }
    }

    fn owner(s: &State) -> Account {
        (*s.accounts()[0]).clone()
    }

    #[test]
    fn the_answer_model_has_every_catalogue_field_in_order_with_its_type() {
        let s = state();
        let inst = s.instance(OWNER, "uhost-demo0run").unwrap();
        let answer = serde_json::to_value(inst.answer()).unwrap();
        let catalogue = Catalogue::get();
        let ty = Type::Ref("CompShareInstanceSet".to_owned());
        let neutral = catalogue.neutral(&ty, 0);
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(keys(&answer), keys(&neutral));
        catalogue.check(&answer, &ty, "UHostSet[0]").unwrap();
        assert_eq!(answer["State"], "Running");
        assert_eq!(answer["IPSet"][0]["IP"], serde_json::json!(inst.ip));
    }

    #[test]
    fn a_created_instance_boots_after_the_boot_time_with_its_disks() {
        let mut s = state();
        let who = owner(&s);
        let ids = s.create_instances(&who, &spec(2)).unwrap();
        assert_eq!(ids.len(), 2);
        assert_ne!(ids[0], ids[1]);
        let inst = s.instance(OWNER, &ids[0]).unwrap();
        assert_eq!(inst.state, InstanceState::Initializing);
        assert_eq!(inst.total_disk_space(), 300);
        s.clock.advance(s.timings.boot_seconds);
        assert!(s.needs_tick());
        s.tick();
        assert_eq!(
            s.instance(OWNER, &ids[0]).unwrap().state,
            InstanceState::Running
        );
        let (total, listed) = s.instances_of(
            OWNER,
            &[],
            None,
            Page {
                offset: 0,
                limit: 1,
            },
        );
        assert_eq!(
            (total, listed[0].uhost_id.as_str()),
            (5, ids[1].as_str()),
            "newest first"
        );
    }

    #[test]
    fn a_power_action_in_the_wrong_state_is_refused_and_changes_nothing() {
        let mut s = state();
        let before = s.dump();
        let err = s.start_instance(OWNER, "uhost-demo0run").unwrap_err();
        assert_eq!(err.ret_code(), 290);
        assert!(err.message().contains("[Running]"), "{}", err.message());
        assert_eq!(s.dump(), before);
        s.stop_instance(OWNER, "uhost-demo0run").unwrap();
        assert_eq!(
            s.instance(OWNER, "uhost-demo0run").unwrap().state,
            InstanceState::Stopping
        );
    }

    #[test]
    fn another_accounts_instance_is_230_on_its_id() {
        let mut s = state();
        let err = s
            .terminate_instance("56000002", "uhost-demo0run")
            .unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("UHostId".into()));
        assert!(s.instance(OWNER, "uhost-demo0run").is_ok());
    }

    #[test]
    fn a_create_from_an_unusable_image_or_gpu_creates_nothing() {
        let mut s = state();
        let who = owner(&s);
        let before = s.dump();
        let mut bad = spec(3);
        bad.image_id = "compshareImage-none".into();
        assert_eq!(
            s.create_instances(&who, &bad).unwrap_err(),
            ApiError::ParamsNotAvailable("CompShareImageId".into())
        );
        let mut bad = spec(3);
        bad.gpu_type = "A100".into();
        assert_eq!(
            s.create_instances(&who, &bad).unwrap_err(),
            ApiError::ParamsNotAvailable("GpuType".into())
        );
        assert_eq!(s.dump(), before);
    }
}
