//! Persistence: the whole state as one JSON file, written atomically
//! (temporary file, fsync, rename), so a crash mid-save leaves the previous
//! file whole; loaded with validation, so a corrupt file is refused with a
//! reason rather than silently replaced.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::bandwidth::{ShareBandwidth, ShareBandwidths};
use super::cfs::{Cfs, FileSystems};
use super::disks::{DataDisk, Disks};
use super::teams::Teams;
use super::{Account, Clock, CompShareImage, IdStreams, Images, Instance, State, Timings};

/// The format version written in every file.
pub const FORMAT: u32 = 2;
/// The oldest format still read: format 1 kept one id generator, read as
/// id streams in an epoch of their own.
pub const OLDEST_FORMAT: u32 = 1;

/// The saved form of a [`State`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always [`FORMAT`].
    pub format: u32,
    /// Accounts, the default first.
    pub accounts: Vec<Account>,
    /// Every image.
    pub images: Vec<CompShareImage>,
    /// Every instance.
    pub instances: Vec<Instance>,
    /// Images being built: id, start, ready.
    pub builds: Vec<(String, i64, i64)>,
    /// Share lists: image id → account ids.
    pub shares: BTreeMap<String, BTreeSet<String>>,
    /// Favourite community groups: account id → group ids (absent in older files).
    #[serde(default)]
    pub favorites: BTreeMap<String, BTreeSet<String>>,
    /// `SupportedGpuTypes` of images: image id → GPU types (absent in older files).
    #[serde(default)]
    pub supported_gpu_types: BTreeMap<String, Vec<String>>,
    /// Every id ever handed out, so none is reused.
    pub used_ids: Vec<String>,
    /// Sequence counter.
    pub seq: u64,
    /// The virtual clock.
    pub clock: Clock,
    /// The id streams, so ids continue where they stopped.
    pub ids: IdStreams,
    /// Durations.
    pub timings: Timings,
    /// Data disks (absent from files written before they existed).
    #[serde(default)]
    pub disks: Vec<DataDisk>,
    /// Deleted data disks: id → account, so deleting one again succeeds.
    #[serde(default)]
    pub deleted_disks: BTreeMap<String, String>,
    /// Teams (absent in files written before teams were kept).
    #[serde(default)]
    pub teams: Teams,
    /// CFS file systems (absent from files written before they existed).
    #[serde(default)]
    pub cfs: Vec<Cfs>,
    /// Share bandwidths (absent from files written before they existed).
    #[serde(default)]
    pub share_bandwidths: Vec<ShareBandwidth>,
}

impl State {
    /// The saved form of this state.
    pub fn snapshot(&self) -> Snapshot {
        let mut images: Vec<CompShareImage> = self.images.iter().collect();
        images.sort_by(|a, b| a.comp_share_image_id.cmp(&b.comp_share_image_id));
        let mut instances: Vec<Instance> = self.instances.values().cloned().collect();
        instances.sort_by_key(|i| i.seq);
        let mut builds: Vec<(String, i64, i64)> = self
            .builds
            .iter()
            .map(|(k, (s, r))| (k.clone(), *s, *r))
            .collect();
        builds.sort();
        // Every id ever taken: those of the images there, and the others.
        let mut used_ids: Vec<String> = self
            .used_ids
            .iter()
            .cloned()
            .chain(self.images.all().map(|i| i.id().to_owned()))
            .collect();
        used_ids.sort();
        used_ids.dedup();
        Snapshot {
            format: FORMAT,
            accounts: self.accounts.iter().map(|a| (**a).clone()).collect(),
            images,
            instances,
            builds,
            shares: self
                .shares
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            favorites: self.favorites.clone(),
            supported_gpu_types: self.supported_gpu_types.clone(),
            used_ids,
            seq: self.seq,
            clock: self.clock.clone(),
            ids: self.ids.clone(),
            timings: self.timings,
            disks: self.disks.all().cloned().collect(),
            deleted_disks: self.disks.deleted().clone(),
            teams: self.teams.clone(),
            cfs: self.cfs.all().cloned().collect(),
            share_bandwidths: self.bandwidths.all().cloned().collect(),
        }
    }

