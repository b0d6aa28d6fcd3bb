//! Valid parameters for any catalogue action, built from the catalogue's
//! types and the built-in fixtures: ids name resources that exist, in the
//! state the action needs (a stopped instance to start, an Available custom
//! image to copy), so one table serves every whole-catalogue test.

use compshare_protocol::catalogue::{Catalogue, Field, Type};

/// The built-in fixtures' running instance of the default account.
pub const RUNNING_INSTANCE: &str = "uhost-demo0run";
/// The built-in fixtures' stopped instance of the default account.
pub const STOPPED_INSTANCE: &str = "uhost-demo0stp";
/// The seed's custom image of the default account (Available).
pub const CUSTOM_IMAGE: &str = "compshareImage-xxxx";
/// The platform image the official examples create instances from.
pub const PLATFORM_IMAGE: &str = "compshareImage-165jmhx19ik7";
/// The built-in fixtures' Available data disk of the default account.
pub const AVAILABLE_DISK: &str = "udisk-demo0avl";
/// The built-in fixtures' data disk attached to the stopped instance.
pub const ATTACHED_DISK: &str = "udisk-demo0use";
/// The built-in fixtures' community version group (of the second account).
pub const COMMUNITY_GROUP: &str = "group-sdwebui0grp1";
/// The built-in fixtures' CFS, mounted on the Stopped container instance.
pub const FIXTURE_CFS: &str = "cfs-demo0pod";
/// The built-in fixtures' Stopped `cpod-` instance of the container zone.
pub const POD_INSTANCE: &str = "cpod-demo0pod";
/// The container zone and its region, where the CFS actions are called.
pub const POD_ZONE: (&str, &str) = ("cn-sh2", "cn-sh2-01");
/// The built-in fixtures' share bandwidth of the default account, in
/// [`SHARE_BANDWIDTH_ZONE`] (the default zone has none, so one can be
/// created there).
pub const SHARE_BANDWIDTH: &str = "bwshare-demo0bj2";
/// The region and zone of [`SHARE_BANDWIDTH`].
pub const SHARE_BANDWIDTH_ZONE: (&str, &str) = ("cn-bj2", "cn-bj2-02");
/// The second account's id, for sharing.
pub const SECOND_ACCOUNT: &str = "56000002";
/// The third account's id (in no team), for invitations.
pub const THIRD_ACCOUNT: &str = "56000003";
/// The built-in default account's team, with the second account in it.
pub const TEAM: &str = "100001";
/// The second account's virtual account in [`TEAM`].
pub const TEAM_MEMBER: &str = "300001";
/// The second account's team, which invited the default account.
pub const INVITING_TEAM: &str = "100002";
/// The default account's team with no member (one it can delete).
pub const EMPTY_TEAM: &str = "100003";

