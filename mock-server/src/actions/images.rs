//! Image actions: the caller's custom images and their lifecycle, platform
//! images, sharing and the community.

use std::sync::Arc;

use super::{int, page, read_state, str_or, write_state, Answer, Ctx};
use crate::error::ApiError;
use crate::state::images::Software;
use crate::state::{
    CompShareImage, CompshareImageGroup, GroupQuery, ImageUpdate, Page, Publication, Scope,
    SortField, StoredImage,
};
use compshare_protocol::params::Params;

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

fn image_id(params: &Params) -> &str {
    str_or(params, "CompShareImageId", "")
}

fn paged<'a>(all: &'a [&'a Arc<StoredImage>], page: Page) -> &'a [&'a Arc<StoredImage>] {
    let start = page.offset.min(all.len());
    let end = start.saturating_add(page.limit).min(all.len());
    &all[start..end]
}

/// The image filters of the listing actions, each applied when given and
/// named in `filters` (the action's own parameters; others are ignored):
/// `ImageType`, `Name` (substring), `Author`, `Tag`, `CompShareImageId`.
fn matches_filters(params: &Params, filters: &[&str], i: &CompShareImage) -> bool {
    let given = |name: &str, test: &dyn Fn(&str) -> bool| {
        !filters.contains(&name) || params.get(name).is_none_or(test)
    };
    given("ImageType", &|t| i.image_type == t)
        && given("Name", &|n| i.name.contains(n))
        && given("Author", &|a| i.author == a)
        && given("Tag", &|t| i.tags.iter().any(|x| x == t))
        && given("CompShareImageId", &|id| i.comp_share_image_id == id)
}

/// The images of `list` that pass [`matches_filters`]; an image is decoded
/// from its JSON only when one of `filters` is given.
fn filtered<'a>(
    list: &'a [Arc<StoredImage>],
    params: &Params,
    filters: &[&str],
) -> Vec<&'a Arc<StoredImage>> {
    let filtering = filters.iter().any(|f| params.get(f).is_some());
    list.iter()
        .filter(|stored| !filtering || matches_filters(params, filters, &stored.image()))
        .collect()
}

/// DescribeCompShareCustomImages: the caller's custom images, newest first
/// (then by id), optionally only the one of `CompShareImageId`, paged.
pub fn describe_comp_share_custom_images(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let state = read_state(ctx);
    let listing = state.images.custom_of(
        &ctx.account.account_id,
        params.get("CompShareImageId"),
        page,
    );
    let size = listing
        .items
        .iter()
        .map(|i| i.json().len() + 1)
        .sum::<usize>();
    Ok(Answer::with_capacity(size + 64)
        .field("TotalCount", &listing.total)
        .rendered_list("ImageSet", listing.items))
}

fn software_param(params: &Params) -> Option<Software> {
    if !params.has("Softwares") {
        return None;
    }
    Some(Software {
        applications: params
            .array("Softwares.Application")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        cuda_version: str_or(params, "Softwares.CUDAVersion", "").to_owned(),
        framework: str_or(params, "Softwares.Framework", "").to_owned(),
        framework_version: str_or(params, "Softwares.FrameworkVersion", "").to_owned(),
    })
}

/// CreateCompShareCustomImage: from one of the caller's Running or Stopped
/// instances; the image starts `Making`.
pub fn create_comp_share_custom_image(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let name = str_or(params, "Name", "");
    if name.chars().count() > 64 {
        return Err(not_available("Name"));
    }
    let id = write_state(ctx).create_custom_image(
        ctx.account,
        str_or(params, "UHostId", ""),
        name,
        str_or(params, "Description", ""),
        software_param(params),
    )?;
    Ok(Answer::new().field("CompShareImageId", &id))
}

/// GetCompShareImageCreateProgress: `Process` in percent, durations in
/// seconds; `Status` (`Making`, then `Available`) and `Progress` (the same
/// percent) are what the official CLI reads.
pub fn get_comp_share_image_create_progress(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let (done, remaining, total) =
        read_state(ctx).image_progress(&ctx.account.account_id, image_id(params))?;
    let status = if done >= 100.0 { "Available" } else { "Making" };
    Ok(Answer::new()
        .field("Process", &done)
        .field("RemainingDuration", &remaining.to_string())
        .field("TotalDuration", &total.to_string())
        .field("Status", &status)
        .field("Progress", &done))
}

