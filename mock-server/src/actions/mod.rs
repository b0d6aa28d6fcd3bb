//! Action handlers, one module per family. A handler turns parameters into
//! state calls and state results into an [`Answer`]; it never sees HTTP.
//! Actions of the catalogue with no handler answer the fixture set's canned
//! answer when it has one ([`canned`]), else the neutral answer of their
//! response model: every action of the catalogue answers.

pub mod account;
pub mod bandwidth;
pub mod cfs;
pub mod disks;
pub mod images;
pub mod instances;
pub mod teams;

use serde::Serialize;

use crate::canned::{self, CannedAnswers};
use crate::error::ApiError;
use crate::state::{Account, State};
pub use crate::wire::envelope::Answer;
use compshare_protocol::catalogue::{Action, Catalogue};
use compshare_protocol::params::Params;

/// What a handler gets besides the parameters: the calling account and the state.
pub struct Ctx<'a> {
    /// The account the request is signed by.
    pub account: &'a Account,
    /// The state, locked by the caller for the length of the call.
    pub state: &'a std::sync::RwLock<State>,
}

/// A handler: parameters in, answer fields or a RetCode error out.
pub type Handler = fn(&Ctx<'_>, &Params) -> Result<Answer, ApiError>;

/// The handler of an action that has one.
pub fn handler(action: &str) -> Option<Handler> {
    Some(match action {
        "DescribeCompShareCustomImages" => images::describe_comp_share_custom_images,
        "CreateCompShareCustomImage" => images::create_comp_share_custom_image,
        "GetCompShareImageCreateProgress" => images::get_comp_share_image_create_progress,
        "CopyCompShareCustomImage" => images::copy_comp_share_custom_image,
        "UpdateCompShareImage" => images::update_comp_share_image,
        "TerminateCompShareCustomImage" => images::terminate_comp_share_custom_image,
        "DescribeCompShareImages" => images::describe_comp_share_images,
        "DescribeCompShareImageTags" => images::describe_comp_share_image_tags,
        "DescribeCompShareImageShareAccounts" => images::describe_comp_share_image_share_accounts,
        "ModifyCompShareImageShareAccount" => images::modify_comp_share_image_share_account,
        "DescribeCompShareSharingImages" => images::describe_comp_share_sharing_images,
        "PublishCompShareImage" => images::publish_comp_share_image,
        "DescribeCommunityImages" => images::describe_community_images,
        "DescribeSelfCommunityImages" => images::describe_self_community_images,
        "DescribeUserCommunityImages" => images::describe_user_community_images,
        "CreateCompShareImageFavorite" => images::create_comp_share_image_favorite,
        "DeleteCompShareImageFavorite" => images::delete_comp_share_image_favorite,
        "CreateCompShareInstance" => instances::create_comp_share_instance,
        "DescribeCompShareInstance" => instances::describe_comp_share_instance,
        "StartCompShareInstance" => instances::start_comp_share_instance,
        "StopCompShareInstance" => instances::stop_comp_share_instance,
        "RebootCompShareInstance" => instances::reboot_comp_share_instance,
        "TerminateCompShareInstance" => instances::terminate_comp_share_instance,
        "ModifyCompShareInstanceName" => instances::modify_comp_share_instance_name,
        "ResetCompShareInstancePassword" => instances::reset_comp_share_instance_password,
        "ReinstallCompShareInstance" => instances::reinstall_comp_share_instance,
        "GetCompShareInstancePrice" => instances::get_comp_share_instance_price,
        "DescribeCompShareSupportZone" => instances::describe_comp_share_support_zone,
        "GetCompShareInstanceUserPrice" => instances::get_comp_share_instance_user_price,
        "GetCompShareInstanceUpgradePrice" => instances::get_comp_share_instance_upgrade_price,
        "GetCompShareRefundPrice" => instances::get_comp_share_refund_price,
        "UpdateCompShareStopScheduler" => instances::update_comp_share_stop_scheduler,
        "DeleteCompShareStopScheduler" => instances::delete_comp_share_stop_scheduler,
        "SwitchChargeType" => instances::switch_charge_type,
        "ResizeCompShareInstance" => instances::resize_comp_share_instance,
        "UpdateCompShareInstancePorts" => instances::update_comp_share_instance_ports,
        "GetCompShareInstanceMonitor" => instances::get_comp_share_instance_monitor,
        "CheckCompShareResourceCapacity" => instances::check_comp_share_resource_capacity,
        "DescribeAvailableCompShareInstanceTypes" => {
            instances::describe_available_comp_share_instance_types
        }
        "DescribeCompshareDisk" => disks::describe_compshare_disk,
        "CreateAndAttachCompshareDisk" => disks::create_and_attach_compshare_disk,
        "AttachCompshareDisk" => disks::attach_compshare_disk,
        "DetachCompshareDisk" => disks::detach_compshare_disk,
        "ResizeCompShareDisk" => disks::resize_comp_share_disk,
        "GetCompShareAttachedDiskUpgradePrice" => disks::get_comp_share_attached_disk_upgrade_price,
        "DeleteCompshareDisk" => disks::delete_compshare_disk,
        "DescribeCFS" => cfs::describe_cfs,
        "GetCompShareCFSPrice" => cfs::get_comp_share_cfs_price,
        "CreateCFS" => cfs::create_cfs,
        "GetCompShareCFSUpgradePrice" => cfs::get_comp_share_cfs_upgrade_price,
        "ResizeCFS" => cfs::resize_cfs,
        "GetCompShareCFSRefundPrice" => cfs::get_comp_share_cfs_refund_price,
        "DeleteCFS" => cfs::delete_cfs,
        "DetachCFS" => cfs::detach_cfs,
        "AttachUS3" => cfs::attach_us3,
        "DescribeCompShareShareBandwidth" => bandwidth::describe_comp_share_share_bandwidth,
        "GetCompShareShareBandwidthPrice" => bandwidth::get_comp_share_share_bandwidth_price,
        "CreateCompShareShareBandwidth" => bandwidth::create_comp_share_share_bandwidth,
        "GetCompShareShareBandwidthUpgradePrice" => {
            bandwidth::get_comp_share_share_bandwidth_upgrade_price
        }
        "ModifyCompShareShareBandwidth" => bandwidth::modify_comp_share_share_bandwidth,
        "GetCompShareShareBandwidthRefundPrice" => {
            bandwidth::get_comp_share_share_bandwidth_refund_price
        }
        "DeleteCompShareShareBandwidth" => bandwidth::delete_comp_share_share_bandwidth,
        "SwitchCompShareEIPShareBandwidth" => bandwidth::switch_comp_share_eip_share_bandwidth,
        "GetProjectList" => account::get_project_list,
        "CreateCSCLIEvent" => account::create_cscli_event,
        "ListCompShareTeam" => teams::list_comp_share_team,
        "ListCompShareTeamJoined" => teams::list_comp_share_team_joined,
        "ListCompShareTeamInvite" => teams::list_comp_share_team_invite,
        "GetCompShareTeamInfo" => teams::get_comp_share_team_info,
        "CreateCompShareTeam" => teams::create_comp_share_team,
        "UpdateCompShareTeam" => teams::update_comp_share_team,
        "DeleteCompShareTeam" => teams::delete_comp_share_team,
        "CreateCompShareTeamRelation" => teams::create_comp_share_team_relation,
        "SetCompShareTeamRelation" => teams::set_comp_share_team_relation,
        "SetCompShareTeamAmount" => teams::set_comp_share_team_amount,
        "DescribeTeamMemberOrder" => teams::describe_team_member_order,
        "DescribeTeamMemberOrderCount" => teams::describe_team_member_order_count,
        "DescribeTeamMemberUnpaidOrder" => teams::describe_team_member_unpaid_order,
        "DescribeTeamMemberUnpaidOrderCount" => teams::describe_team_member_unpaid_order_count,
        "ListMemberProductType" => teams::list_member_product_type,
        "ListCompShareTeamOperateLog" => teams::list_comp_share_team_operate_log,
        "DownloadTeamOrder" => teams::download_team_order,
        _ => return None,
    })
}

/// How an action is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// Served from the mock's state.
    Stateful,
    /// Answered with the fixture set's canned answer (the neutral answer when
    /// no case matches).
    Canned,
    /// Answered with the neutral answer of its response model.
    Neutral,
}

