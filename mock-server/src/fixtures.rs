//! Fixture sets: the built-in default (compiled in from `fixtures/`) or a
//! directory given with `--fixtures`. Every file is validated against the
//! catalogue before the mock starts; a bad one is refused with the file, the
//! entry's index and the field. A set is `accounts.json`, `images.json`,
//! optional `instances.json` and `teams.json`, and an optional `responses/` directory of canned answers, one
//! `<Action>.json` each (see [`crate::canned`]).

pub mod bandwidth;
pub mod cfs;
pub mod disks;

use std::collections::HashSet;
use std::path::Path;

use serde_json::value::RawValue;
use serde_json::Value;

use crate::canned::CannedAnswers;
use crate::domain::{hourly_price, round2};
pub use crate::error::FixtureError;
use crate::state::images::{IMAGE_STATUSES, IMAGE_TYPES};
use crate::state::teams::{Team, Teams};
use crate::state::{
    Account, CompShareImage, Disk, Images, Instance, InstanceState, State, StoredImage,
};
use compshare_protocol::catalogue::{Catalogue, Type};

const BUILTIN_ACCOUNTS: &str = include_str!("../../fixtures/accounts.json");
const BUILTIN_IMAGES: &str = include_str!("../../fixtures/images.json");

/// The built-in canned answers, as `responses/<Action>.json` and text. A
/// test checks the list against the files of `fixtures/responses/`.
macro_rules! builtin_responses {
    ($($action:literal),* $(,)?) => {
        &[$((
            concat!("responses/", $action, ".json"),
            include_str!(concat!("../../fixtures/responses/", $action, ".json")),
        )),*]
    };
}
const BUILTIN_RESPONSES: &[(&str, &str)] = builtin_responses![
    "DescribeCompShareGpuInventory",
    "DescribeCompShareMachineTypeFamilies",
    "DescribeCompShareSoftwarePort",
    "DescribeModelRepositoryModels",
    "DescribeModelRepositoryTags",
    "DescribeULHostBundles",
];

/// The file names of a fixture directory.
pub const ACCOUNTS_FILE: &str = "accounts.json";
/// See [`ACCOUNTS_FILE`].
pub const IMAGES_FILE: &str = "images.json";
/// The directory of canned answers in a fixture directory; it may be absent.
pub const RESPONSES_DIR: &str = "responses";
/// See [`ACCOUNTS_FILE`]; optional.
pub const INSTANCES_FILE: &str = "instances.json";
const BUILTIN_INSTANCES: &str = include_str!("../../fixtures/instances.json");
/// See [`ACCOUNTS_FILE`]; optional.
pub const TEAMS_FILE: &str = "teams.json";
const BUILTIN_TEAMS: &str = include_str!("../../fixtures/teams.json");

/// A validated fixture set.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    /// Accounts; the first is the default one.
    pub accounts: Vec<Account>,
    /// Platform and custom images, indexed as the state keeps them (the
    /// state shares this index until it changes an image).
    pub images: Images,
    /// Canned answers by action, from `responses/<Action>.json`.
    pub responses: CannedAnswers,
    /// Instances to start with, from `instances.json`.
    pub instances: Vec<InstanceFixture>,
    /// Data disks to start with, from `disks.json`.
    pub disks: Vec<disks::DiskFixture>,
    /// CFS to start with, from `cfs.json`.
    pub cfs: Vec<cfs::CfsFixture>,
    /// Teams to start with, from `teams.json`.
    pub teams: Teams,
    /// Share bandwidths to start with, from `bandwidths.json`.
    pub bandwidths: Vec<bandwidth::BandwidthFixture>,
}

/// An instance of `instances.json`: the mock fills in the rest (disks, IP,
/// price) as CreateCompShareInstance would.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct InstanceFixture {
    /// `uhost-…` id.
    #[serde(rename = "UHostId")]
    pub uhost_id: String,
    /// The owning account.
    pub account_id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Zone; must be a known zone.
    pub zone: String,
    /// `Running` or `Stopped`.
    pub state: String,
    /// CPU cores.
    #[serde(rename = "CPU")]
    pub cpu: i64,
    /// Memory in MB.
    pub memory: i64,
    /// GPU count.
    #[serde(rename = "GPU")]
    pub gpu: i64,
    /// GPU type.
    pub gpu_type: String,
    /// The image it runs; must exist.
    pub comp_share_image_id: String,
    /// Epoch seconds.
    #[serde(default)]
    pub create_time: i64,
    /// Charge type (default `Dynamic`).
    #[serde(default)]
    pub charge_type: String,
    /// Boot disk size in GB (default 100).
    #[serde(default)]
    pub boot_disk_size: i64,
}