/// A value for one scalar parameter of `action`, named `leaf`.
pub fn sample(action: &str, leaf: &str, ty: &Type) -> String {
    let custom_image_action = action.contains("CustomImage")
        || action.contains("ImageShare")
        || action.contains("ImageCreateProgress")
        || action == "UpdateCompShareImage"
        || action == "PublishCompShareImage";
    match leaf {
        "CfsId" | "CFSId" => FIXTURE_CFS.into(),
        "Size" if action.contains("CFS") => "300".into(),
        "UHostId" if action == "DetachCFS" => POD_INSTANCE.into(),
        "UHostId" => match action {
            "StartCompShareInstance"
            | "ResetCompShareInstancePassword"
            | "ReinstallCompShareInstance"
            | "ResizeCompShareInstance"
            | "DetachCompshareDisk"
            | "GetCompShareAttachedDiskUpgradePrice" => STOPPED_INSTANCE.into(),
            _ => RUNNING_INSTANCE.into(),
        },
        "UHostIds" => RUNNING_INSTANCE.into(),
        "UDiskId" => match action {
            "AttachCompshareDisk" | "DeleteCompshareDisk" => AVAILABLE_DISK.into(),
            _ => ATTACHED_DISK.into(),
        },
        "DiskId" => ATTACHED_DISK.into(),
        "DiskSpace" => "300".into(),
        "Size" if action.contains("Disk") => "300".into(),
        "DiskType" => "SSDDataDisk".into(),
        // 2100-01-01: a scheduled shutdown must lie ahead.
        "StopTime" | "SchedulerStopTime" => "4102444800".into(),
        "CompShareImageId" if custom_image_action => CUSTOM_IMAGE.into(),
        "CompShareImageId" => PLATFORM_IMAGE.into(),
        "AddAccounts" | "RemoveAccounts" => SECOND_ACCOUNT.into(),
        "GroupId" if action.contains("Favorite") => COMMUNITY_GROUP.into(),
        "GpuType" => "4090".into(),
        "MachineType" => "G".into(),
        "MinimalCpuPlatform" => "Auto".into(),
        "ChargeType" if action.contains("ShareBandwidth") => "Month".into(),
        "ChargeType" => "Dynamic".into(),
        "ShareBandwidth" => "100".into(),
        "ShareBandwidthId" => SHARE_BANDWIDTH.into(),
        "TargetScope" => "Public".into(),
        "DestChargeType" => "Month".into(),
        "OccurredAt" => "2026-11-29T10:00:00Z".into(),
        "OperateType" => "AllocateAmount".into(),
        "TeamId" => match action {
            "SetCompShareTeamRelation" => INVITING_TEAM.into(),
            "DeleteCompShareTeam" => EMPTY_TEAM.into(),
            _ => TEAM.into(),
        },
        "VirtualCompanyId" => TEAM_MEMBER.into(),
        "UserCompanyId" => THIRD_ACCOUNT.into(),
        "Status" if action == "SetCompShareTeamRelation" => "Agree".into(),
        "Type" if action == "CheckCompShareResourceCapacity" => "CLOUD_SSD".into(),
        "Size" if action == "CheckCompShareResourceCapacity" => "100".into(),
        "Memory" => "65536".into(),
        "CPU" => "16".into(),
        _ => match ty {
            Type::Integer => "1".into(),
            Type::Number => "1.5".into(),
            Type::Boolean => "true".into(),
            _ => format!("test-{leaf}"),
        },
    }
}

/// The flat wire pairs of one parameter: an array as its first element
/// `Name.0`, an object as every field of its model `Name.Field`.
pub fn pairs_of(
    action: &str,
    name: &str,
    leaf: &str,
    ty: &Type,
    depth: usize,
) -> Vec<(String, String)> {
    let c = Catalogue::get();
    match ty {
        Type::Array(inner) => pairs_of(action, &format!("{name}.0"), leaf, inner, depth),
        Type::Ref(model) if depth < 4 => c.models[model]
            .iter()
            .flat_map(|f| {
                pairs_of(
                    action,
                    &format!("{name}.{}", f.name),
                    &f.name,
                    &f.ty,
                    depth + 1,
                )
            })
            .collect(),
        Type::Ref(_) => Vec::new(),
        scalar => vec![(name.to_owned(), sample(action, leaf, scalar))],
    }
}

/// The required parameters of `action` (Region and Zone set to the given
/// ones whenever the action takes them), as flat wire pairs.
pub fn required_params(
    action: &str,
    request: &[Field],
    region: &str,
    zone: &str,
) -> Vec<(String, String)> {
    let (region, zone) = if action.contains("CFS") {
        POD_ZONE
    } else {
        (region, zone)
    };
    let mut out = Vec::new();
    // An action on the share bandwidth goes to the zone it is in.
    let (region, zone) = if request.iter().any(|f| f.name == "ShareBandwidthId") {
        SHARE_BANDWIDTH_ZONE
    } else {
        (region, zone)
    };
    for f in request {
        match f.name.as_str() {
            "Region" => out.push((f.name.clone(), region.to_owned())),
            "Zone" => out.push((f.name.clone(), zone.to_owned())),
            _ if f.required => out.extend(pairs_of(action, &f.name, &f.name, &f.ty, 0)),
            _ => {}
        }
    }
    out
}

/// The pairs without one parameter (and its flattened children).
pub fn without(params: &[(String, String)], name: &str) -> Vec<(String, String)> {
    let prefix = format!("{name}.");
    params
        .iter()
        .filter(|(k, _)| k != name && !k.starts_with(&prefix))
        .cloned()
        .collect()
}
