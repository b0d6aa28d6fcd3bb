//! Images: the `CompShareImage` model and the per-account index that serves
//! DescribeCompShareCustomImages pages in O(Limit), wherever the page is.
//!
//! The state keeps each image as its answer JSON, rendered once when the
//! image is added or changed ([`StoredImage`]): a page of a listing is then
//! a copy of bytes, and a million images take a fraction of the memory the
//! decoded model would. The model is decoded again for the rare actions
//! that read an image's fields.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{not_available, Account, InstanceState, State};
use crate::domain::round2;
use crate::error::ApiError;

/// Image statuses the API documents.
pub const IMAGE_STATUSES: &[&str] = &["Making", "Available", "UnAvailable", "Reviewing", "Offline"];
/// Image types the API documents.
pub const IMAGE_TYPES: &[&str] = &["System", "App", "Custom", "Community"];

/// The `Projects` model: who owns an image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub struct Owner {
    /// The owning account's id.
    pub account_id: String,
    /// The owning account's name.
    pub account_name: String,
}

/// The `Software` model: what an image has installed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub struct Software {
    /// Applications, e.g. `JupyterLab`.
    pub applications: Vec<String>,
    /// CUDA version, e.g. `12.4`.
    #[serde(rename = "CUDAVersion")]
    pub cuda_version: String,
    /// Framework, e.g. `PyTorch`.
    pub framework: String,
    /// Framework version.
    pub framework_version: String,
}

/// The `CompShareImage` model, field for field as the catalogue has it; a
/// test pins the field set to the catalogue's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CompShareImage {
    pub auth_info: i64,
    pub author: String,
    pub auto_start: bool,
    pub comp_share_image_id: String,
    pub container: String,
    pub cover: String,
    /// Epoch seconds.
    pub create_time: i64,
    pub created_count: i64,
    pub description: String,
    pub failed_reason: String,
    pub favorites_count: i64,
    pub group_id: String,
    pub image_charge: bool,
    pub image_owner_alias: String,
    /// One of [`IMAGE_TYPES`].
    pub image_type: String,
    pub image_use_time: i64,
    pub is_official: bool,
    pub name: String,
    pub owner: Owner,
    pub price: f64,
    pub pub_time: i64,
    pub readme: String,
    pub size: i64,
    pub softwares: Software,
    pub source_gpu_type: String,
    /// One of [`IMAGE_STATUSES`].
    pub status: String,
    pub tags: Vec<String>,
    pub version_desc: String,
    pub version_name: String,
    /// 0 private, 1 public.
    pub visibility: i64,
}

impl CompShareImage {
    /// Whether this is a custom image (listed by DescribeCompShareCustomImages).
    pub fn is_custom(&self) -> bool {
        self.image_type == "Custom"
    }
}

pub use crate::paging::Page;

/// A page of a listing: the total before paging and the items of the page.
#[derive(Debug)]
pub struct Listing<'a, T> {
    /// All matches, before paging.
    pub total: usize,
    /// The page.
    pub items: &'a [T],
}

/// Which listing an image belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An account's custom images.
    Custom,
    /// Platform images (`System`, `App`).
    Platform,
    /// Published community images.
    Community,
}

/// An image as the state keeps it: its JSON exactly as an answer carries it
/// (every field of the model, in the model's order), and the few fields the
/// indexes need. It serialises as that JSON, copied, not re-rendered.
#[derive(Debug)]
pub struct StoredImage {
    id: Box<str>,
    create_time: i64,
    kind: Kind,
    /// The owning account of a custom image (shared among its images).
    owner: Option<Arc<str>>,
    /// The answer JSON (valid by construction: serde wrote it).
    json: Box<str>,
}

impl StoredImage {
    /// Renders an image once, for keeping.
    pub fn new(image: &CompShareImage) -> StoredImage {
        let kind = match image.image_type.as_str() {
            "Custom" => Kind::Custom,
            "Community" => Kind::Community,
            _ => Kind::Platform,
        };
        StoredImage {
            id: image.comp_share_image_id.as_str().into(),
            create_time: image.create_time,
            kind,
            owner: (kind == Kind::Custom).then(|| Arc::from(image.owner.account_id.as_str())),
            json: render(image),
        }
    }

