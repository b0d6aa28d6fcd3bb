//! The community: published images grouped into version groups (the
//! `CompshareImageGroup` model), each account's favourite groups, and the
//! GPU types a published version declares.
//!
//! A group is not stored on its own: it is the set of community images that
//! share a `GroupId`, so a group can never disagree with its versions. Its
//! owner is the owner of its versions (one account: versions are only ever
//! added by the group's owner). What the `CompShareImage` model has no field
//! for, `SupportedGpuTypes`, is kept beside the images and shown in
//! `GET /_mock/state`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{not_available, CompShareImage, State};
use crate::error::ApiError;

/// Which groups a listing sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// DescribeCommunityImages: every group, public versions only
    /// (`Available` and `Visibility` 1).
    Public,
    /// DescribeSelfCommunityImages: the groups of this account, versions in
    /// every status.
    OwnedBy(&'a str),
    /// DescribeUserCommunityImages: the groups of this account, public
    /// versions only.
    PublishedBy(&'a str),
}

/// What a group listing may sort by (`SortCondition.Field`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    /// `PubTime`: the group's newest publication.
    PubTime,
    /// `ImageUseTime`: the group's use, summed over its versions.
    ImageUseTime,
    /// `FavoritesCount` or `Favor`: how many accounts favour the group.
    Favorites,
}

impl SortField {
    /// The field of that name (the API reference's four names), if any.
    pub fn parse(name: &str) -> Option<SortField> {
        match name {
            "PubTime" => Some(SortField::PubTime),
            "ImageUseTime" => Some(SortField::ImageUseTime),
            "FavoritesCount" | "Favor" => Some(SortField::Favorites),
            _ => None,
        }
    }
}

/// The filters and order of a group listing; `None` or empty means "any".
/// A group is listed when at least one of its versions passes every
/// version filter, and its `Data` holds those versions.
#[derive(Debug, Clone, Default)]
pub struct GroupQuery {
    /// `GroupId`: that group only.
    pub group_id: Option<String>,
    /// `CompShareImageId`: the version of that id.
    pub image_id: Option<String>,
    /// `Name`: a substring of the version's name.
    pub name: Option<String>,
    /// `Author`: the version's author, exactly.
    pub author: Option<String>,
    /// `FuzzySearch`: a substring of the version's name or author, ignoring case.
    pub fuzzy: Option<String>,
    /// `Tag`: every one of these among the version's tags.
    pub tags: Vec<String>,
    /// `IsFree`: true for price 0, false for a priced version.
    pub is_free: Option<bool>,
    /// `IsOfficial`: the version's `IsOfficial`.
    pub is_official: Option<bool>,
    /// `IfAutoStart`: the version's `AutoStart`.
    pub auto_start: Option<bool>,
    /// `SortCondition`: field and ascending; default newest publication first.
    pub sort: Option<(SortField, bool)>,
}

impl GroupQuery {
    fn passes(&self, v: &CompShareImage) -> bool {
        let fuzzy = |needle: &str| {
            let needle = needle.to_lowercase();
            v.name.to_lowercase().contains(&needle) || v.author.to_lowercase().contains(&needle)
        };
        self.image_id
            .as_deref()
            .is_none_or(|id| v.comp_share_image_id == id)
            && self.name.as_deref().is_none_or(|n| v.name.contains(n))
            && self.author.as_deref().is_none_or(|a| v.author == a)
            && self.fuzzy.as_deref().is_none_or(fuzzy)
            && self.tags.iter().all(|t| v.tags.contains(t))
            && self.is_free.is_none_or(|free| (v.price == 0.0) == free)
            && self.is_official.is_none_or(|o| v.is_official == o)
            && self.auto_start.is_none_or(|a| v.auto_start == a)
    }
}

/// The `CompshareImageGroup` model, field for field as the catalogue has it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompshareImageGroup {
    /// Instances created from the group's versions, summed.
    pub created_count: i64,
    /// The versions that pass the listing's filters, newest first.
    pub data: Vec<CompShareImage>,
    /// Accounts that favour the group.
    pub favorites_count: i64,
    /// The group's id.
    pub group_id: String,
    /// The newest listed version's description.
    pub image_desc: String,
    /// The newest listed version's name.
    pub image_name: String,
    /// Use of the group's versions, summed.
    pub image_use_time: i64,
    /// Whether the calling account favours the group.
    pub is_favorite: bool,
    /// Always 0: the mock keeps no recommendations.
    pub recommend_count: i64,
    /// `Available` when at least one version is, else `UnAvailable`.
    pub status: String,
}