/// The built-in `accounts.json`, `images.json` and `instances.json`, as
/// file name and text: what a recording directory starts from.
pub fn builtin_files() -> [(&'static str, &'static str); 4] {
    [
        (ACCOUNTS_FILE, BUILTIN_ACCOUNTS),
        (IMAGES_FILE, BUILTIN_IMAGES),
        (INSTANCES_FILE, BUILTIN_INSTANCES),
        (TEAMS_FILE, BUILTIN_TEAMS),
    ]
}

impl Fixtures {
    /// The default set compiled into the binary.
    pub fn builtin() -> Fixtures {
        Fixtures::from_json(BUILTIN_ACCOUNTS, BUILTIN_IMAGES)
            .and_then(|f| f.with_responses(BUILTIN_RESPONSES.iter().copied()))
            .and_then(|f| f.with_instances(BUILTIN_INSTANCES))
            .and_then(|f| f.with_disks(disks::BUILTIN_DISKS))
            .and_then(|f| f.with_cfs(cfs::BUILTIN_CFS))
            .and_then(|f| f.with_teams(BUILTIN_TEAMS))
            .and_then(|f| f.with_bandwidths(bandwidth::BUILTIN_BANDWIDTHS))
            .expect("the built-in fixtures are valid")
    }

    /// The state this set starts from: its accounts, images and canned
    /// answers, and its instances filled in as CreateCompShareInstance would.
    pub fn state(&self) -> State {
        let mut state = State::new(&self.accounts, self.images.clone(), self.responses.clone());
        for f in &self.instances {
            let image = state.images.get(&f.comp_share_image_id).map(|i| i.image());
            state.adopt_instance(|n| instance_of(f, image, n));
        }
        for d in &self.disks {
            state.adopt_disk(d.disk());
        }
        for c in &self.cfs {
            state.adopt_cfs(c.cfs());
        }
        state.teams = self.teams.clone();
        for b in &self.bandwidths {
            state.adopt_share_bandwidth(b.bandwidth());
        }
        state
    }