    /// Rebuilds a state from its saved form, checking that it holds
    /// together: known accounts, unique ids, owners and images that exist.
    pub fn from_snapshot(s: Snapshot) -> Result<State, String> {
        if !(OLDEST_FORMAT..=FORMAT).contains(&s.format) {
            return Err(format!(
                "format {} is not one of {OLDEST_FORMAT} to {FORMAT}",
                s.format
            ));
        }
        let mut state = State {
            clock: s.clock,
            ids: s.ids,
            timings: s.timings,
            seq: s.seq,
            ..State::default()
        };
        for a in s.accounts {
            if state.by_public_key.contains_key(&a.public_key) {
                return Err(format!("account {} repeats a public key", a.account_id));
            }
            state
                .by_public_key
                .insert(a.public_key.clone(), state.accounts.len());
            state.accounts.push(Arc::new(a));
        }
        let known: HashSet<String> = state
            .accounts
            .iter()
            .map(|a| a.account_id.clone())
            .collect();
        let mut ids = HashSet::new();
        for img in &s.images {
            if !ids.insert(img.comp_share_image_id.clone()) {
                return Err(format!("image {} appears twice", img.comp_share_image_id));
            }
            if img.is_custom() && !known.contains(&img.owner.account_id) {
                return Err(format!(
                    "image {} belongs to no account",
                    img.comp_share_image_id
                ));
            }
        }
        state.images = Images::build(s.images);
        let mut by_account: HashMap<String, Vec<(u64, String)>> = HashMap::new();
        for inst in s.instances {
            if !known.contains(&inst.account_id) {
                return Err(format!("instance {} belongs to no account", inst.uhost_id));
            }
            if state.instances.contains_key(&inst.uhost_id) {
                return Err(format!("instance {} appears twice", inst.uhost_id));
            }
            if let Some((at, _)) = inst.pending {
                state.seq += 1;
                state.events.insert((at, state.seq), inst.uhost_id.clone());
            }
            by_account
                .entry(inst.account_id.clone())
                .or_default()
                .push((inst.seq, inst.uhost_id.clone()));
            state.instances.insert(inst.uhost_id.clone(), inst);
        }
        for (account, mut list) in by_account {
            list.sort();
            state
                .instances_by_account
                .insert(account, list.into_iter().map(|(_, id)| id).collect());
        }
        for (id, start, ready) in s.builds {
            if state.images.get(&id).is_none() {
                return Err(format!("build of {id} names no image"));
            }
            state.seq += 1;
            state.events.insert((ready, state.seq), id.clone());
            state.builds.insert(id, (start, ready));
        }
        for (img, who) in s.shares {
            if state.images.get(&img).is_none() || who.iter().any(|a| !known.contains(a)) {
                return Err(format!(
                    "the share list of {img} names an unknown image or account"
                ));
            }
            state.shares.insert(img, who);
        }
        for d in &s.disks {
            if !known.contains(&d.account_id) {
                return Err(format!("disk {} belongs to no account", d.udisk_id));
            }
            if !d.mount.is_empty()
                && state
                    .instances
                    .get(&d.mount)
                    .is_none_or(|i| i.account_id != d.account_id)
            {
                return Err(format!(
                    "disk {} is attached to no instance of its account",
                    d.udisk_id
                ));
            }
            if d.detach_at > 0 {
                state.seq += 1;
                state
                    .events
                    .insert((d.detach_at, state.seq), d.udisk_id.clone());
            }
        }
        let disk_ids: Vec<String> = s
            .disks
            .iter()
            .map(|d| d.udisk_id.clone())
            .chain(s.deleted_disks.keys().cloned())
            .collect();
        state.disks = Disks::restore(s.disks, s.deleted_disks)?;
        for c in &s.cfs {
            if !known.contains(&c.account_id) {
                return Err(format!("CFS {} belongs to no account", c.cfs_id));
            }
            if c.mounted.iter().any(|h| {
                state
                    .instances
                    .get(h)
                    .is_none_or(|i| i.account_id != c.account_id)
            }) {
                return Err(format!(
                    "CFS {} is mounted on no instance of its account",
                    c.cfs_id
                ));
            }
        }
        let cfs_ids: Vec<String> = s.cfs.iter().map(|c| c.cfs_id.clone()).collect();
        state.cfs = FileSystems::restore(s.cfs)?;
        for b in &s.share_bandwidths {
            if !known.contains(&b.account_id) {
                return Err(format!(
                    "share bandwidth {} belongs to no account",
                    b.share_bandwidth_id
                ));
            }
        }
        state.bandwidths = ShareBandwidths::restore(s.share_bandwidths)?;
        for inst in state.instances.values() {
            let id = &inst.extra.share_bandwidth_id;
            if !id.is_empty()
                && state
                    .bandwidths
                    .get(id)
                    .is_none_or(|b| b.account_id != inst.account_id || b.zone != inst.zone)
            {
                return Err(format!(
                    "instance {} is on share bandwidth {id}, which is not its account's in its zone",
                    inst.uhost_id
                ));
            }
        }
        let accounts: Vec<Account> = state.accounts.iter().map(|a| (**a).clone()).collect();
        let next = (s.teams.next_team_id, s.teams.next_virtual_id);
        state.teams = Teams::build(s.teams.teams, &accounts, next)?;
        for (account, groups) in s.favorites {
            if !known.contains(&account) {
                return Err(format!("favourites of {account}: no such account"));
            }
            if let Some(g) = groups.iter().find(|g| state.group_owner(g).is_none()) {
                return Err(format!("favourites of {account} name no group {g}"));
            }
            if !groups.is_empty() {
                state.favorites.insert(account, groups);
            }
        }
        for (img, types) in s.supported_gpu_types {
            if state.images.get(&img).is_none() {
                return Err(format!("supported GPU types of {img} name no image"));
            }
            state.supported_gpu_types.insert(img, types);
        }
        // The images' ids are in the index; the set keeps the others.
        state.used_ids = s
            .used_ids
            .into_iter()
            .filter(|id| state.images.get(id).is_none())
            .collect();
        state.used_ids.extend(state.instances.keys().cloned());
        state.used_ids.extend(disk_ids);
        state.used_ids.extend(cfs_ids);
        let bandwidth_ids: Vec<String> = state
            .bandwidths
            .all()
            .map(|b| b.share_bandwidth_id.clone())
            .collect();
        state.used_ids.extend(bandwidth_ids);
        Ok(state)
    }
}