/// Whether a version is shown to everyone.
fn public(v: &CompShareImage) -> bool {
    v.status == "Available" && v.visibility == 1
}

impl State {
    /// Every community version of a group, newest first (empty: no such group).
    pub fn group_versions(&self, group_id: &str) -> Vec<CompShareImage> {
        self.images
            .community()
            .iter()
            .map(|s| s.image())
            .filter(|v| v.group_id == group_id)
            .collect()
    }

    /// The account owning a group (the owner of its versions), if the group exists.
    pub fn group_owner(&self, group_id: &str) -> Option<String> {
        self.group_versions(group_id)
            .first()
            .map(|v| v.owner.account_id.clone())
    }

    /// How many accounts favour a group.
    pub fn favorites_count(&self, group_id: &str) -> i64 {
        self.favorites
            .values()
            .filter(|groups| groups.contains(group_id))
            .count() as i64
    }

    /// The groups `viewer` sees in `scope` that pass `q`, in `q`'s order
    /// (default: newest publication first, then by group id).
    pub fn community_groups(
        &self,
        viewer: &str,
        scope: Scope<'_>,
        q: &GroupQuery,
    ) -> Vec<CompshareImageGroup> {
        let mut groups: BTreeMap<String, Vec<CompShareImage>> = BTreeMap::new();
        for v in self.images.community().iter().map(|s| s.image()) {
            if q.group_id.as_deref().is_none_or(|g| g == v.group_id) {
                groups.entry(v.group_id.clone()).or_default().push(v);
            }
        }
        let mine = self.favorites.get(viewer);
        let mut out: Vec<(i64, CompshareImageGroup)> = Vec::new();
        for (group_id, versions) in groups {
            let owner = versions[0].owner.account_id.as_str();
            let (owner_ok, public_only) = match scope {
                Scope::Public => (true, true),
                Scope::OwnedBy(a) => (owner == a, false),
                Scope::PublishedBy(a) => (owner == a, true),
            };
            if !owner_ok {
                continue;
            }
            let shown: Vec<&CompShareImage> = versions
                .iter()
                .filter(|v| !public_only || public(v))
                .collect();
            let favorites = self.favorites_count(&group_id);
            let data: Vec<CompShareImage> = shown
                .iter()
                .filter(|v| q.passes(v))
                .map(|v| CompShareImage {
                    favorites_count: favorites,
                    ..(*v).clone()
                })
                .collect();
            let Some(newest) = shown.first() else {
                continue;
            };
            if data.is_empty() {
                continue;
            }
            let pub_time = versions.iter().map(|v| v.pub_time).max().unwrap_or(0);
            out.push((
                pub_time,
                CompshareImageGroup {
                    created_count: versions.iter().map(|v| v.created_count).sum(),
                    favorites_count: favorites,
                    image_desc: newest.description.clone(),
                    image_name: newest.name.clone(),
                    image_use_time: versions.iter().map(|v| v.image_use_time).sum(),
                    is_favorite: mine.is_some_and(|m| m.contains(&group_id)),
                    recommend_count: 0,
                    status: if versions.iter().any(|v| v.status == "Available") {
                        "Available"
                    } else {
                        "UnAvailable"
                    }
                    .to_owned(),
                    group_id,
                    data,
                },
            ));
        }
        let (field, asc) = q.sort.unwrap_or((SortField::PubTime, false));
        out.sort_by(|(ta, a), (tb, b)| {
            let key = |t: &i64, g: &CompshareImageGroup| match field {
                SortField::PubTime => *t,
                SortField::ImageUseTime => g.image_use_time,
                SortField::Favorites => g.favorites_count,
            };
            let by = key(ta, a).cmp(&key(tb, b));
            let by = if asc { by } else { by.reverse() };
            by.then_with(|| a.group_id.cmp(&b.group_id))
        });
        out.into_iter().map(|(_, g)| g).collect()
    }