    /// The image decoded from its JSON (equal to the one it was made from).
    pub fn image(&self) -> CompShareImage {
        serde_json::from_str(&self.json)
            .expect("a stored image decodes: it was rendered from the same model")
    }

    /// `CompShareImageId`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `CreateTime`, epoch seconds.
    pub fn create_time(&self) -> i64 {
        self.create_time
    }

    /// Whether this is a custom image (listed by DescribeCompShareCustomImages).
    pub fn is_custom(&self) -> bool {
        self.kind == Kind::Custom
    }

    /// The owning account of a custom image.
    pub fn owner_account_id(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The image's answer JSON.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The listing order: newest first, then by id, so pages are stable.
    fn order_key(&self) -> (std::cmp::Reverse<i64>, &str) {
        (std::cmp::Reverse(self.create_time), &self.id)
    }
}

/// An image's JSON in one allocation of its size: written into a buffer
/// kept per thread, then copied (growing a fresh string would reallocate it
/// several times, a cost a million images feel).
fn render(image: &CompShareImage) -> Box<str> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| {
        let mut buf = scratch.borrow_mut();
        buf.clear();
        // Serialising plain strings, numbers and lists into memory cannot fail.
        serde_json::to_writer(&mut *buf, image)
            .expect("an image renders to JSON: it holds only strings, numbers and lists");
        // serde writes UTF-8; the check is the fast one, not the lossy walk.
        match std::str::from_utf8(&buf) {
            Ok(text) => text.into(),
            Err(_) => String::from_utf8_lossy(&buf).into(),
        }
    })
}

impl crate::wire::envelope::Rendered for StoredImage {
    fn json(&self) -> &str {
        &self.json
    }
}

/// As the model it holds (decoded: the answers copy [`StoredImage::json`]
/// instead; this serves the state dump).
impl Serialize for StoredImage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.image().serialize(s)
    }
}

/// An entry of the id index: the image, hashed and compared by its id, so
/// the set is looked up with a `&str` and keeps no second copy of the id.
#[derive(Debug, Clone)]
struct ById(Arc<StoredImage>);

impl Borrow<str> for ById {
    fn borrow(&self) -> &str {
        &self.0.id
    }
}

impl PartialEq for ById {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for ById {}

impl Hash for ById {
    fn hash<H: Hasher>(&self, h: &mut H) {
        // As `str` hashes, so that lookups by `&str` find it.
        self.0.id.hash(h);
    }
}

#[derive(Debug, Default, Clone)]
struct Index {
    by_id: HashSet<ById>,
    custom: HashMap<Arc<str>, Vec<Arc<StoredImage>>>,
    platform: Vec<Arc<StoredImage>>,
    community: Vec<Arc<StoredImage>>,
}

impl Index {
    fn list(&self, image: &StoredImage) -> Option<&Vec<Arc<StoredImage>>> {
        match image.kind {
            Kind::Custom => self.custom.get(image.owner.as_deref().unwrap_or("")),
            Kind::Platform => Some(&self.platform),
            Kind::Community => Some(&self.community),
        }
    }

    fn list_mut(&mut self, image: &StoredImage) -> &mut Vec<Arc<StoredImage>> {
        match image.kind {
            Kind::Custom => self
                .custom
                .entry(image.owner.clone().unwrap_or_else(|| Arc::from("")))
                .or_default(),
            Kind::Platform => &mut self.platform,
            Kind::Community => &mut self.community,
        }
    }

    /// Shares the owner string with the other images of the account.
    fn intern_owner(&self, image: &mut StoredImage) {
        if let Some(owner) = &image.owner {
            if let Some((key, _)) = self.custom.get_key_value(&**owner) {
                image.owner = Some(key.clone());
            }
        }
    }