/// Writes a file atomically: `write` fills a temporary file beside `path`
/// (a name of its own for every write, created readable by the owner
/// alone), which is flushed, fsynced and renamed over `path`, then the
/// directory is fsynced. A crash at any point leaves either the old file or
/// the new one, and once this returns the new one survives a crash.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let file = create_private(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Creates a new file readable and writable by its owner alone (it holds
/// private keys); an existing file of that name is an error.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Removes temporary files that saves interrupted by a crash left beside
/// `path`.
pub fn clean_leftovers(path: &Path) {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let prefix = format!(".{name}.");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix) && n.ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Saves a state to `path` atomically.
pub fn save(state: &State, path: &Path) -> std::io::Result<()> {
    save_snapshot(&state.snapshot(), path)
}

/// Saves a snapshot to `path` atomically.
pub fn save_snapshot(snapshot: &Snapshot, path: &Path) -> std::io::Result<()> {
    write_atomic(path, |out| {
        serde_json::to_writer(out, snapshot).map_err(std::io::Error::other)
    })
}

/// Loads a state file: `Ok(None)` when there is none, an error naming the
/// problem when it cannot be read or does not hold together.
pub fn load(path: &Path) -> Result<Option<State>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
    };
    let snapshot: Snapshot = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not a state file: {e}", path.display()))?;
    State::from_snapshot(snapshot)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;

    #[test]
    fn a_saved_state_loads_back_the_same() {
        let mut state = Fixtures::builtin().state();
        let account = state.accounts()[0].clone();
        state.clock.freeze();
        let spec = crate::state::InstanceSpec {
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
            data_disks_gb: vec![],
            quantity: 2,
            password: String::new(),
            remark: String::new(),
        };
        state.create_instances(&account, &spec).unwrap();
        let img = state
            .create_custom_image(&account, "uhost-demo0run", "snap", "", None)
            .unwrap();
        state
            .modify_shares(&account.account_id, "compshareImage-xxxx", &[56000002], &[])
            .unwrap();
        state
            .set_favorite(&account.account_id, "group-sdwebui0grp1", true)
            .unwrap();
        let dir = std::env::temp_dir().join(format!("compshare-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        save(&state, &path).unwrap();
        let mut back = load(&path).unwrap().unwrap();
        assert_eq!(
            serde_json::to_value(back.snapshot().images).unwrap(),
            serde_json::to_value(state.snapshot().images).unwrap()
        );
        assert_eq!(back.snapshot().instances, state.snapshot().instances);
        assert_eq!(back.snapshot().shares, state.snapshot().shares);
        assert_eq!(back.snapshot().favorites, state.snapshot().favorites);
        assert!(!back.snapshot().favorites.is_empty());
        back.clock.advance(3600);
        back.tick();
        assert_eq!(
            back.images.get(&img).unwrap().image().status,
            "Available",
            "a build in progress goes on after loading"
        );
        let next = back.ids.clone().id("uhost-", 8);
        assert_eq!(
            next,
            state.ids.clone().id("uhost-", 8),
            "ids continue where they stopped"
        );
    }

    #[test]
    fn a_corrupt_or_inconsistent_file_is_refused_with_a_reason() {
        let dir =
            std::env::temp_dir().join(format!("compshare-persist-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        assert!(load(&path).unwrap().is_none(), "no file is no state");
        std::fs::write(&path, b"{\"format\":1,").unwrap();
        assert!(load(&path).unwrap_err().contains("not a state file"));
        let mut snap = Fixtures::builtin().state().snapshot();
        snap.images.push(snap.images[0].clone());
        std::fs::write(&path, serde_json::to_vec(&snap).unwrap()).unwrap();
        assert!(load(&path).unwrap_err().contains("appears twice"));
        let mut snap = Fixtures::builtin().state().snapshot();
        snap.favorites
            .insert("56000001".into(), ["group-nowhere".to_owned()].into());
        std::fs::write(&path, serde_json::to_vec(&snap).unwrap()).unwrap();
        assert!(load(&path).unwrap_err().contains("name no group"));
        let mut snap = Fixtures::builtin().state().snapshot();
        snap.format = 99;
        std::fs::write(&path, serde_json::to_vec(&snap).unwrap()).unwrap();
        assert!(load(&path).unwrap_err().contains("format 99"));
        let mut old = serde_json::to_value(Fixtures::builtin().state().snapshot()).unwrap();
        old["format"] = 1.into();
        old["ids"] = serde_json::json!({"state": 5});
        std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
        assert!(load(&path).unwrap().is_some(), "format 1 still loads");
    }
}