impl Support {
    /// The name on the wire and in the README: `stateful`, `canned`, `neutral`.
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Stateful => "stateful",
            Support::Canned => "canned",
            Support::Neutral => "neutral",
        }
    }
}

impl std::fmt::Display for Support {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How `action` is served with the canned answers `canned`: a handler wins
/// over a canned answer, which wins over the neutral one.
pub fn support(action: &str, canned: &CannedAnswers) -> Support {
    if handler(action).is_some() {
        Support::Stateful
    } else if canned.contains(action) {
        Support::Canned
    } else {
        Support::Neutral
    }
}

/// Runs the action: its handler, else the canned answer of the first case
/// that matches, else the neutral answer.
pub fn run(
    catalogue: &Catalogue,
    name: &str,
    action: &Action,
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    if let Some(h) = handler(name) {
        return h(ctx, params);
    }
    // A clone of the set is an Arc clone: the lock is not held while answering.
    let canned = crate::sync::read(ctx.state).canned.clone();
    match canned.answer(name, params) {
        Some(answer) => answer,
        None => canned::neutral_answer(catalogue, name, action, params),
    }
}

/// Reads the state, bringing it up to the present first (due transitions
/// applied); a poisoned lock is recovered, as every write is all-or-nothing.
pub fn read_state<'a>(ctx: &'a Ctx<'_>) -> std::sync::RwLockReadGuard<'a, State> {
    {
        let state = crate::sync::read(ctx.state);
        if !state.needs_tick() {
            return state;
        }
    }
    drop(write_state(ctx));
    crate::sync::read(ctx.state)
}

/// Locks the state for writing, bringing it up to the present first.
pub fn write_state<'a>(ctx: &'a Ctx<'_>) -> std::sync::RwLockWriteGuard<'a, State> {
    let mut state = crate::sync::write(ctx.state);
    if state.needs_tick() {
        state.tick();
    }
    state
}

/// A string parameter, or `default` when absent or empty.
pub fn str_or<'a>(params: &'a Params, name: &str, default: &'a str) -> &'a str {
    params.get(name).unwrap_or(default)
}

/// An integer parameter (230 if it is not one).
pub fn int(params: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(name)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::ParamsNotAvailable(name.to_owned()))
        })
        .transpose()
}

pub use crate::paging::page;
