//! Images: the `CompShareImage` model and the per-account index that serves
//! DescribeCompShareCustomImages pages in O(log n + Limit).

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

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

    /// The listing order: newest first, then by id, so pages are stable.
    fn order_key(&self) -> (std::cmp::Reverse<i64>, &str) {
        (
            std::cmp::Reverse(self.create_time),
            self.comp_share_image_id.as_str(),
        )
    }
}

/// A page request: `[offset, offset + limit)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// First index.
    pub offset: usize,
    /// Most items.
    pub limit: usize,
}

/// A page of a listing: the total before paging and the items of the page.
#[derive(Debug)]
pub struct Listing<'a, T> {
    /// All matches, before paging.
    pub total: usize,
    /// The page.
    pub items: &'a [T],
}

/// Which listing an image belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ListKey {
    /// An account's custom images.
    Custom(String),
    /// Platform images (`System`, `App`).
    Platform,
    /// Published community images.
    Community,
}

impl ListKey {
    fn of(image: &CompShareImage) -> ListKey {
        match image.image_type.as_str() {
            "Custom" => ListKey::Custom(image.owner.account_id.clone()),
            "Community" => ListKey::Community,
            _ => ListKey::Platform,
        }
    }
}

/// All images: by id, and each listing (an account's custom images, the
/// platform images, the community images) kept in listing order, so a page
/// is a slice.
#[derive(Debug, Default, Clone)]
pub struct Images {
    by_id: HashMap<String, Arc<CompShareImage>>,
    lists: HashMap<ListKey, Vec<Arc<CompShareImage>>>,
}

impl Images {
    /// Adds an image; returns false (and adds nothing) if the id is taken.
    pub fn insert(&mut self, image: CompShareImage) -> bool {
        if self.by_id.contains_key(&image.comp_share_image_id) {
            return false;
        }
        let image = Arc::new(image);
        let list = self.lists.entry(ListKey::of(&image)).or_default();
        let at = list.partition_point(|i| i.order_key() < image.order_key());
        list.insert(at, image.clone());
        self.by_id.insert(image.comp_share_image_id.clone(), image);
        true
    }

    /// Removes an image; returns it if it was there.
    pub fn remove(&mut self, id: &str) -> Option<Arc<CompShareImage>> {
        let image = self.by_id.remove(id)?;
        if let Some(list) = self.lists.get_mut(&ListKey::of(&image)) {
            let at = list.partition_point(|i| i.order_key() < image.order_key());
            if list.get(at).is_some_and(|i| i.comp_share_image_id == id) {
                list.remove(at);
            }
        }
        Some(image)
    }

    /// Changes an image in place (its id, type, owner and `CreateTime` stay
    /// as they are, so it keeps its place in its listing).
    pub fn update(&mut self, id: &str, change: impl FnOnce(&mut CompShareImage)) -> bool {
        let Some(old) = self.by_id.get(id).cloned() else {
            return false;
        };
        let mut new = (*old).clone();
        change(&mut new);
        new.comp_share_image_id = old.comp_share_image_id.clone();
        new.image_type = old.image_type.clone();
        new.owner = old.owner.clone();
        new.create_time = old.create_time;
        let new = Arc::new(new);
        if let Some(list) = self.lists.get_mut(&ListKey::of(&old)) {
            let at = list.partition_point(|i| i.order_key() < old.order_key());
            if let Some(slot) = list.get_mut(at) {
                *slot = new.clone();
            }
        }
        self.by_id.insert(id.to_owned(), new);
        true
    }

    /// Builds the index of many images at once (one sort per account rather
    /// than one insertion each); an image whose id is taken is left out.
    pub fn build(images: impl IntoIterator<Item = CompShareImage>) -> Images {
        let mut out = Images::default();
        for image in images {
            if out.by_id.contains_key(&image.comp_share_image_id) {
                continue;
            }
            let image = Arc::new(image);
            out.lists
                .entry(ListKey::of(&image))
                .or_default()
                .push(image.clone());
            out.by_id.insert(image.comp_share_image_id.clone(), image);
        }
        for list in out.lists.values_mut() {
            list.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        }
        out
    }

    /// The image of that id.
    pub fn get(&self, id: &str) -> Option<&Arc<CompShareImage>> {
        self.by_id.get(id)
    }

    /// Number of images of all kinds.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// An account's custom images, optionally only the one of an id, paged.
    pub fn custom_of(
        &self,
        account_id: &str,
        id: Option<&str>,
        page: Page,
    ) -> Listing<'_, Arc<CompShareImage>> {
        let all: &[Arc<CompShareImage>] = match id {
            Some(id) => match self.by_id.get(id) {
                Some(img) if img.is_custom() && img.owner.account_id == account_id => {
                    std::slice::from_ref(img)
                }
                _ => &[],
            },
            None => self.list(&ListKey::Custom(account_id.to_owned())),
        };
        let start = page.offset.min(all.len());
        let end = start.saturating_add(page.limit).min(all.len());
        Listing {
            total: all.len(),
            items: &all[start..end],
        }
    }

    fn list(&self, key: &ListKey) -> &[Arc<CompShareImage>] {
        self.lists.get(key).map(Vec::as_slice).unwrap_or_default()
    }

    /// Platform images (`System`, `App`) in listing order.
    pub fn platform(&self) -> &[Arc<CompShareImage>] {
        self.list(&ListKey::Platform)
    }

    /// Community images in listing order.
    pub fn community(&self) -> &[Arc<CompShareImage>] {
        self.list(&ListKey::Community)
    }

    /// Every image, in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<CompShareImage>> {
        self.by_id.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, Type};

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
            .map(|i| i.comp_share_image_id.clone())
            .collect()
        };
        assert_eq!(page(&built), page(&imgs));
        assert!(imgs.update("a", |i| i.name = "renamed".into()));
        assert_eq!(imgs.get("a").unwrap().name, "renamed");
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
        let ids: Vec<&str> = all
            .items
            .iter()
            .map(|i| i.comp_share_image_id.as_str())
            .collect();
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
}