    fn position(&self, image: &StoredImage) -> Option<usize> {
        let list = self.list(image)?;
        let at = list.partition_point(|i| i.order_key() < image.order_key());
        list.get(at).filter(|i| i.id == image.id).map(|_| at)
    }
}

/// All images: by id, and each listing (an account's custom images, the
/// platform images, the community images) kept in listing order, so a page
/// is a slice. Cloning is cheap: clones share the index until one of them
/// changes it (copy on write), so a reset to the fixtures copies nothing.
#[derive(Debug, Default, Clone)]
pub struct Images {
    inner: Arc<Index>,
}

impl Images {
    /// Adds an image; returns false (and adds nothing) if the id is taken.
    pub fn insert(&mut self, image: CompShareImage) -> bool {
        if self
            .inner
            .by_id
            .contains(image.comp_share_image_id.as_str())
        {
            return false;
        }
        let mut stored = StoredImage::new(&image);
        let index = Arc::make_mut(&mut self.inner);
        index.intern_owner(&mut stored);
        let stored = Arc::new(stored);
        let list = index.list_mut(&stored);
        let at = list.partition_point(|i| i.order_key() < stored.order_key());
        list.insert(at, stored.clone());
        index.by_id.insert(ById(stored));
        true
    }

    /// Adds an image (as [`Images::insert`] does); fixture sets are built with it.
    pub fn push(&mut self, image: CompShareImage) {
        self.insert(image);
    }

    /// Removes an image; returns it if it was there.
    pub fn remove(&mut self, id: &str) -> Option<CompShareImage> {
        if !self.inner.by_id.contains(id) {
            return None;
        }
        let index = Arc::make_mut(&mut self.inner);
        let ById(image) = index.by_id.take(id)?;
        if let Some(at) = index.position(&image) {
            index.list_mut(&image).remove(at);
        }
        Some(image.image())
    }

    /// Changes an image in place (its id, type, owner and `CreateTime` stay
    /// as they are, so it keeps its place in its listing).
    pub fn update(&mut self, id: &str, change: impl FnOnce(&mut CompShareImage)) -> bool {
        let Some(ById(old)) = self.inner.by_id.get(id).cloned() else {
            return false;
        };
        let before = old.image();
        let mut new = before.clone();
        change(&mut new);
        new.comp_share_image_id = before.comp_share_image_id;
        new.image_type = before.image_type;
        new.owner = before.owner;
        new.create_time = before.create_time;
        let mut stored = StoredImage::new(&new);
        stored.owner.clone_from(&old.owner);
        let stored = Arc::new(stored);
        let index = Arc::make_mut(&mut self.inner);
        if let Some(at) = index.position(&old) {
            index.list_mut(&old)[at] = stored.clone();
        }
        index.by_id.replace(ById(stored));
        true
    }

    /// Builds the index of many images at once (one sort per listing rather
    /// than one insertion each); an image whose id is taken is left out.
    pub fn build(images: impl IntoIterator<Item = CompShareImage>) -> Images {
        let mut out = Images::default();
        for image in images {
            let _ = out.add_unsorted(StoredImage::new(&image));
        }
        out.sort_lists();
        out
    }

    /// Adds an image without keeping its listing in order: fill with this,
    /// then call [`Images::sort_lists`] once. Gives the image back if its id
    /// is taken.
    pub(crate) fn add_unsorted(&mut self, mut image: StoredImage) -> Result<(), StoredImage> {
        let index = Arc::make_mut(&mut self.inner);
        if index.by_id.contains(image.id()) {
            return Err(image);
        }
        index.intern_owner(&mut image);
        let image = Arc::new(image);
        index.list_mut(&image).push(image.clone());
        index.by_id.insert(ById(image));
        Ok(())
    }

    /// Makes room for `additional` more images in the id index.
    pub(crate) fn reserve(&mut self, additional: usize) {
        Arc::make_mut(&mut self.inner).by_id.reserve(additional);
    }

    /// Puts every listing in order after [`Images::add_unsorted`].
    pub(crate) fn sort_lists(&mut self) {
        let index = Arc::make_mut(&mut self.inner);
        let by_order =
            |a: &Arc<StoredImage>, b: &Arc<StoredImage>| a.order_key().cmp(&b.order_key());
        for list in index.custom.values_mut() {
            list.sort_unstable_by(by_order);
        }
        index.platform.sort_unstable_by(by_order);
        index.community.sort_unstable_by(by_order);
    }

    /// The image of that id.
    pub fn get(&self, id: &str) -> Option<&Arc<StoredImage>> {
        self.inner.by_id.get(id).map(|b| &b.0)
    }

    /// Number of images of all kinds.
    pub fn len(&self) -> usize {
        self.inner.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.inner.by_id.is_empty()
    }