/// CopyCompShareCustomImage: a new `Making` image from an Available one.
pub fn copy_comp_share_custom_image(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = write_state(ctx).copy_custom_image(
        ctx.account,
        image_id(params),
        str_or(params, "TargetImageName", ""),
    )?;
    Ok(Answer::new().field("NewCompShareImageId", &id))
}

/// The longest `Name` and `VersionName` (the mock's choice, as for
/// CreateCompShareCustomImage's `Name`).
const MAX_NAME_CHARS: usize = 64;

/// A string parameter of at most [`MAX_NAME_CHARS`] characters (230 if longer).
fn short(params: &Params, name: &str) -> Result<Option<String>, ApiError> {
    match params.get(name) {
        Some(v) if v.chars().count() > MAX_NAME_CHARS => Err(not_available(name)),
        v => Ok(v.map(str::to_owned)),
    }
}

/// A list of strings, `Name.N` or a bare `Name` read as one item.
fn strings(params: &Params, name: &str) -> Vec<String> {
    let mut v: Vec<String> = params.array(name).into_iter().map(str::to_owned).collect();
    v.extend(params.get(name).map(str::to_owned));
    v
}

/// A boolean parameter, `true` or `false` (230 otherwise).
fn boolean(params: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match params.get(name) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(not_available(name)),
    }
}

/// UpdateCompShareImage: every field it takes, checked first, then applied
/// together: `Name`, `Description`, `Cover`, `Readme`, `Tags`,
/// `Visibility` (0 or 1), `Framework`, `Softwares` (the `Software` model
/// as JSON), `Price` (≥ 0), `VersionName`, `VersionDesc`,
/// `SupportedGpuTypes`, `AutoStart` and `GroupId` (moves a community
/// version to another group of the caller).
pub fn update_comp_share_image(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let visibility = int(params, "Visibility")?;
    if visibility.is_some_and(|v| !(0..=1).contains(&v)) {
        return Err(not_available("Visibility"));
    }
    let price = params
        .get("Price")
        .map(|p| {
            p.parse::<f64>()
                .ok()
                .filter(|p| p.is_finite() && *p >= 0.0)
                .ok_or_else(|| not_available("Price"))
        })
        .transpose()?;
    let softwares = params
        .get("Softwares")
        .map(|s| serde_json::from_str::<Software>(s).map_err(|_| not_available("Softwares")))
        .transpose()?;
    let own = |k: &str| params.get(k).map(str::to_owned);
    let update = ImageUpdate {
        cover: own("Cover"),
        description: own("Description"),
        framework: own("Framework"),
        readme: own("Readme"),
        softwares,
        tags: params.has("Tags").then(|| strings(params, "Tags")),
        visibility,
        name: short(params, "Name")?,
        price,
        version_name: short(params, "VersionName")?,
        version_desc: own("VersionDesc"),
        supported_gpu_types: params
            .has("SupportedGpuTypes")
            .then(|| strings(params, "SupportedGpuTypes")),
        auto_start: boolean(params, "AutoStart")?,
        group_id: own("GroupId"),
    };
    write_state(ctx).update_image(&ctx.account.account_id, image_id(params), update)?;
    Ok(Answer::new())
}

/// TerminateCompShareCustomImage.
pub fn terminate_comp_share_custom_image(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    write_state(ctx).terminate_custom_image(&ctx.account.account_id, image_id(params))?;
    Ok(Answer::new())
}

/// DescribeCompShareImages: platform images, filtered by `ImageType`,
/// `Name` (substring), `Author`, `Tag` and `CompShareImageId`, from
/// `Offset`; `Limit` pages only with `ImageType` (without it the gateway
/// refuses `Limit` with 230: `validate::refused_params`).
pub fn describe_comp_share_images(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let limit = if params.has("Limit") {
        page.limit
    } else {
        usize::MAX
    };
    let offset = page.offset;
    let state = read_state(ctx);
    let matches = filtered(
        state.images.platform(),
        params,
        &["ImageType", "Name", "Author", "Tag", "CompShareImageId"],
    );
    let items = paged(&matches, Page { offset, limit });
    Ok(Answer::new()
        .field("TotalCount", &matches.len())
        .rendered_list("ImageSet", items))
}

