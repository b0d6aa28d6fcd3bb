//! The mock's state: accounts, images, instances, share lists, the virtual
//! clock and the id generator. Knows nothing of HTTP: the actions turn
//! parameters into calls here and the results into answers. Every operation
//! checks everything before it changes anything, so a refused call leaves the
//! state as it was.

pub mod accounts;
pub mod clock;
pub mod id_streams;
pub mod ids;
pub mod images;
pub mod instances;
pub mod persist;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub use accounts::Account;
pub use clock::Clock;
pub use id_streams::IdStreams;
pub use ids::IdGen;
pub use images::{CompShareImage, Images, Listing, Page, StoredImage};
pub use instances::{Disk, Instance, InstanceState};

use crate::actions::canned::CannedAnswers;
use crate::error::ApiError;
use crate::fixtures::Fixtures;

/// How long things take on the virtual clock, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Timings {
    /// Initializing → Running after create or reinstall.
    pub boot_seconds: u64,
    /// Starting, Stopping, Rebooting.
    pub transition_seconds: u64,
    /// A custom image's Making → Available.
    pub image_build_seconds: u64,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            boot_seconds: 5,
            transition_seconds: 2,
            image_build_seconds: 60,
        }
    }
}

/// Machine types the API accepts.
pub const MACHINE_TYPES: &[&str] = &["G"];
/// Charge types the mock accepts.
pub const CHARGE_TYPES: &[&str] = &["Dynamic", "Postpay", "Month", "Year", "Spot"];

/// Hourly price of one GPU of a type with its share of CPU and memory
/// (cn-wlcb-01, 1 GPU, 16 CPU, 64 GB, pay-as-you-go) and its list price.
/// 4090_48G is not public: the mock's choice.
pub fn hourly_price(gpu_type: &str) -> Option<(f64, f64)> {
    Some(match gpu_type {
        "5090" => (2.77, 2.92),
        "4090" => (2.05, 2.15),
        "4090_48G" => (2.6, 2.75),
        "3090" => (1.13, 1.13),
        "3080Ti" => (0.93, 0.93),
        _ => return None,
    })
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
}

/// What UpdateCompShareImage may change.
#[derive(Debug, Clone, Default)]
pub struct ImageUpdate {
    /// New cover URL.
    pub cover: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New framework name.
    pub framework: Option<String>,
    /// New readme.
    pub readme: Option<String>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// New visibility, 0 or 1.
    pub visibility: Option<i64>,
}

/// What PublishCompShareImage asks for.
#[derive(Debug, Clone, Default)]
pub struct Publication {
    /// Price per hour.
    pub price: f64,
    /// Name in the community (empty: the image's name).
    pub name: String,
    /// Description.
    pub description: String,
    /// Readme.
    pub readme: String,
    /// Cover URL.
    pub cover: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Whether the image's software starts by itself.
    pub auto_start: bool,
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

/// Everything the mock knows, built from a fixture set.
#[derive(Debug, Clone, Default)]
pub struct State {
    accounts: Vec<Arc<Account>>,
    by_public_key: HashMap<String, usize>,
    /// All images, platform, custom and community.
    pub images: Images,
    /// The fixture set's canned answers, by action.
    pub canned: CannedAnswers,
    instances: HashMap<String, Instance>,
    instances_by_account: HashMap<String, Vec<String>>,
    builds: HashMap<String, (i64, i64)>,
    shares: HashMap<String, BTreeSet<String>>,
    events: BTreeMap<(i64, u64), String>,
    /// Ids handed out or loaded that no image of `images` holds now (the
    /// images' own ids are in its index): no id is ever given twice.
    used_ids: HashSet<String>,
    seq: u64,
    /// The virtual clock.
    pub clock: Clock,
    /// The id streams, one per kind of id.
    pub ids: IdStreams,
    /// How long things take.
    pub timings: Timings,
}

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

impl State {
    /// Builds the state of a (validated) fixture set.
    pub fn new(fixtures: &Fixtures) -> Self {
        let mut s = State {
            ids: IdStreams::random(),
            ..State::default()
        };
        for a in &fixtures.accounts {
            s.by_public_key
                .insert(a.public_key.clone(), s.accounts.len());
            s.accounts.push(Arc::new(a.clone()));
        }
        s.images = fixtures.images.clone();
        s.canned = fixtures.responses.clone();
        for f in &fixtures.instances {
            s.add_fixture_instance(f);
        }
        s
    }