    /// An account's custom images, optionally only the one of an id, paged.
    pub fn custom_of(
        &self,
        account_id: &str,
        id: Option<&str>,
        page: Page,
    ) -> Listing<'_, Arc<StoredImage>> {
        let all: &[Arc<StoredImage>] = match id {
            Some(id) => match self.inner.by_id.get(id) {
                Some(ById(img)) if img.owner_account_id() == Some(account_id) => {
                    std::slice::from_ref(img)
                }
                _ => &[],
            },
            None => self
                .inner
                .custom
                .get(account_id)
                .map(Vec::as_slice)
                .unwrap_or_default(),
        };
        let start = page.offset.min(all.len());
        let end = start.saturating_add(page.limit).min(all.len());
        Listing {
            total: all.len(),
            items: &all[start..end],
        }
    }

    /// Platform images (`System`, `App`) in listing order.
    pub fn platform(&self) -> &[Arc<StoredImage>] {
        &self.inner.platform
    }

    /// Community images in listing order.
    pub fn community(&self) -> &[Arc<StoredImage>] {
        &self.inner.community
    }

    /// Every image, in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<StoredImage>> {
        self.inner.by_id.iter().map(|b| &b.0)
    }

    /// Every image decoded, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = CompShareImage> + '_ {
        self.all().map(|i| i.image())
    }
}

impl Extend<CompShareImage> for Images {
    fn extend<T: IntoIterator<Item = CompShareImage>>(&mut self, iter: T) {
        for image in iter {
            self.insert(image);
        }
    }
}

impl FromIterator<CompShareImage> for Images {
    fn from_iter<T: IntoIterator<Item = CompShareImage>>(iter: T) -> Self {
        Images::build(iter)
    }
}

/// What UpdateCompShareImage may change: each field given replaces the
/// image's; checked as a whole before anything changes.
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
    /// New software (`Softwares`).
    pub softwares: Option<Software>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// New visibility, 0 or 1.
    pub visibility: Option<i64>,
    /// New name.
    pub name: Option<String>,
    /// New price per hour (also sets `ImageCharge`).
    pub price: Option<f64>,
    /// New version name.
    pub version_name: Option<String>,
    /// New version description.
    pub version_desc: Option<String>,
    /// New supported GPU types (kept beside the image: the model has no field).
    pub supported_gpu_types: Option<Vec<String>>,
    /// New `AutoStart`.
    pub auto_start: Option<bool>,
    /// The group a community version moves to (another group of the owner).
    pub group_id: Option<String>,
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
    /// An existing group of the publisher to add a version to (none: a new group).
    pub group_id: Option<String>,
    /// The version's name, unique in its group.
    pub version_name: String,
    /// The version's description.
    pub version_desc: String,
    /// GPU types the version supports (kept beside the image).
    pub supported_gpu_types: Vec<String>,
}

// ---- operations: custom images, sharing, publishing ------------------------