/// DescribeCompShareImageTags: the tags of the platform images, sorted.
pub fn describe_comp_share_image_tags(ctx: &Ctx<'_>, _params: &Params) -> Result<Answer, ApiError> {
    let state = read_state(ctx);
    let mut tags: Vec<String> = state
        .images
        .platform()
        .iter()
        .flat_map(|i| i.image().tags)
        .collect();
    tags.sort_unstable();
    tags.dedup();
    Ok(Answer::new().field("Tags", &tags))
}

/// DescribeCompShareImageShareAccounts: who the caller's image is shared with.
pub fn describe_comp_share_image_share_accounts(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let set = read_state(ctx).share_accounts(&ctx.account.account_id, image_id(params))?;
    Ok(Answer::new().field("AccountSet", &set))
}

/// ModifyCompShareImageShareAccount: `AddAccounts` / `RemoveAccounts` by
/// numeric account id; ids naming no other account come back in
/// `InvalidAccounts` and change nothing.
pub fn modify_comp_share_image_share_account(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let ids = |name: &str| -> Result<Vec<i64>, ApiError> {
        params
            .array(name)
            .into_iter()
            .map(|v| v.parse::<i64>().map_err(|_| not_available(name)))
            .collect()
    };
    let (add, remove) = (ids("AddAccounts")?, ids("RemoveAccounts")?);
    let invalid =
        write_state(ctx).modify_shares(&ctx.account.account_id, image_id(params), &add, &remove)?;
    Ok(Answer::new().field("InvalidAccounts", &invalid))
}

/// DescribeCompShareSharingImages: images other accounts share with the caller.
pub fn describe_comp_share_sharing_images(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let state = read_state(ctx);
    let all = state.shared_with(&ctx.account.account_id, params.get("CompShareImageId"));
    Ok(Answer::new()
        .field("TotalCount", &all.len())
        .rendered_list("ImageSet", paged(&all, page)))
}

/// PublishCompShareImage: an Available image of the caller becomes a public
/// community image at `Price` per hour: a new version of the caller's group
/// `GroupId`, or the first version of a new group.
pub fn publish_comp_share_image(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let price = params
        .get("Price")
        .and_then(|p| p.parse::<f64>().ok())
        .filter(|p| p.is_finite() && *p >= 0.0)
        .ok_or_else(|| not_available("Price"))?;
    let publication = Publication {
        price,
        name: str_or(params, "CommunityImageName", "").to_owned(),
        description: str_or(params, "Description", "").to_owned(),
        readme: str_or(params, "Readme", "").to_owned(),
        cover: str_or(params, "Cover", "").to_owned(),
        tags: params
            .array("Tags")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        auto_start: params.get("AutoStart") == Some("true"),
        group_id: params.get("GroupId").map(str::to_owned),
        version_name: short(params, "VersionName")?.unwrap_or_default(),
        version_desc: str_or(params, "VersionDesc", "").to_owned(),
        supported_gpu_types: strings(params, "SupportedGpuTypes"),
    };
    write_state(ctx).publish_image(ctx.account, image_id(params), publication)?;
    Ok(Answer::new())
}

/// The group filters and order of the community listings, read from the
/// parameters named in `filters` (the action's own; others are not read).
fn group_query(params: &Params, filters: &[&str]) -> Result<GroupQuery, ApiError> {
    let takes = |name: &str| filters.contains(&name);
    let text = |name: &str| {
        takes(name)
            .then(|| params.get(name).map(str::to_owned))
            .flatten()
    };
    let flag = |name: &str| -> Result<Option<bool>, ApiError> {
        if takes(name) {
            boolean(params, name)
        } else {
            Ok(None)
        }
    };
    let sort = if takes("SortCondition") && params.has("SortCondition") {
        let field = match params.get("SortCondition.Field") {
            None => SortField::PubTime,
            Some(f) => SortField::parse(f).ok_or_else(|| not_available("SortCondition"))?,
        };
        let asc = match params.get("SortCondition.ASC").map(str::to_ascii_lowercase) {
            None => false,
            Some(a) if a == "true" || a == "1" => true,
            Some(a) if a == "false" || a == "0" => false,
            Some(_) => return Err(not_available("SortCondition")),
        };
        Some((field, asc))
    } else {
        None
    };
    Ok(GroupQuery {
        group_id: text("GroupId"),
        image_id: text("CompShareImageId"),
        name: text("Name"),
        author: text("Author"),
        fuzzy: text("FuzzySearch"),
        tags: if takes("Tag") {
            strings(params, "Tag")
        } else {
            Vec::new()
        },
        is_free: flag("IsFree")?,
        is_official: flag("IsOfficial")?,
        auto_start: flag("IfAutoStart")?,
        sort,
    })
}