    fn add_fixture_instance(&mut self, f: &crate::fixtures::InstanceFixture) {
        let image = self.images.get(&f.comp_share_image_id).map(|i| i.image());
        self.seq += 1;
        let state = if f.state == "Stopped" {
            InstanceState::Stopped
        } else {
            InstanceState::Running
        };
        let n = self.seq;
        let inst = Instance {
            uhost_id: f.uhost_id.clone(),
            account_id: f.account_id.clone(),
            name: if f.name.is_empty() {
                format!("CompShare-{}", f.gpu_type)
            } else {
                f.name.clone()
            },
            zone: f.zone.clone(),
            state,
            pending: None,
            cpu: f.cpu,
            memory: f.memory,
            gpu: f.gpu,
            gpu_type: f.gpu_type.clone(),
            machine_type: "G".to_owned(),
            charge_type: if f.charge_type.is_empty() {
                "Dynamic".to_owned()
            } else {
                f.charge_type.clone()
            },
            image_id: f.comp_share_image_id.clone(),
            image_name: image.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
            image_type: image
                .as_ref()
                .map(|i| i.image_type.clone())
                .unwrap_or_default(),
            disks: vec![Disk {
                disk_id: format!("bsm-{}", &f.uhost_id["uhost-".len()..]),
                disk_type: "CLOUD_SSD".to_owned(),
                is_boot: true,
                size: if f.boot_disk_size > 0 {
                    f.boot_disk_size
                } else {
                    100
                },
            }],
            ip: format!("10.9.{}.{}", (n / 250) % 250, n % 250 + 2),
            create_time: f.create_time,
            start_time: if state == InstanceState::Running {
                f.create_time
            } else {
                0
            },
            stop_time: 0,
            price: round2(hourly_price(&f.gpu_type).map(|p| p.0).unwrap_or(0.0) * f.gpu as f64),
            uuid: format!("00000000-0000-4000-8000-{n:012x}"),
            seq: n,
        };
        self.used_ids.insert(f.uhost_id.clone());
        self.instances_by_account
            .entry(f.account_id.clone())
            .or_default()
            .push(f.uhost_id.clone());
        self.instances.insert(f.uhost_id.clone(), inst);
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

    /// A JSON picture of the whole state for `GET /_mock/state`: accounts
    /// without their private keys, images, instances, share lists, clock.
    pub fn dump(&self) -> serde_json::Value {
        let accounts: Vec<serde_json::Value> = self
            .accounts
            .iter()
            .map(|a| serde_json::json!({"AccountId": a.account_id, "AccountName": a.account_name, "PublicKey": a.public_key}))
            .collect();
        let mut images: Vec<&Arc<StoredImage>> = self.images.all().collect();
        images.sort_by(|a, b| a.id().cmp(b.id()));
        let mut instances: Vec<&Instance> = self.instances.values().collect();
        instances.sort_by_key(|i| i.seq);
        let shares: BTreeMap<&String, &BTreeSet<String>> =
            self.shares.iter().filter(|(_, s)| !s.is_empty()).collect();
        serde_json::json!({
            "Clock": {"Now": self.clock.now(), "Offset": self.clock.offset, "Frozen": self.clock.frozen_at.is_some()},
            "Timings": self.timings,
            "Accounts": accounts,
            "Images": images,
            "Instances": instances,
            "Shares": shares,
        })
    }

    /// Every instance, in no particular order.
    pub fn instances(&self) -> impl Iterator<Item = &Instance> {
        self.instances.values()
    }

    /// Whether a transition is due, so [`State::tick`] has work to do.
    pub fn needs_tick(&self) -> bool {
        self.events
            .first_key_value()
            .is_some_and(|((at, _), _)| *at <= self.clock.now())
    }

    /// Applies every transition due by now: instances settle, images finish
    /// building. Cost is in the number of due events only.
    pub fn tick(&mut self) {
        let now = self.clock.now();
        while let Some(entry) = self.events.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let id = entry.remove();
            if let Some(inst) = self.instances.get_mut(&id) {
                inst.settle(now);
            } else if let Some((_, ready)) = self.builds.get(&id).copied() {
                if ready <= now {
                    self.builds.remove(&id);
                    self.images.update(&id, |img| {
                        if img.status == "Making" {
                            img.status = "Available".to_owned();
                        }
                    });
                }
            }
        }
    }

