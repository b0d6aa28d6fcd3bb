//! Data disk actions: list, create and attach, attach, detach, resize,
//! the upgrade price, delete.

use super::{int, read_state, str_or, write_state, Answer, Ctx};
use crate::domain::{
    disk_price_per_gb_month, round2, DATA_DISK_GB, DATA_DISK_TYPES, DISK_CHARGE_TYPES,
    SNAPSHOT_PRICE_PER_GB_MONTH,
};
use crate::error::ApiError;
use crate::state::disks::DiskSpec;
use compshare_protocol::params::Params;

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .ok_or_else(|| ApiError::MissingParams(name.to_owned()))
}

/// DescribeCompshareDisk: the caller's data disks, unpaged, in creation
/// order, filtered by `HostId` (the instance they are on) and `Region`.
pub fn describe_compshare_disk(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let state = read_state(ctx);
    let disks = state.disks_of(
        &ctx.account.account_id,
        params.get("HostId"),
        params.get("Region"),
    );
    let set: Vec<_> = disks.iter().map(|d| d.answer()).collect();
    Ok(Answer::new()
        .field("TotalCount", &set.len())
        .field("DiskSet", &set))
}

/// CreateAndAttachCompshareDisk: a new disk attached to a Running or
/// Stopped instance; answers its `UDiskId`.
pub fn create_and_attach_compshare_disk(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let uhost_id = required(params, "UHostId")?;
    let size = int(params, "Size")?.unwrap_or(0);
    if !(DATA_DISK_GB.0..=DATA_DISK_GB.1).contains(&size) {
        return Err(not_available("Size"));
    }
    let disk_type = str_or(params, "DiskType", "SSDDataDisk");
    // RSSD is for A800 machines, which the mock has not.
    if !DATA_DISK_TYPES.contains(&disk_type) || disk_type == "RSSDDataDisk" {
        return Err(not_available("DiskType"));
    }
    let disk_type = if disk_type == "CLOUD_SSD" {
        "SSDDataDisk"
    } else {
        disk_type
    };
    let charge_type = str_or(params, "ChargeType", "Month");
    if !DISK_CHARGE_TYPES.contains(&charge_type) {
        return Err(not_available("ChargeType"));
    }
    if !(1..=60).contains(&int(params, "Quantity")?.unwrap_or(1)) {
        return Err(not_available("Quantity"));
    }
    let name = str_or(params, "Name", "");
    if name.chars().count() > 64 {
        return Err(not_available("Name"));
    }
    let spec = DiskSpec {
        name: name.to_owned(),
        size,
        disk_type: disk_type.to_owned(),
        charge_type: charge_type.to_owned(),
    };
    let id = write_state(ctx).create_disk(ctx.account, uhost_id, &spec)?;
    Ok(Answer::new().field("UDiskId", &id))
}

/// AttachCompshareDisk: an Available disk to an instance of its zone.
/// `DataDiskType` is passed through to the storage layer, which the mock
/// does not model: it is checked against the disk types and otherwise
/// ignored.
pub fn attach_compshare_disk(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let uhost_id = required(params, "UHostId")?;
    let udisk_id = required(params, "UDiskId")?;
    if let Some(t) = params.get("DataDiskType") {
        if !DATA_DISK_TYPES.contains(&t) {
            return Err(not_available("DataDiskType"));
        }
    }
    write_state(ctx).attach_disk(&ctx.account.account_id, uhost_id, udisk_id)?;
    Ok(Answer::new())
}

/// DetachCompshareDisk: the disk becomes Detaching, then Available.
pub fn detach_compshare_disk(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let uhost_id = required(params, "UHostId")?;
    let udisk_id = required(params, "UDiskId")?;
    write_state(ctx).detach_disk(
        &ctx.account.account_id,
        uhost_id,
        udisk_id,
        params.get("Device"),
    )?;
    Ok(Answer::new())
}

/// ResizeCompShareDisk: a larger size; answers the `UDiskId`.
pub fn resize_comp_share_disk(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let udisk_id = required(params, "UDiskId")?;
    let size = int(params, "Size")?.unwrap_or(0);
    write_state(ctx).resize_disk(
        &ctx.account.account_id,
        udisk_id,
        params.get("UHostId"),
        size,
    )?;
    Ok(Answer::new().field("UDiskId", udisk_id))
}

/// The price detail of a disk upgrade, CNY.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct DiskUpgradePriceDetail {
    snapshot: f64,
    #[serde(rename = "UDisk")]
    udisk: f64,
}

/// GetCompShareAttachedDiskUpgradePrice: what growing a disk of the
/// instance (its own or an attached data disk) to `DiskSpace` GiB costs for
/// a month, CNY: the disk's share and, with `BackupMode` SNAPSHOT or
/// DATAARK, the snapshot service's (domain.rs). List and original prices
/// equal the price: the mock gives no discounts.
pub fn get_comp_share_attached_disk_upgrade_price(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let uhost_id = required(params, "UHostId")?;
    let disk_id = required(params, "DiskId")?;
    let target = int(params, "DiskSpace")?.unwrap_or(0);
    let backup = str_or(params, "BackupMode", "NONE");
    if !["NONE", "DATAARK", "SNAPSHOT"].contains(&backup) {
        return Err(not_available("BackupMode"));
    }
    let (size, disk_type) =
        read_state(ctx).disk_of_instance(&ctx.account.account_id, uhost_id, disk_id)?;
    if target <= size || target > DATA_DISK_GB.1.max(4096) {
        return Err(not_available("DiskSpace"));
    }
    let grown = (target - size) as f64;
    let detail = DiskUpgradePriceDetail {
        udisk: round2(grown * disk_price_per_gb_month(&disk_type)),
        snapshot: if backup == "NONE" {
            0.0
        } else {
            round2(grown * SNAPSHOT_PRICE_PER_GB_MONTH)
        },
    };
    let price = round2(detail.udisk + detail.snapshot);
    Ok(Answer::new()
        .field("ListPrice", &price)
        .field("ListPriceDetail", &detail)
        .field("OriginalPrice", &price)
        .field("OriginalPriceDetail", &detail)
        .field("Price", &price)
        .field("PriceDetail", &detail))
}

/// DeleteCompshareDisk: answers the `UDiskId`; 8434 while it is detaching.
pub fn delete_compshare_disk(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let udisk_id = required(params, "UDiskId")?;
    write_state(ctx).delete_disk(&ctx.account.account_id, udisk_id)?;
    Ok(Answer::new().field("UDiskId", udisk_id))
}