/// Every group filter: DescribeCommunityImages and DescribeSelfCommunityImages take them all.
const GROUP_FILTERS: &[&str] = &[
    "GroupId",
    "CompShareImageId",
    "Name",
    "Author",
    "FuzzySearch",
    "Tag",
    "IsFree",
    "IsOfficial",
    "IfAutoStart",
    "SortCondition",
];

/// The page of `groups`, and how many of them are `Available`.
fn group_page(groups: &[CompshareImageGroup], page: Page) -> (&[CompshareImageGroup], usize) {
    let start = page.offset.min(groups.len());
    let end = start.saturating_add(page.limit).min(groups.len());
    let available = groups.iter().filter(|g| g.status == "Available").count();
    (&groups[start..end], available)
}

/// DescribeCommunityImages: the community's version groups
/// (`CompshareImageGroup`, each with its matching public versions in
/// `Data`), filtered and sorted, paged over groups; `ImageSet` holds the
/// versions of the page's groups, in order.
pub fn describe_community_images(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let query = group_query(params, GROUP_FILTERS)?;
    let groups = read_state(ctx).community_groups(&ctx.account.account_id, Scope::Public, &query);
    let (items, available) = group_page(&groups, page);
    let versions: Vec<&CompShareImage> = items.iter().flat_map(|g| &g.data).collect();
    Ok(Answer::new()
        .field("ImageSet", &versions)
        .field("TotalCount", &groups.len())
        .field("AvailableTotalCount", &available)
        .field("CompshareImageGroup", items))
}

/// DescribeSelfCommunityImages: the caller's groups, versions in every
/// status, filtered, sorted and paged as DescribeCommunityImages.
pub fn describe_self_community_images(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let query = group_query(params, GROUP_FILTERS)?;
    let me = ctx.account.account_id.as_str();
    let groups = read_state(ctx).community_groups(me, Scope::OwnedBy(me), &query);
    let (items, available) = group_page(&groups, page);
    Ok(Answer::new()
        .field("AvailableTotalCount", &available)
        .field("CompshareImageGroup", items)
        .field("TotalCount", &groups.len()))
}

/// DescribeUserCommunityImages: the public groups of the account whose
/// `AccountId` is `TargetTopOrganizationId` (the mock has one organisation
/// per account; absent: the caller's), filtered by the catalogue's
/// parameters, sorted and paged as DescribeCommunityImages; an id naming no
/// account has no groups.
pub fn describe_user_community_images(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let target = int(params, "TargetTopOrganizationId")?
        .map(|id| id.to_string())
        .unwrap_or_else(|| ctx.account.account_id.clone());
    let query = group_query(
        params,
        &[
            "CompShareImageId",
            "Name",
            "Author",
            "FuzzySearch",
            "Tag",
            "IsFree",
            "IsOfficial",
            "SortCondition",
        ],
    )?;
    let groups = read_state(ctx).community_groups(
        &ctx.account.account_id,
        Scope::PublishedBy(&target),
        &query,
    );
    let (items, available) = group_page(&groups, page);
    Ok(Answer::new()
        .field("AvailableTotalCount", &available)
        .field("CompshareImageGroup", items)
        .field("TotalCount", &groups.len()))
}

/// CreateCompShareImageFavorite: the caller favours the group `GroupId`
/// (230 when there is no such group; favouring a favourite succeeds and
/// changes nothing).
pub fn create_comp_share_image_favorite(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    write_state(ctx).set_favorite(&ctx.account.account_id, str_or(params, "GroupId", ""), true)?;
    Ok(Answer::new())
}

/// DeleteCompShareImageFavorite: the caller no longer favours the group
/// `GroupId` (230 when there is no such group; a group not favoured
/// succeeds and changes nothing).
pub fn delete_comp_share_image_favorite(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    write_state(ctx).set_favorite(
        &ctx.account.account_id,
        str_or(params, "GroupId", ""),
        false,
    )?;
    Ok(Answer::new())
}