    /// CreateCompShareImageFavorite (`on`) and DeleteCompShareImageFavorite:
    /// 230 on `GroupId` for a group that does not exist; favouring a
    /// favourite or unfavouring a group that is not one changes nothing and
    /// succeeds. Returns whether anything changed.
    pub fn set_favorite(
        &mut self,
        account_id: &str,
        group_id: &str,
        on: bool,
    ) -> Result<bool, ApiError> {
        if self.group_owner(group_id).is_none() {
            return Err(not_available("GroupId"));
        }
        let changed = if on {
            self.favorites
                .entry(account_id.to_owned())
                .or_default()
                .insert(group_id.to_owned())
        } else {
            let set = self.favorites.get_mut(account_id);
            let removed = set.is_some_and(|s| s.remove(group_id));
            if self
                .favorites
                .get(account_id)
                .is_some_and(BTreeSet::is_empty)
            {
                self.favorites.remove(account_id);
            }
            removed
        };
        Ok(changed)
    }

    /// The groups an account favours.
    pub fn favorites_of(&self, account_id: &str) -> Option<&BTreeSet<String>> {
        self.favorites.get(account_id)
    }

    /// The GPU types a published version declares (`SupportedGpuTypes`).
    pub fn supported_gpu_types(&self, image_id: &str) -> &[String] {
        self.supported_gpu_types
            .get(image_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;
    use crate::state::Publication;

    const DEFAULT: &str = "56000001";
    const SECOND: &str = "56000002";
    const GROUP: &str = "group-sdwebui0grp1";

    fn state() -> State {
        let mut s = Fixtures::builtin().state();
        s.clock.freeze();
        s
    }

    fn ids(groups: &[CompshareImageGroup]) -> Vec<&str> {
        groups.iter().map(|g| g.group_id.as_str()).collect()
    }

    #[test]
    fn the_fixtures_hold_a_group_of_two_versions_newest_first() {
        let s = state();
        let all = s.community_groups(DEFAULT, Scope::Public, &GroupQuery::default());
        let g = all.iter().find(|g| g.group_id == GROUP).unwrap();
        assert_eq!(g.data.len(), 2);
        assert!(g.data[0].pub_time > g.data[1].pub_time);
        assert_eq!(g.image_name, g.data[0].name);
        assert_eq!(g.status, "Available");
        assert_eq!(s.group_owner(GROUP).as_deref(), Some(SECOND));
    }

    #[test]
    fn filters_pick_versions_and_drop_groups_with_none() {
        let s = state();
        let q = |f: fn(&mut GroupQuery)| {
            let mut q = GroupQuery::default();
            f(&mut q);
            s.community_groups(DEFAULT, Scope::Public, &q)
        };
        let free = q(|q| q.is_free = Some(true));
        assert!(free
            .iter()
            .all(|g| g.data.iter().all(|v| v.price == 0.0) && !g.data.is_empty()));
        let paid = q(|q| q.is_free = Some(false));
        assert!(paid.iter().all(|g| g.data.iter().all(|v| v.price > 0.0)));
        assert!(!free.is_empty() && !paid.is_empty());
        let fuzzy = q(|q| q.fuzzy = Some("SECOND".into()));
        assert_eq!(ids(&fuzzy), [GROUP]);
        let none = q(|q| q.tags = vec!["AIGC".into(), "no-such-tag".into()]);
        assert!(none.is_empty());
        let one = q(|q| q.group_id = Some(GROUP.into()));
        assert_eq!(ids(&one), [GROUP]);
    }

    #[test]
    fn sorting_follows_the_sort_condition_and_breaks_ties_by_group_id() {
        let mut s = state();
        s.set_favorite(DEFAULT, GROUP, true).unwrap();
        let by = |field, asc| {
            let q = GroupQuery {
                sort: Some((field, asc)),
                ..GroupQuery::default()
            };
            s.community_groups(DEFAULT, Scope::Public, &q)
                .into_iter()
                .map(|g| g.group_id)
                .collect::<Vec<_>>()
        };
        let most_favoured = by(SortField::Favorites, false);
        assert_eq!(most_favoured[0], GROUP);
        let mut reversed = by(SortField::Favorites, true);
        reversed.reverse();
        assert_eq!(reversed[0], GROUP);
        let newest = by(SortField::PubTime, false);
        let mut oldest = by(SortField::PubTime, true);
        oldest.reverse();
        assert_eq!(newest, oldest);
    }

    #[test]
    fn favourites_are_per_account_idempotent_and_refused_for_unknown_groups() {
        let mut s = state();
        assert!(s.set_favorite(DEFAULT, GROUP, true).unwrap());
        assert!(!s.set_favorite(DEFAULT, GROUP, true).unwrap());
        assert!(s.set_favorite(SECOND, GROUP, true).unwrap());
        assert_eq!(s.favorites_count(GROUP), 2);
        let seen = |s: &State, who: &str| {
            s.community_groups(who, Scope::Public, &GroupQuery::default())
                .into_iter()
                .find(|g| g.group_id == GROUP)
                .unwrap()
        };
        let g = seen(&s, DEFAULT);
        assert!(g.is_favorite && g.favorites_count == 2);
        assert!(g.data.iter().all(|v| v.favorites_count == 2));
        assert!(s.set_favorite(DEFAULT, GROUP, false).unwrap());
        assert!(!s.set_favorite(DEFAULT, GROUP, false).unwrap());
        let g = seen(&s, DEFAULT);
        assert!(!g.is_favorite && g.favorites_count == 1);
        assert!(seen(&s, SECOND).is_favorite);
        let before = s.snapshot().favorites;
        assert_eq!(
            s.set_favorite(DEFAULT, "group-nope", true).unwrap_err(),
            ApiError::ParamsNotAvailable("GroupId".into())
        );
        assert_eq!(s.snapshot().favorites, before);
    }

    #[test]
    fn publishing_adds_a_version_to_an_own_group_or_starts_a_new_one() {
        let mut s = state();
        let second = (*s.accounts()[1]).clone();
        let me = (*s.accounts()[0]).clone();
        let src = "compshareImage-fwev8nf1mg93";
        let v = s
            .publish_image(
                &second,
                src,
                Publication {
                    group_id: Some(GROUP.into()),
                    version_name: "v3.0".into(),
                    version_desc: "third".into(),
                    supported_gpu_types: vec!["4090".into()],
                    ..Publication::default()
                },
            )
            .unwrap();
        let versions = s.group_versions(GROUP);
        assert_eq!(versions.len(), 3);
        assert_eq!(versions[0].comp_share_image_id, v);
        assert_eq!(
            (
                versions[0].version_name.as_str(),
                versions[0].version_desc.as_str()
            ),
            ("v3.0", "third")
        );
        assert_eq!(s.supported_gpu_types(&v), ["4090"]);
        // The same version name twice in a group is refused, and so is
        // another account's group; nothing changes.
        let before = s.images.len();
        let again = Publication {
            group_id: Some(GROUP.into()),
            version_name: "v3.0".into(),
            ..Publication::default()
        };
        let err = s.publish_image(&second, src, again).unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("VersionName".into()));
        let theirs = Publication {
            group_id: Some(GROUP.into()),
            version_name: "v9".into(),
            ..Publication::default()
        };
        let err = s
            .publish_image(&me, "compshareImage-xxxx", theirs)
            .unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("GroupId".into()));
        assert_eq!(s.images.len(), before);
        // Without a group: a new one, of the publisher.
        let fresh = s
            .publish_image(&me, "compshareImage-xxxx", Publication::default())
            .unwrap();
        let group = s.images.get(&fresh).unwrap().image().group_id;
        assert!(group.starts_with("group-") && group != GROUP, "{group}");
        assert_eq!(s.group_owner(&group).as_deref(), Some(DEFAULT));
        let own = s.community_groups(DEFAULT, Scope::OwnedBy(DEFAULT), &GroupQuery::default());
        assert!(ids(&own).contains(&group.as_str()));
    }