    /// Loads and validates the set in a directory (`accounts.json`,
    /// `images.json`, and the `*.json` files of `responses/` if it exists).
    /// The set replaces the built-in one whole: canned answers come from
    /// `responses/` only.
    pub fn load_dir(dir: &Path) -> Result<Fixtures, FixtureError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| {
                FixtureError::new(
                    &path.display().to_string(),
                    None,
                    None,
                    format!("cannot read: {e}"),
                )
            })
        };
        let mut set = Fixtures::from_json(&read(ACCOUNTS_FILE)?, &read(IMAGES_FILE)?)?;
        if dir.join(INSTANCES_FILE).exists() {
            set = set.with_instances(&read(INSTANCES_FILE)?)?;
        }
        if dir.join(disks::DISKS_FILE).exists() {
            set = set.with_disks(&read(disks::DISKS_FILE)?)?;
        }
        if dir.join(cfs::CFS_FILE).exists() {
            set = set.with_cfs(&read(cfs::CFS_FILE)?)?;
        }
        if dir.join(TEAMS_FILE).exists() {
            set = set.with_teams(&read(TEAMS_FILE)?)?;
        }
        if dir.join(bandwidth::BANDWIDTHS_FILE).exists() {
            set = set.with_bandwidths(&read(bandwidth::BANDWIDTHS_FILE)?)?;
        }
        let mut files = Vec::new();
        for name in response_files(&dir.join(RESPONSES_DIR))? {
            let text = read(&format!("{RESPONSES_DIR}/{name}"))?;
            files.push((format!("{RESPONSES_DIR}/{name}"), text));
        }
        set.with_responses(files)
    }

    /// Parses and validates a set from the texts of its files, with no
    /// canned answers.
    pub fn from_json(accounts: &str, images: &str) -> Result<Fixtures, FixtureError> {
        let accounts = parse_accounts(accounts)?;
        let images = parse_images(images, &accounts)?;
        Ok(Fixtures {
            accounts,
            images,
            responses: CannedAnswers::default(),
            instances: Vec::new(),
            disks: Vec::new(),
            cfs: Vec::new(),
            teams: Teams::default(),
            bandwidths: Vec::new(),
        })
    }

    /// The set with the instances of an `instances.json` text, validated
    /// against its accounts and images.
    pub fn with_instances(self, text: &str) -> Result<Fixtures, FixtureError> {
        let file = INSTANCES_FILE;
        let items = list(file, text)?;
        let mut ids = HashSet::new();
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let err = |field: &str, problem: String| {
                FixtureError::new(file, Some(i), Some(field), problem)
            };
            let inst: InstanceFixture = serde_json::from_value(item)
                .map_err(|e| FixtureError::new(file, Some(i), None, e.to_string()))?;
            // A container zone's instances are `cpod-…`, the others `uhost-…`.
            let prefix = if crate::domain::is_pod_zone(&inst.zone) {
                "cpod-"
            } else {
                "uhost-"
            };
            if !inst.uhost_id.starts_with(prefix) || !ids.insert(inst.uhost_id.clone()) {
                return Err(err(
                    "UHostId",
                    format!("{:?} is not a new {prefix}… id", inst.uhost_id),
                ));
            }
            if !self
                .accounts
                .iter()
                .any(|a| a.account_id == inst.account_id)
            {
                return Err(err(
                    "AccountId",
                    format!("{:?} names no account of accounts.json", inst.account_id),
                ));
            }
            if crate::domain::region_of_zone(&inst.zone).is_none() {
                return Err(err("Zone", format!("{:?} is not a known zone", inst.zone)));
            }
            if !["Running", "Stopped"].contains(&inst.state.as_str()) {
                return Err(err("State", "must be Running or Stopped".into()));
            }
            if crate::domain::hourly_price(&inst.gpu_type).is_none() {
                return Err(err(
                    "GpuType",
                    format!(
                        "{:?} is not one of {:?}",
                        inst.gpu_type,
                        crate::domain::GPU_TYPES
                    ),
                ));
            }
            if self.images.get(&inst.comp_share_image_id).is_none() {
                return Err(err(
                    "CompShareImageId",
                    format!(
                        "{:?} names no image of images.json",
                        inst.comp_share_image_id
                    ),
                ));
            }
            for (field, v, lo, hi) in [
                ("CPU", inst.cpu, 1, 256),
                ("Memory", inst.memory, 1024, 2 << 20),
                ("GPU", inst.gpu, 1, 8),
            ] {
                if !(lo..=hi).contains(&v) {
                    return Err(err(field, format!("must be between {lo} and {hi}")));
                }
            }
            out.push(inst);
        }
        Ok(Fixtures {
            instances: out,
            ..self
        })
    }

    /// The set with the teams of a `teams.json` text: each entry a team as
    /// `GET /_mock/state` shows it, checked against the set's accounts.
    pub fn with_teams(self, text: &str) -> Result<Fixtures, FixtureError> {
        let file = TEAMS_FILE;
        let mut teams = Vec::new();
        for (i, item) in list(file, text)?.into_iter().enumerate() {
            let team: Team = serde_json::from_value(item)
                .map_err(|e| FixtureError::new(file, Some(i), None, e.to_string()))?;
            teams.push(team);
        }
        let teams = Teams::build(teams, &self.accounts, (0, 0))
            .map_err(|e| FixtureError::new(file, None, None, e))?;
        Ok(Fixtures { teams, ..self })
    }

    /// The set with these canned answers instead of its own: each file given
    /// as `responses/<Action>.json` and its text, validated against the
    /// catalogue.
    pub fn with_responses<I, N, T>(self, files: I) -> Result<Fixtures, FixtureError>
    where
        I: IntoIterator<Item = (N, T)>,
        N: AsRef<str>,
        T: AsRef<str>,
    {
        Ok(Fixtures {
            responses: CannedAnswers::from_files(files)?,
            ..self
        })
    }
}