    fn schedule(&mut self, at: i64, id: &str) {
        self.seq += 1;
        self.events.insert((at, self.seq), id.to_owned());
    }

    fn fresh_id(&mut self, prefix: &str, len: usize) -> String {
        loop {
            let id = self.ids.id(prefix, len);
            if self.images.get(&id).is_none() && self.used_ids.insert(id.clone()) {
                return id;
            }
        }
    }

    // ---- instances -------------------------------------------------------

    /// An image the account may create an instance from: a platform or
    /// community image, its own custom image, or one shared with it; it must
    /// be Available.
    pub fn usable_image(&self, account_id: &str, image_id: &str) -> Option<CompShareImage> {
        let img = self.images.get(image_id)?.image();
        let visible = match img.image_type.as_str() {
            "Custom" => {
                img.owner.account_id == account_id
                    || self
                        .shares
                        .get(image_id)
                        .is_some_and(|s| s.contains(account_id))
            }
            _ => true,
        };
        (visible && img.status == "Available").then_some(img)
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
            let uhost_id = self.fresh_id("uhost-", 8);
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
            self.seq += 1;
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
                seq: self.seq,
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

    fn instance_in(
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

    /// ReinstallCompShareInstance: Stopped → Initializing → Running, from another image.
    pub fn reinstall_instance(
        &mut self,
        account_id: &str,
        uhost_id: &str,
        image_id: &str,
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
        let all = [
            InstanceState::Initializing,
            InstanceState::Running,
            InstanceState::Stopping,
            InstanceState::Stopped,
            InstanceState::Starting,
            InstanceState::Rebooting,
        ];
        self.instance_in(account_id, uhost_id, &all, "ModifyCompShareInstanceName")?
            .name = name.to_owned();
        Ok(())
    }

    /// ResetCompShareInstancePassword: only when Stopped (as for UHosts).
    pub fn reset_password(&mut self, account_id: &str, uhost_id: &str) -> Result<(), ApiError> {
        self.instance_in(
            account_id,
            uhost_id,
            &[InstanceState::Stopped],
            "ResetCompShareInstancePassword",
        )?;
        Ok(())
    }

    // ---- custom images -----------------------------------------------------

    fn own_custom(&self, account_id: &str, image_id: &str) -> Result<&Arc<StoredImage>, ApiError> {
        self.images
            .get(image_id)
            .filter(|i| i.owner_account_id() == Some(account_id))
            .ok_or_else(|| not_available("CompShareImageId"))
    }

    fn start_build(&mut self, image: CompShareImage) -> String {
        let id = image.comp_share_image_id.clone();
        let now = image.create_time;
        let ready = now.saturating_add(self.timings.image_build_seconds as i64);
        self.images.insert(image);
        if self.timings.image_build_seconds == 0 {
            self.images
                .update(&id, |i| i.status = "Available".to_owned());
        } else {
            self.builds.insert(id.clone(), (now, ready));
            self.schedule(ready, &id);
        }
        id
    }

    /// CreateCompShareCustomImage: from one of the account's instances, when
    /// Running or Stopped; the image starts `Making`.
    pub fn create_custom_image(
        &mut self,
        account: &Account,
        uhost_id: &str,
        name: &str,
        description: &str,
        softwares: Option<images::Software>,
    ) -> Result<String, ApiError> {
        let inst = self
            .instance_in(
                &account.account_id,
                uhost_id,
                &[InstanceState::Running, InstanceState::Stopped],
                "CreateCompShareCustomImage",
            )?
            .clone();
        let source = self.images.get(&inst.image_id).map(|i| i.image());
        let id = self.fresh_id("compshareImage-", 12);
        let image = CompShareImage {
            comp_share_image_id: id,
            name: name.to_owned(),
            description: description.to_owned(),
            image_type: "Custom".to_owned(),
            status: "Making".to_owned(),
            create_time: self.clock.now(),
            author: account.account_name.clone(),
            owner: images::Owner {
                account_id: account.account_id.clone(),
                account_name: account.account_name.clone(),
            },
            softwares: softwares.unwrap_or_else(|| source.map(|s| s.softwares).unwrap_or_default()),
            source_gpu_type: inst.gpu_type.clone(),
            size: inst.disks.first().map(|d| d.size).unwrap_or(0),
            ..CompShareImage::default()
        };
        Ok(self.start_build(image))
    }

    /// GetCompShareImageCreateProgress: percent done, seconds left, seconds in all.
    pub fn image_progress(
        &self,
        account_id: &str,
        image_id: &str,
    ) -> Result<(f64, i64, i64), ApiError> {
        let img = self.own_custom(account_id, image_id)?.image();
        let total = self.timings.image_build_seconds as i64;
        Ok(match (img.status.as_str(), self.builds.get(image_id)) {
            ("Making", Some((start, ready))) => {
                let now = self.clock.now().min(*ready);
                let whole = (ready - start).max(1);
                let done = (now - start).max(0);
                (
                    round2(done as f64 * 100.0 / whole as f64),
                    ready - now,
                    ready - start,
                )
            }
            ("Making", None) => (0.0, total, total),
            _ => (100.0, 0, total),
        })
    }

    /// CopyCompShareCustomImage: a new `Making` copy of an Available image of the account.
    pub fn copy_custom_image(
        &mut self,
        account: &Account,
        image_id: &str,
        target_name: &str,
    ) -> Result<String, ApiError> {
        let src = self.own_custom(&account.account_id, image_id)?.image();
        if src.status != "Available" {
            return Err(ApiError::WrongState {
                id: image_id.to_owned(),
                state: src.status.clone(),
                action: "CopyCompShareCustomImage".to_owned(),
            });
        }
        let id = self.fresh_id("compshareImage-", 12);
        let mut copy = src.clone();
        copy.comp_share_image_id = id;
        copy.name = if target_name.is_empty() {
            format!("{}-copy", src.name)
        } else {
            target_name.to_owned()
        };
        copy.status = "Making".to_owned();
        copy.create_time = self.clock.now();
        Ok(self.start_build(copy))
    }

    /// UpdateCompShareImage: changes the given fields of the account's image.
    pub fn update_image(
        &mut self,
        account_id: &str,
        image_id: &str,
        u: ImageUpdate,
    ) -> Result<(), ApiError> {
        self.own_custom(account_id, image_id)?;
        self.images.update(image_id, |img| {
            if let Some(v) = u.cover {
                img.cover = v;
            }
            if let Some(v) = u.description {
                img.description = v;
            }
            if let Some(v) = u.framework {
                img.softwares.framework = v;
            }
            if let Some(v) = u.readme {
                img.readme = v;
            }
            if let Some(v) = u.tags {
                img.tags = v;
            }
            if let Some(v) = u.visibility {
                img.visibility = v;
            }
        });
        Ok(())
    }

    /// TerminateCompShareCustomImage: deletes the account's image (also while
    /// Making, and also while instances made from it run); its shares go too.
    pub fn terminate_custom_image(
        &mut self,
        account_id: &str,
        image_id: &str,
    ) -> Result<(), ApiError> {
        self.own_custom(account_id, image_id)?;
        self.images.remove(image_id);
        // Gone from the index, the id stays taken.
        self.used_ids.insert(image_id.to_owned());
        self.builds.remove(image_id);
        self.shares.remove(image_id);
        Ok(())
    }

    // ---- sharing and publishing -------------------------------------------

    /// ModifyCompShareImageShareAccount: adds and removes accounts (by numeric
    /// id); returns the ids that name no other account.
    pub fn modify_shares(
        &mut self,
        account_id: &str,
        image_id: &str,
        add: &[i64],
        remove: &[i64],
    ) -> Result<Vec<i64>, ApiError> {
        self.own_custom(account_id, image_id)?;
        let known = |id: i64| {
            let id = id.to_string();
            self.accounts
                .iter()
                .any(|a| a.account_id == id && a.account_id != account_id)
        };
        let invalid: Vec<i64> = add
            .iter()
            .chain(remove)
            .copied()
            .filter(|id| !known(*id))
            .collect();
        let set = self.shares.entry(image_id.to_owned()).or_default();
        for id in add.iter().filter(|id| !invalid.contains(id)) {
            set.insert(id.to_string());
        }
        for id in remove.iter().filter(|id| !invalid.contains(id)) {
            set.remove(&id.to_string());
        }
        Ok(invalid)
    }

    /// DescribeCompShareImageShareAccounts: who the account's image is shared with.
    pub fn share_accounts(
        &self,
        account_id: &str,
        image_id: &str,
    ) -> Result<Vec<images::Owner>, ApiError> {
        self.own_custom(account_id, image_id)?;
        Ok(self
            .shares
            .get(image_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.accounts.iter().find(|a| &a.account_id == id))
            .map(|a| images::Owner {
                account_id: a.account_id.clone(),
                account_name: a.account_name.clone(),
            })
            .collect())
    }

    /// DescribeCompShareSharingImages: images other accounts share with this one.
    pub fn shared_with(&self, account_id: &str, id: Option<&str>) -> Vec<&Arc<StoredImage>> {
        let mut v: Vec<&Arc<StoredImage>> = self
            .shares
            .iter()
            .filter(|(img, who)| who.contains(account_id) && id.is_none_or(|id| id == img.as_str()))
            .filter_map(|(img, _)| self.images.get(img))
            .collect();
        v.sort_by(|a, b| {
            (std::cmp::Reverse(a.create_time()), a.id())
                .cmp(&(std::cmp::Reverse(b.create_time()), b.id()))
        });
        v
    }

    /// PublishCompShareImage: an Available image of the account becomes a
    /// community image (a new id, public, priced); returns its id.
    pub fn publish_image(
        &mut self,
        account: &Account,
        image_id: &str,
        p: Publication,
    ) -> Result<String, ApiError> {
        let src = self.own_custom(&account.account_id, image_id)?.image();
        if src.status != "Available" {
            return Err(ApiError::WrongState {
                id: image_id.to_owned(),
                state: src.status.clone(),
                action: "PublishCompShareImage".to_owned(),
            });
        }
        let now = self.clock.now();
        let mut img = src.clone();
        img.comp_share_image_id = self.fresh_id("compshareImage-", 12);
        img.image_type = "Community".to_owned();
        img.status = "Available".to_owned();
        img.visibility = 1;
        img.price = p.price;
        img.image_charge = p.price > 0.0;
        img.pub_time = now;
        img.create_time = now;
        img.author = account.account_name.clone();
        img.image_owner_alias = account.account_name.clone();
        img.group_id = src.comp_share_image_id.clone();
        img.auto_start = p.auto_start;
        if !p.name.is_empty() {
            img.name = p.name;
        }
        if !p.description.is_empty() {
            img.description = p.description;
        }
        if !p.readme.is_empty() {
            img.readme = p.readme;
        }
        if !p.cover.is_empty() {
            img.cover = p.cover;
        }
        if !p.tags.is_empty() {
            img.tags = p.tags;
        }
        let id = img.comp_share_image_id.clone();
        self.images.insert(img);
        Ok(id)
    }
}

/// Rounds a price to cents.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_id_is_handed_out_twice_not_even_a_deleted_or_loaded_one() {
        let seed = 7;
        let taken = IdStreams::seeded(seed).id("compshareImage-", 12);
        let mut fixtures = Fixtures::builtin();
        let owner = fixtures.accounts[0].clone();
        fixtures.images.push(CompShareImage {
            comp_share_image_id: taken.clone(),
            image_type: "Custom".into(),
            status: "Available".into(),
            owner: images::Owner {
                account_id: owner.account_id.clone(),
                account_name: owner.account_name.clone(),
            },
            ..CompShareImage::default()
        });
        let mut state = State::new(&fixtures);
        state.ids = IdStreams::seeded(seed);
        let made = state
            .create_custom_image(&owner, "uhost-demo0run", "a", "", None)
            .unwrap();
        assert_ne!(made, taken, "a loaded image's id is taken");
        state
            .terminate_custom_image(&owner.account_id, &made)
            .unwrap();
        state
            .terminate_custom_image(&owner.account_id, &taken)
            .unwrap();
        state.ids = IdStreams::seeded(seed);
        let again = state
            .create_custom_image(&owner, "uhost-demo0run", "b", "", None)
            .unwrap();
        assert!(again != made && again != taken, "deleted ids stay taken");
        let saved = state.snapshot();
        assert!(saved.used_ids.contains(&taken) && saved.used_ids.contains(&again));
        let back = State::from_snapshot(saved.clone()).unwrap();
        assert_eq!(back.snapshot().used_ids, saved.used_ids);
    }
}