    #[test]
    fn own_listings_show_every_status_public_ones_only_available_public_versions() {
        let mut s = state();
        let hidden = s.group_versions(GROUP)[0].comp_share_image_id.clone();
        s.images.update(&hidden, |v| v.status = "Reviewing".into());
        let public = s.community_groups(DEFAULT, Scope::Public, &GroupQuery::default());
        let g = public.iter().find(|g| g.group_id == GROUP).unwrap();
        assert_eq!(g.data.len(), 1);
        let by_user =
            s.community_groups(DEFAULT, Scope::PublishedBy(SECOND), &GroupQuery::default());
        assert_eq!(by_user[0].data.len(), 1);
        let own = s.community_groups(SECOND, Scope::OwnedBy(SECOND), &GroupQuery::default());
        let g = own.iter().find(|g| g.group_id == GROUP).unwrap();
        assert_eq!(g.data.len(), 2);
        assert!(s
            .community_groups(DEFAULT, Scope::OwnedBy(SECOND), &GroupQuery::default())
            .iter()
            .all(|g| g.group_id == GROUP));
        assert!(s
            .community_groups(SECOND, Scope::OwnedBy(DEFAULT), &GroupQuery::default())
            .iter()
            .all(|g| g.group_id != GROUP));
    }

    #[test]
    fn an_update_applies_every_field_and_a_refused_one_changes_nothing() {
        let mut s = state();
        let id = "compshareImage-xxxx";
        let u = crate::state::ImageUpdate {
            name: Some("renamed".into()),
            price: Some(0.75),
            version_name: Some("v2".into()),
            version_desc: Some("second".into()),
            supported_gpu_types: Some(vec!["4090".into(), "5090".into()]),
            auto_start: Some(true),
            visibility: Some(1),
            tags: Some(vec!["t".into()]),
            ..Default::default()
        };
        s.update_image(DEFAULT, id, u).unwrap();
        let img = s.images.get(id).unwrap().image();
        assert_eq!(
            (
                img.name.as_str(),
                img.price,
                img.image_charge,
                img.version_name.as_str()
            ),
            ("renamed", 0.75, true, "v2")
        );
        assert_eq!(
            (img.version_desc.as_str(), img.auto_start, img.visibility),
            ("second", true, 1)
        );
        assert_eq!(s.supported_gpu_types(id), ["4090", "5090"]);
        // A custom image is in no group: GroupId is refused, and nothing
        // else of the same call is applied.
        let before = serde_json::to_value(s.snapshot()).unwrap();
        let refused = crate::state::ImageUpdate {
            name: Some("not applied".into()),
            group_id: Some(GROUP.into()),
            ..Default::default()
        };
        let err = s.update_image(DEFAULT, id, refused).unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("GroupId".into()));
        assert_eq!(serde_json::to_value(s.snapshot()).unwrap(), before);
    }

    #[test]
    fn a_version_moves_between_own_groups_but_never_leaves_one_empty() {
        let mut s = state();
        let second = (*s.accounts()[1]).clone();
        let src = "compshareImage-fwev8nf1mg93";
        let first = Publication {
            version_name: "v9".into(),
            ..Publication::default()
        };
        let lone = s.publish_image(&second, src, first).unwrap();
        let new_group = s.images.get(&lone).unwrap().image().group_id;
        let move_to = |g: &str| crate::state::ImageUpdate {
            group_id: Some(g.into()),
            ..Default::default()
        };
        // The only version of its group cannot leave it.
        let err = s.update_image(SECOND, &lone, move_to(GROUP)).unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("GroupId".into()));
        // A version of the two-version group can move to the new group.
        let v = s.group_versions(GROUP)[0].comp_share_image_id.clone();
        s.update_image(SECOND, &v, move_to(&new_group)).unwrap();
        assert_eq!(s.group_versions(&new_group).len(), 2);
        assert_eq!(s.group_versions(GROUP).len(), 1);
        // Another account's version, or a group of another account: 230.
        let err = s.update_image(DEFAULT, &v, move_to(GROUP)).unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("CompShareImageId".into()));
        let err = s
            .update_image(SECOND, &v, move_to("group-llamafac0grp"))
            .unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("GroupId".into()));
        // A version name already in the group: 230.
        let rename = crate::state::ImageUpdate {
            version_name: Some("v9".into()),
            ..Default::default()
        };
        let err = s.update_image(SECOND, &v, rename).unwrap_err();
        assert_eq!(err, ApiError::ParamsNotAvailable("VersionName".into()));
    }
}