/// The `*.json` file names in a responses directory, sorted; none when the
/// directory does not exist. Other files (a README) are ignored.
fn response_files(dir: &Path) -> Result<Vec<String>, FixtureError> {
    let cannot = |e: std::io::Error| {
        FixtureError::new(
            &dir.display().to_string(),
            None,
            None,
            format!("cannot read: {e}"),
        )
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(cannot(e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(cannot)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            names.push(name);
        }
    }
    names.sort_unstable();
    Ok(names)
}

fn list(file: &str, text: &str) -> Result<Vec<Value>, FixtureError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(_) => Err(FixtureError::new(file, None, None, "expected a JSON list")),
        Err(e) => Err(FixtureError::new(
            file,
            None,
            None,
            format!("invalid JSON: {e}"),
        )),
    }
}

fn parse_accounts(text: &str) -> Result<Vec<Account>, FixtureError> {
    let file = ACCOUNTS_FILE;
    let items = list(file, text)?;
    if items.is_empty() {
        return Err(FixtureError::new(
            file,
            None,
            None,
            "at least one account is needed",
        ));
    }
    let mut ids = HashSet::new();
    let mut keys = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(obj) = &item else {
            return Err(FixtureError::new(file, Some(i), None, "expected an object"));
        };
        for name in ["AccountId", "AccountName", "PublicKey", "PrivateKey"] {
            match obj.get(name) {
                Some(Value::String(s)) if !s.is_empty() || name == "AccountName" => {}
                Some(Value::String(_)) => {
                    return Err(FixtureError::new(
                        file,
                        Some(i),
                        Some(name),
                        "must not be empty",
                    ))
                }
                Some(_) => {
                    return Err(FixtureError::new(
                        file,
                        Some(i),
                        Some(name),
                        "expected string",
                    ))
                }
                None => return Err(FixtureError::new(file, Some(i), Some(name), "missing")),
            }
        }
        if let Some(extra) = obj.keys().find(|k| {
            !["AccountId", "AccountName", "PublicKey", "PrivateKey", "US3"].contains(&k.as_str())
        }) {
            return Err(FixtureError::new(
                file,
                Some(i),
                Some(extra),
                "not a field of an account",
            ));
        }
        let a: Account = serde_json::from_value(item)
            .map_err(|e| FixtureError::new(file, Some(i), None, e.to_string()))?;
        if !ids.insert(a.account_id.clone()) {
            return Err(FixtureError::new(
                file,
                Some(i),
                Some("AccountId"),
                "duplicate",
            ));
        }
        if !keys.insert(a.public_key.clone()) {
            return Err(FixtureError::new(
                file,
                Some(i),
                Some("PublicKey"),
                "duplicate",
            ));
        }
        out.push(a);
    }
    Ok(out)
}

/// Reads `images.json` entry by entry into the index the state uses: the
/// file is split into its entries without building a JSON tree of it, each
/// entry is read straight into the model and rendered once. An entry the
/// model does not take is read again as a JSON value and checked against
/// the catalogue, so a refusal names the entry and the field. The refusals
/// are those of reading the whole file as a JSON tree first: a file that
/// is not JSON is refused as such whichever entry showed it.
fn parse_images(text: &str, accounts: &[Account]) -> Result<Images, FixtureError> {
    read_images(text, accounts).map_err(|entry_error| match list(IMAGES_FILE, text) {
        Err(file_error) => file_error,
        Ok(_) => entry_error,
    })
}

