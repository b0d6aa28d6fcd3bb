//! The mock's state: accounts, images, instances, share lists, the virtual
//! clock and the id generator. Knows nothing of HTTP: the actions turn
//! parameters into calls here and the results into answers. Every operation
//! checks everything before it changes anything, so a refused call leaves the
//! state as it was.
//!
//! One module per resource family holds its types, its operations (as
//! `impl State` blocks, since operations cross families: an instance is made
//! from an image, an image from an instance) and their unit tests; this one
//! holds what they share: accounts, the clock, the event queue, the ids.

pub mod accounts;
pub mod bandwidth;
pub mod cfs;
pub mod clock;
pub mod community;
pub mod disks;
pub mod id_streams;
pub mod ids;
pub mod images;
pub mod instances;
pub mod persist;
pub mod teams;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub use accounts::Account;
pub use clock::Clock;
pub use community::{CompshareImageGroup, GroupQuery, Scope, SortField};
pub use id_streams::IdStreams;
pub use ids::IdGen;
pub use images::{CompShareImage, ImageUpdate, Images, Listing, Page, Publication, StoredImage};
pub use instances::{Disk, Instance, InstanceSpec, InstanceState};

use crate::canned::CannedAnswers;
use crate::error::ApiError;

/// How long things take on the virtual clock, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Timings {
    /// Initializing → Running after create or reinstall.
    pub boot_seconds: u64,
    /// Starting, Stopping, Rebooting.
    pub transition_seconds: u64,
    /// A custom image's Making → Available.
    pub image_build_seconds: u64,
    /// A data disk's Detaching → Available (absent from state files written
    /// before it existed: the default).
    #[serde(default = "default_detach_seconds")]
    pub detach_seconds: u64,
}

fn default_detach_seconds() -> u64 {
    Timings::default().detach_seconds
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            boot_seconds: 5,
            transition_seconds: 2,
            image_build_seconds: 60,
            detach_seconds: 5,
        }
    }
}

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
    /// Favourite community groups: account id → group ids.
    favorites: BTreeMap<String, BTreeSet<String>>,
    /// `SupportedGpuTypes` of images: image id → GPU types.
    supported_gpu_types: BTreeMap<String, Vec<String>>,
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
    /// Data disks.
    disks: disks::Disks,
    /// Teams, their members, quotas, orders and logs.
    pub teams: teams::Teams,
    /// CFS file systems.
    cfs: cfs::FileSystems,
    /// Share bandwidths.
    bandwidths: bandwidth::ShareBandwidths,
}

impl State {
    /// A state of these accounts (the first is the default), images and
    /// canned answers, with no instances; `fixtures` builds one from a set.
    pub fn new(accounts: &[Account], images: Images, canned: CannedAnswers) -> Self {
        let mut s = State {
            ids: IdStreams::random(),
            images,
            canned,
            ..State::default()
        };
        for a in accounts {
            s.by_public_key
                .insert(a.public_key.clone(), s.accounts.len());
            s.accounts.push(Arc::new(a.clone()));
        }
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

    /// A JSON picture of the whole state for `GET /_mock/state`: accounts
    /// without their private keys, images, instances, share lists, teams, clock.
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
        // Custom images being built: when they started and when they are ready.
        let builds: BTreeMap<&String, serde_json::Value> = self
            .builds
            .iter()
            .map(|(id, (start, ready))| (id, serde_json::json!({"Start": start, "Ready": ready})))
            .collect();
        serde_json::json!({
            "Clock": {"Now": self.clock.now(), "Offset": self.clock.offset, "Frozen": self.clock.frozen_at.is_some()},
            "Timings": self.timings,
            "Accounts": accounts,
            "Images": images,
            "Instances": instances,
            "Shares": shares,
            "Builds": builds,
            "Disks": self.disks.all().collect::<Vec<_>>(),
            "Teams": self.teams,
            "Favorites": self.favorites,
            "SupportedGpuTypes": self.supported_gpu_types,
            "CFS": self.cfs.all().collect::<Vec<_>>(),
            "ShareBandwidths": self.bandwidths.all().collect::<Vec<_>>(),
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
            } else if let Some(disk) = self.disks.get_mut(&id) {
                disk.settle(now);
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

    /// The next number of the state's sequence (listing order, event order).
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;

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
        let mut state = fixtures.state();
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