impl State {
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
        softwares: Option<Software>,
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
            owner: Owner {
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

    /// The account's custom image, which must be Available for `action`
    /// (the wrong-state RetCode otherwise).
    fn own_available(
        &self,
        account_id: &str,
        image_id: &str,
        action: &str,
    ) -> Result<CompShareImage, ApiError> {
        let src = self.own_custom(account_id, image_id)?.image();
        if src.status != "Available" {
            return Err(ApiError::WrongState {
                id: image_id.to_owned(),
                state: src.status,
                action: action.to_owned(),
            });
        }
        Ok(src)
    }

    /// CopyCompShareCustomImage: a new `Making` copy of an Available image of the account.
    pub fn copy_custom_image(
        &mut self,
        account: &Account,
        image_id: &str,
        target_name: &str,
    ) -> Result<String, ApiError> {
        let src = self.own_available(&account.account_id, image_id, "CopyCompShareCustomImage")?;
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

    /// The account's custom image or published community version.
    fn own_image(&self, account_id: &str, image_id: &str) -> Result<CompShareImage, ApiError> {
        self.images
            .get(image_id)
            .map(|s| s.image())
            .filter(|i| {
                (i.is_custom() || i.image_type == "Community") && i.owner.account_id == account_id
            })
            .ok_or_else(|| not_available("CompShareImageId"))
    }

    /// 230 on `VersionName` when another version of the group has that name.
    fn version_name_free(&self, group_id: &str, name: &str, except: &str) -> Result<(), ApiError> {
        let taken = !name.is_empty()
            && self
                .group_versions(group_id)
                .iter()
                .any(|v| v.comp_share_image_id != except && v.version_name == name);
        if taken {
            return Err(not_available("VersionName"));
        }
        Ok(())
    }

    /// UpdateCompShareImage: changes the given fields of the account's
    /// custom image or community version. `GroupId` moves a community
    /// version to another group of the account (230 on `GroupId` for a
    /// custom image, a group not the account's, or the last version of its
    /// group); a version name already in the group is 230 on `VersionName`.
    pub fn update_image(
        &mut self,
        account_id: &str,
        image_id: &str,
        u: ImageUpdate,
    ) -> Result<(), ApiError> {
        let img = self.own_image(account_id, image_id)?;
        let community = img.image_type == "Community";
        let group = match u.group_id.as_deref() {
            Some(_) if !community => return Err(not_available("GroupId")),
            Some(g) if g != img.group_id => {
                let theirs = self.group_owner(g).as_deref() != Some(account_id);
                if theirs || self.group_versions(&img.group_id).len() < 2 {
                    return Err(not_available("GroupId"));
                }
                g.to_owned()
            }
            _ => img.group_id.clone(),
        };
        if community {
            let name = u.version_name.as_deref().unwrap_or(&img.version_name);
            self.version_name_free(&group, name, image_id)?;
        }
        if let Some(types) = u.supported_gpu_types {
            if types.is_empty() {
                self.supported_gpu_types.remove(image_id);
            } else {
                self.supported_gpu_types.insert(image_id.to_owned(), types);
            }
        }
        self.images.update(image_id, |img| {
            img.group_id = group;
            if let Some(v) = u.cover {
                img.cover = v;
            }
            if let Some(v) = u.description {
                img.description = v;
            }
            if let Some(v) = u.softwares {
                img.softwares = v;
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
            if let Some(v) = u.name {
                img.name = v;
            }
            if let Some(v) = u.price {
                img.price = v;
                img.image_charge = v > 0.0;
            }
            if let Some(v) = u.version_name {
                img.version_name = v;
            }
            if let Some(v) = u.version_desc {
                img.version_desc = v;
            }
            if let Some(v) = u.auto_start {
                img.auto_start = v;
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
        self.supported_gpu_types.remove(image_id);
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
    pub fn share_accounts(&self, account_id: &str, image_id: &str) -> Result<Vec<Owner>, ApiError> {
        self.own_custom(account_id, image_id)?;
        Ok(self
            .shares
            .get(image_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.accounts.iter().find(|a| &a.account_id == id))
            .map(|a| Owner {
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
    /// community image (a new id, public, priced), a new version of the
    /// account's group `GroupId` (230 on `GroupId` when it is not one; 230 on
    /// `VersionName` when the group has that version name) or the first of a
    /// new group; returns its id.
    pub fn publish_image(
        &mut self,
        account: &Account,
        image_id: &str,
        p: Publication,
    ) -> Result<String, ApiError> {
        let src = self.own_available(&account.account_id, image_id, "PublishCompShareImage")?;
        if let Some(g) = &p.group_id {
            if self.group_owner(g).as_deref() != Some(account.account_id.as_str()) {
                return Err(not_available("GroupId"));
            }
            self.version_name_free(g, &p.version_name, "")?;
        }
        let now = self.clock.now();
        let mut img = src.clone();
        img.comp_share_image_id = self.fresh_id("compshareImage-", 12);
        img.group_id = match p.group_id {
            Some(g) => g,
            None => loop {
                let id = self.fresh_id("group-", 12);
                if self.group_owner(&id).is_none() {
                    break id;
                }
            },
        };
        img.image_type = "Community".to_owned();
        img.status = "Available".to_owned();
        img.visibility = 1;
        img.price = p.price;
        img.image_charge = p.price > 0.0;
        img.pub_time = now;
        img.create_time = now;
        img.author = account.account_name.clone();
        img.image_owner_alias = account.account_name.clone();
        img.auto_start = p.auto_start;
        img.version_name = p.version_name;
        img.version_desc = p.version_desc;
        img.created_count = 0;
        img.image_use_time = 0;
        img.favorites_count = 0;
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
        let types = if p.supported_gpu_types.is_empty() {
            self.supported_gpu_types(image_id).to_vec()
        } else {
            p.supported_gpu_types
        };
        if !types.is_empty() {
            self.supported_gpu_types.insert(id.clone(), types);
        }
        self.images.insert(img);
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use compshare_protocol::catalogue::{Catalogue, Type};

    fn custom(id: &str, owner: &str, t: i64) -> CompShareImage {
        CompShareImage {
            comp_share_image_id: id.into(),
            image_type: "Custom".into(),
            create_time: t,
            owner: Owner {
                account_id: owner.into(),
                account_name: String::new(),
            },
            ..Default::default()
        }
    }

    #[test]
    fn the_model_has_exactly_the_catalogues_fields_and_types() {
        let c = Catalogue::get();
        let v = serde_json::to_value(CompShareImage::default()).unwrap();
        c.check(&v, &Type::Ref("CompShareImage".into()), "")
            .unwrap();
        let mut ours: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        let mut theirs: Vec<String> = c.models["CompShareImage"]
            .iter()
            .map(|f| f.name.clone())
            .collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs);
        let soft: Vec<String> = serde_json::to_value(Software::default())
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut want: Vec<String> = c.models["Software"]
            .iter()
            .map(|f| f.name.clone())
            .collect();
        want.sort();
        let mut soft = soft;
        soft.sort();
        assert_eq!(soft, want);
    }

    #[test]
    fn listings_are_newest_first_then_by_id_and_per_account() {
        let mut imgs = Images::default();
        assert!(imgs.insert(custom("b", "1", 10)));
        assert!(imgs.insert(custom("a", "1", 10)));
        assert!(imgs.insert(custom("c", "1", 20)));
        assert!(imgs.insert(custom("d", "2", 30)));
        assert!(!imgs.insert(custom("a", "2", 40)));
        let built = Images::build([
            custom("d", "2", 30),
            custom("b", "1", 10),
            custom("c", "1", 20),
            custom("a", "1", 10),
        ]);
        let page = |i: &Images| -> Vec<String> {
            i.custom_of(
                "1",
                None,
                Page {
                    offset: 0,
                    limit: 100,
                },
            )
            .items
            .iter()
            .map(|i| i.id().to_owned())
            .collect()
        };
        assert_eq!(page(&built), page(&imgs));
        assert!(imgs.update("a", |i| i.name = "renamed".into()));
        assert_eq!(imgs.get("a").unwrap().image().name, "renamed");
        assert_eq!(page(&imgs), vec!["c", "a", "b"]);
        assert_eq!(
            imgs.custom_of(
                "1",
                None,
                Page {
                    offset: 1,
                    limit: 1
                }
            )
            .items[0]
                .image()
                .name,
            "renamed"
        );
        assert!(imgs.remove("a").is_some());
        assert!(imgs.remove("a").is_none());
        assert_eq!(page(&imgs), vec!["c", "b"]);
        assert!(imgs.insert(custom("a", "1", 10)));
        let all = imgs.custom_of(
            "1",
            None,
            Page {
                offset: 0,
                limit: 100,
            },
        );
        let ids: Vec<&str> = all.items.iter().map(|i| i.id()).collect();
        assert_eq!((all.total, ids), (3, vec!["c", "a", "b"]));
        let page = imgs.custom_of(
            "1",
            None,
            Page {
                offset: 2,
                limit: 5,
            },
        );
        assert_eq!((page.total, page.items.len()), (3, 1));
        let past = imgs.custom_of(
            "1",
            None,
            Page {
                offset: 9,
                limit: 5,
            },
        );
        assert_eq!((past.total, past.items.len()), (3, 0));
        assert_eq!(
            imgs.custom_of(
                "1",
                Some("d"),
                Page {
                    offset: 0,
                    limit: 5
                }
            )
            .total,
            0
        );
        assert_eq!(
            imgs.custom_of(
                "2",
                Some("d"),
                Page {
                    offset: 0,
                    limit: 5
                }
            )
            .total,
            1
        );
    }

    #[test]
    fn a_stored_image_renders_as_the_model_and_decodes_back_equal() {
        let mut img = custom("i1", "1", 5);
        img.name = "quote \" and é".into();
        img.price = 0.1 + 0.2;
        img.tags = vec!["a".into(), "b".into()];
        img.softwares.applications = vec!["JupyterLab".into()];
        let stored = StoredImage::new(&img);
        assert_eq!(stored.json(), serde_json::to_string(&img).unwrap());
        assert_eq!(stored.image(), img);
        assert_eq!(
            serde_json::to_string(&[Arc::new(stored)]).unwrap(),
            format!("[{}]", serde_json::to_string(&img).unwrap())
        );
    }

    #[test]
    fn clones_share_the_index_until_one_changes() {
        let mut a = Images::build([custom("x", "1", 1), custom("y", "1", 2)]);
        let b = a.clone();
        assert!(a.update("x", |i| i.name = "changed".into()));
        assert!(a.insert(custom("z", "1", 3)));
        assert!(a.remove("y").is_some());
        assert_eq!(b.len(), 2);
        assert_eq!(b.get("x").unwrap().image().name, "");
        assert!(b.get("y").is_some() && b.get("z").is_none());
        assert_eq!(a.get("x").unwrap().image().name, "changed");
        let ids = |i: &Images| -> Vec<String> {
            i.custom_of(
                "1",
                None,
                Page {
                    offset: 0,
                    limit: 10,
                },
            )
            .items
            .iter()
            .map(|s| s.id().to_owned())
            .collect()
        };
        assert_eq!(ids(&a), ["z", "x"]);
        assert_eq!(ids(&b), ["y", "x"]);
    }
}

#[cfg(test)]
mod operation_tests {
    use super::*;
    use crate::fixtures::Fixtures;

    const OWNER: &str = "56000001";
    const OTHER: &str = "56000002";

    fn state() -> (State, Account) {
        let mut s = Fixtures::builtin().state();
        s.clock.freeze();
        let who = (*s.accounts()[0]).clone();
        (s, who)
    }

    #[test]
    fn a_custom_image_is_making_until_its_build_time_has_passed() {
        let (mut s, who) = state();
        let id = s
            .create_custom_image(&who, "uhost-demo0run", "snap", "", None)
            .unwrap();
        assert_eq!(s.images.get(&id).unwrap().image().status, "Making");
        let build = s.timings.image_build_seconds;
        s.clock.advance(build / 2);
        let (pct, left, total) = s.image_progress(OWNER, &id).unwrap();
        assert_eq!(
            (pct, left, total),
            (50.0, (build - build / 2) as i64, build as i64)
        );
        s.clock.advance(build);
        s.tick();
        assert_eq!(s.images.get(&id).unwrap().image().status, "Available");
        assert_eq!(s.image_progress(OWNER, &id).unwrap().0, 100.0);
    }

    #[test]
    fn a_copy_or_publication_of_an_image_still_making_is_refused() {
        let (mut s, who) = state();
        let id = s
            .create_custom_image(&who, "uhost-demo0run", "snap", "", None)
            .unwrap();
        assert_eq!(
            s.copy_custom_image(&who, &id, "c").unwrap_err().ret_code(),
            290
        );
        let refused = s.publish_image(&who, &id, Publication::default());
        assert_eq!(refused.unwrap_err().ret_code(), 290);
    }

    #[test]
    fn sharing_names_unknown_accounts_and_shows_the_image_to_the_other() {
        let (mut s, _) = state();
        let image = "compshareImage-xxxx";
        let invalid = s.modify_shares(OWNER, image, &[56000002, 99], &[]).unwrap();
        assert_eq!(invalid, vec![99]);
        let shared: Vec<&str> = s.shared_with(OTHER, None).iter().map(|i| i.id()).collect();
        assert_eq!(shared, vec![image]);
        assert!(s.usable_image(OTHER, image).is_some());
        s.modify_shares(OWNER, image, &[], &[56000002]).unwrap();
        assert!(s.shared_with(OTHER, None).is_empty());
        assert!(s.usable_image(OTHER, image).is_none());
    }

    #[test]
    fn only_the_owner_may_change_or_delete_a_custom_image() {
        let (mut s, _) = state();
        let image = "compshareImage-xxxx";
        let err = s.terminate_custom_image(OTHER, image).unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("CompShareImageId".into()));
        s.terminate_custom_image(OWNER, image).unwrap();
        assert!(s.images.get(image).is_none());
    }
}