fn read_images(text: &str, accounts: &[Account]) -> Result<Images, FixtureError> {
    let file = IMAGES_FILE;
    let entries = serde_json::from_str::<Vec<&RawValue>>(text)
        .map_err(|_| FixtureError::new(file, None, None, "expected a JSON list"))?;
    let mut images = Images::default();
    images.reserve(entries.len());
    let mut owner: Option<&Account> = None;
    for (i, raw) in entries.into_iter().enumerate() {
        let err =
            |field: &str, problem: String| FixtureError::new(file, Some(i), Some(field), problem);
        let mut img = match serde_json::from_str::<CompShareImage>(raw.get()) {
            Ok(img) => img,
            Err(_) => return Err(refusal(i, raw)),
        };
        if img.comp_share_image_id.is_empty() {
            return Err(err("CompShareImageId", "missing".into()));
        }
        // The owner of a custom image, looked up once per run of one owner.
        if img.is_custom() && owner.is_none_or(|a| a.account_id != img.owner.account_id) {
            owner = accounts
                .iter()
                .find(|a| a.account_id == img.owner.account_id);
        }
        let owner = owner.filter(|a| img.is_custom() && a.account_id == img.owner.account_id);
        if let Some(a) = owner {
            if img.owner.account_name.is_empty() {
                img.owner.account_name.clone_from(&a.account_name);
            }
        }
        // Added now, so that a taken id is found by the insertion itself; an
        // entry refused below refuses the whole set anyway. The checks are
        // reported in the order they always were: the id first.
        if images.add_unsorted(StoredImage::new(&img)).is_err() {
            return Err(err(
                "CompShareImageId",
                format!("duplicate id {}", img.comp_share_image_id),
            ));
        }
        if !IMAGE_TYPES.contains(&img.image_type.as_str()) {
            return Err(err(
                "ImageType",
                format!("{:?} is not one of {IMAGE_TYPES:?}", img.image_type),
            ));
        }
        if !IMAGE_STATUSES.contains(&img.status.as_str()) {
            return Err(err(
                "Status",
                format!("{:?} is not one of {IMAGE_STATUSES:?}", img.status),
            ));
        }
        if !(0..=1).contains(&img.visibility) {
            return Err(err(
                "Visibility",
                "must be 0 (private) or 1 (public)".into(),
            ));
        }
        if img.is_custom() && owner.is_none() {
            return Err(err(
                "Owner.AccountId",
                format!(
                    "{:?} names no account of accounts.json",
                    img.owner.account_id
                ),
            ));
        }
    }
    images.sort_lists();
    Ok(images)
}

/// Why an entry the model does not take is refused: as a JSON value, it is
/// not an object, or the catalogue names the field that is wrong, or the
/// model's own reading says what is.
fn refusal(i: usize, raw: &RawValue) -> FixtureError {
    let file = IMAGES_FILE;
    let item: Value = match serde_json::from_str(raw.get()) {
        Ok(v) => v,
        // Not a JSON value: `parse_images` reports the file as not JSON.
        Err(e) => return FixtureError::new(file, Some(i), None, e.to_string()),
    };
    if !item.is_object() {
        return FixtureError::new(file, Some(i), None, "expected an object");
    }
    let model = Type::Ref("CompShareImage".to_owned());
    if let Err(m) = Catalogue::get().check(&item, &model, "") {
        return FixtureError::new(file, Some(i), Some(&m.path), m.problem);
    }
    match serde_json::from_value::<CompShareImage>(item) {
        Err(e) => FixtureError::new(file, Some(i), None, e.to_string()),
        Ok(_) => FixtureError::new(
            file,
            Some(i),
            None,
            "not read by the model although the catalogue takes it",
        ),
    }
}

/// The instance a fixture entry describes, `n`-th of the state.
fn instance_of(f: &InstanceFixture, image: Option<CompShareImage>, n: u64) -> Instance {
    let state = if f.state == "Stopped" {
        InstanceState::Stopped
    } else {
        InstanceState::Running
    };
    Instance {
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
            disk_id: format!(
                "bsm-{}",
                f.uhost_id.split_once('-').map_or("", |(_, tail)| tail)
            ),
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
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNTS: &str =
        r#"[{"AccountId":"1","AccountName":"a","PublicKey":"pk","PrivateKey":"sk"}]"#;

    #[test]
    fn the_builtin_set_has_what_the_examples_need() {
        let f = Fixtures::builtin();
        let first = &f.accounts[0];
        assert_eq!(
            (first.public_key.as_str(), first.private_key.as_str()),
            ("my_public_key", "my_private_key")
        );
        let seed = f
            .images
            .iter()
            .find(|i| i.comp_share_image_id == "compshareImage-xxxx")
            .unwrap();
        assert_eq!(
            (
                seed.name.as_str(),
                seed.image_type.as_str(),
                seed.status.as_str(),
                seed.create_time,
                seed.owner.account_id.as_str()
            ),
            (
                "my-custom-env",
                "Custom",
                "Available",
                1712563200,
                first.account_id.as_str()
            )
        );
        let own = f
            .images
            .iter()
            .filter(|i| i.is_custom() && i.owner.account_id == first.account_id)
            .count();
        assert!(own >= 45, "{own}");
        let statuses: HashSet<String> = f.images.iter().map(|i| i.status).collect();
        assert!(statuses.len() >= 4);
        assert!(f.accounts.len() >= 2);
        assert!(f
            .images
            .iter()
            .any(|i| i.is_custom() && i.owner.account_id == f.accounts[1].account_id));
        let platform = f
            .images
            .iter()
            .find(|i| i.comp_share_image_id == "compshareImage-165jmhx19ik7")
            .unwrap();
        assert!(!platform.is_custom());
    }

    fn image_error(images: &str) -> String {
        Fixtures::from_json(ACCOUNTS, images)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_bad_image_is_refused_with_file_entry_and_field() {
        assert_eq!(
            image_error(
                r#"[{"CompShareImageId":"i1","ImageType":"Custom","Status":"Available","Owner":{"AccountId":"1"}},{"CompShareImageId":"i2","ImageType":"Custom","Status":"Available","CreateTime":"yesterday"}]"#
            ),
            "images.json: entry 1: field CreateTime: expected integer, found string"
        );
        assert_eq!(
            image_error(r#"[{"CompShareImageId":"i1","ImageType":"Custom","Status":"Done"}]"#),
            r#"images.json: entry 0: field Status: "Done" is not one of ["Making", "Available", "UnAvailable", "Reviewing", "Offline"]"#
        );
        assert_eq!(
            image_error(
                r#"[{"CompShareImageId":"i1","ImageType":"Custom","Status":"Available","Owner":{"AccountId":"9"}}]"#
            ),
            r#"images.json: entry 0: field Owner.AccountId: "9" names no account of accounts.json"#
        );
        assert_eq!(
            image_error(
                r#"[{"CompShareImageId":"i1","ImageType":"System","Status":"Available","Colour":"red"}]"#
            ),
            "images.json: entry 0: field Colour: not a field of the model"
        );
        assert_eq!(
            image_error(
                r#"[{"CompShareImageId":"i1","ImageType":"System","Status":"Available"},{"CompShareImageId":"i1","ImageType":"System","Status":"Available"}]"#
            ),
            "images.json: entry 1: field CompShareImageId: duplicate id i1"
        );
        assert_eq!(image_error("{}"), "images.json: expected a JSON list");
    }

    #[test]
    fn refusals_are_those_of_a_whole_file_read() {
        // The id is checked before the status, as entries always were.
        assert_eq!(
            image_error(
                r#"[{"CompShareImageId":"i1","ImageType":"System","Status":"Available"},{"CompShareImageId":"i1","ImageType":"System","Status":"Done"}]"#
            ),
            "images.json: entry 1: field CompShareImageId: duplicate id i1"
        );
        assert_eq!(
            image_error("[5]"),
            "images.json: entry 0: expected an object"
        );
        // A number no JSON reader takes makes the file not JSON, whichever
        // entry holds it and whatever is wrong before it.
        let e = image_error(
            r#"[{"CompShareImageId":"i1","ImageType":"Nope","Status":"Available"},{"CompShareImageId":"i2","ImageType":"System","Status":"Available","Price":1e400}]"#,
        );
        assert!(
            e.starts_with("images.json: invalid JSON: number out of range"),
            "{e}"
        );
        // The catalogue takes any integer; the model only 64-bit signed ones.
        let e = image_error(
            r#"[{"CompShareImageId":"i1","ImageType":"System","Status":"Available","Size":18446744073709551615}]"#,
        );
        assert!(
            e.starts_with("images.json: entry 0: invalid value: integer"),
            "{e}"
        );
        assert!(image_error("[1,").starts_with("images.json: invalid JSON: "));
    }

    #[test]
    fn a_set_is_read_into_listings_in_order_with_owner_names_filled_in() {
        let images = r#"[
            {"CompShareImageId":"i1","ImageType":"Custom","Status":"Available","CreateTime":5,"Owner":{"AccountId":"1"}},
            {"CompShareImageId":"i2","ImageType":"Custom","Status":"Available","CreateTime":9,"Owner":{"AccountId":"1","AccountName":"own"}},
            {"CompShareImageId":"p1","ImageType":"System","Status":"Available","Price":0.30000000000000004}
        ]"#;
        let f = Fixtures::from_json(ACCOUNTS, images).unwrap();
        assert_eq!(f.images.len(), 3);
        let page = f.images.custom_of(
            "1",
            None,
            crate::state::Page {
                offset: 0,
                limit: 10,
            },
        );
        let got: Vec<(String, String)> = page
            .items
            .iter()
            .map(|s| (s.id().to_owned(), s.image().owner.account_name))
            .collect();
        assert_eq!(
            got,
            [
                ("i2".to_owned(), "own".to_owned()),
                ("i1".to_owned(), "a".to_owned())
            ]
        );
        assert_eq!(f.images.get("p1").unwrap().image().price, 0.1 + 0.2);
    }

    #[test]
    fn a_bad_account_is_refused_with_entry_and_field() {
        let e = Fixtures::from_json(
            r#"[{"AccountId":"1","AccountName":"a","PublicKey":"pk"}]"#,
            "[]",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "accounts.json: entry 0: field PrivateKey: missing"
        );
        let e = Fixtures::from_json(
            r#"[{"AccountId":"1","AccountName":"a","PublicKey":"pk","PrivateKey":"x"},{"AccountId":"2","AccountName":"b","PublicKey":"pk","PrivateKey":"y"}]"#,
            "[]",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "accounts.json: entry 1: field PublicKey: duplicate"
        );
    }

    #[test]
    fn the_builtin_responses_are_every_file_of_the_responses_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/responses");
        let on_disk: Vec<String> = response_files(&dir)
            .unwrap()
            .into_iter()
            .map(|n| format!("responses/{n}"))
            .collect();
        let compiled: Vec<String> = BUILTIN_RESPONSES
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        assert_eq!(
            compiled, on_disk,
            "list each file of fixtures/responses in BUILTIN_RESPONSES"
        );
        let f = Fixtures::builtin();
        assert_eq!(f.responses.len(), BUILTIN_RESPONSES.len());
        assert!(f.responses.contains("DescribeULHostBundles"));
    }

    fn temp_set(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("compshare-mock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(ACCOUNTS_FILE), ACCOUNTS).unwrap();
        std::fs::write(dir.join(IMAGES_FILE), "[]").unwrap();
        dir
    }

    #[test]
    fn a_directory_without_responses_has_no_canned_answers() {
        let dir = temp_set("no-responses");
        let f = Fixtures::load_dir(&dir).unwrap();
        assert!(f.responses.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_directory_loads_its_json_responses_and_ignores_other_files() {
        let dir = temp_set("responses");
        let responses = dir.join(RESPONSES_DIR);
        std::fs::create_dir_all(&responses).unwrap();
        std::fs::write(responses.join("README.md"), "notes").unwrap();
        std::fs::write(
            responses.join("CheckCompShareNetOptimizer.json"),
            r#"{"Optimized": true}"#,
        )
        .unwrap();
        let f = Fixtures::load_dir(&dir).unwrap();
        assert_eq!(f.responses.actions(), ["CheckCompShareNetOptimizer"]);
        std::fs::write(responses.join("Nonsense.json"), "{}").unwrap();
        let e = Fixtures::load_dir(&dir).unwrap_err();
        assert_eq!(e.file, "responses/Nonsense.json");
        std::fs::remove_file(responses.join("Nonsense.json")).unwrap();
        std::fs::write(
            responses.join("ListCompShareTeam.json"),
            r#"{"Teams": [{"Id": 1}, {"Id": "two"}]}"#,
        )
        .unwrap();
        assert_eq!(
            Fixtures::load_dir(&dir).unwrap_err().to_string(),
            "responses/ListCompShareTeam.json: field Teams.1.Id: expected integer, found string"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_file_names_its_path() {
        let dir = std::env::temp_dir().join(format!("compshare-mock-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = Fixtures::load_dir(&dir).unwrap_err();
        assert!(e.file.ends_with("accounts.json"), "{e}");
        assert!(e.problem.starts_with("cannot read"), "{e}");
    }
}
