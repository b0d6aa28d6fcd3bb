//! CFS actions: list, price, create, upgrade price, resize, refund price,
//! delete, detach; and AttachUS3, which on a `cpod-` instance attaches CFS
//! and on a `uhost-` instance US3 object storage.

use super::{int, read_state, str_or, write_state, Answer, Ctx};
use crate::domain::{
    cfs_price, is_pod_zone, round2, CFS_CHARGE_TYPES, CFS_GB, CFS_PRICE_PER_GB_MONTH,
};
use crate::error::ApiError;
use crate::state::cfs::CfsSpec;
use compshare_protocol::params::Params;

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .ok_or_else(|| ApiError::MissingParams(name.to_owned()))
}

/// Size, charge type and quantity of a purchase, range-checked.
fn purchase(params: &Params) -> Result<(i64, &str, i64), ApiError> {
    let size = int(params, "Size")?.unwrap_or(0);
    if !(CFS_GB.0..=CFS_GB.1).contains(&size) {
        return Err(not_available("Size"));
    }
    let charge = str_or(params, "ChargeType", "Month");
    if !CFS_CHARGE_TYPES.contains(&charge) {
        return Err(not_available("ChargeType"));
    }
    let quantity = int(params, "Quantity")?.unwrap_or(1);
    if !(1..=60).contains(&quantity) {
        return Err(not_available("Quantity"));
    }
    Ok((size, charge, quantity))
}

/// A container zone named by `Zone` (230 otherwise).
fn pod_zone(params: &Params) -> Result<&str, ApiError> {
    let zone = required(params, "Zone")?;
    if !is_pod_zone(zone) {
        return Err(not_available("Zone"));
    }
    Ok(zone)
}

/// The price of a CFS purchase, CNY.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct CfsPriceDetail<'a> {
    charge_type: &'a str,
    quantity: i64,
    price: f64,
    original_price: f64,
}

/// DescribeCFS: the caller's CFS, unpaged, in creation order, filtered by
/// `CfsId`, `Zone` and `Region`.
pub fn describe_cfs(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let state = read_state(ctx);
    let list = state.cfs_of(
        &ctx.account.account_id,
        params.get("CfsId"),
        params.get("Zone"),
        params.get("Region"),
    );
    let set: Vec<_> = list.iter().map(|c| c.answer()).collect();
    Ok(Answer::new()
        .field("TotalCount", &set.len())
        .field("CFSSet", &set))
}

/// GetCompShareCFSPrice: what `Size` GiB cost for `Quantity` periods of
/// `ChargeType` in a container zone (domain.rs), in `PriceDetails`.
pub fn get_comp_share_cfs_price(_ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    pod_zone(params)?;
    let (size, charge, quantity) = purchase(params)?;
    let price = cfs_price(size, charge, quantity);
    let detail = [CfsPriceDetail {
        charge_type: charge,
        quantity,
        price,
        original_price: price,
    }];
    Ok(Answer::new().field("PriceDetails", &detail))
}

/// CreateCFS: a new CFS in a container zone; answers its `CfsId`.
pub fn create_cfs(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let zone = pod_zone(params)?;
    let (size, charge, quantity) = purchase(params)?;
    let name = required(params, "Name")?;
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(not_available("Name"));
    }
    let spec = CfsSpec {
        name: name.to_owned(),
        zone: zone.to_owned(),
        size,
        charge_type: charge.to_owned(),
        quantity,
    };
    let id = write_state(ctx).create_cfs(ctx.account, &spec)?;
    Ok(Answer::new().field("CfsId", &id))
}

/// GetCompShareCFSUpgradePrice: what growing the CFS to `Size` GiB (the
/// target, not an increment) costs for a month, CNY, in `Price`.
pub fn get_comp_share_cfs_upgrade_price(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let cfs_id = required(params, "CfsId")?;
    let target = int(params, "Size")?.unwrap_or(0);
    let state = read_state(ctx);
    let cfs = state.own_cfs(&ctx.account.account_id, cfs_id, params.get("Zone"), "CfsId")?;
    if target <= cfs.size || target > CFS_GB.1 {
        return Err(not_available("Size"));
    }
    let price = round2((target - cfs.size) as f64 * CFS_PRICE_PER_GB_MONTH);
    Ok(Answer::new().field("Price", &price))
}

/// ResizeCFS: grows the CFS to `Size` GiB; answers its `CfsId`.
pub fn resize_cfs(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let cfs_id = required(params, "CfsId")?;
    let size = int(params, "Size")?.unwrap_or(0);
    write_state(ctx).resize_cfs(&ctx.account.account_id, cfs_id, params.get("Zone"), size)?;
    Ok(Answer::new().field("CfsId", cfs_id))
}

/// GetCompShareCFSRefundPrice (`CFSId`, spelled so on this action alone):
/// the unused share of what was paid, in `RefundPrice`.
pub fn get_comp_share_cfs_refund_price(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let cfs_id = required(params, "CFSId")?;
    let state = read_state(ctx);
    let cfs = state.own_cfs(&ctx.account.account_id, cfs_id, params.get("Zone"), "CFSId")?;
    Ok(Answer::new().field("RefundPrice", &state.cfs_refund(cfs)))
}

/// DeleteCFS: an unmounted CFS, or with `Recycle` one mounted on Stopped
/// instances only; answers its `CfsId`.
pub fn delete_cfs(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let cfs_id = required(params, "CfsId")?;
    let recycle = params.get("Recycle") == Some("true");
    write_state(ctx).delete_cfs(&ctx.account.account_id, cfs_id, params.get("Zone"), recycle)?;
    Ok(Answer::new().field("CfsId", cfs_id))
}

/// DetachCFS: the `cpod-` instance's CFS is unmounted from it.
pub fn detach_cfs(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let uhost_id = required(params, "UHostId")?;
    write_state(ctx).detach_cfs(&ctx.account.account_id, uhost_id)?;
    Ok(Answer::new())
}

/// AttachUS3: on a `cpod-` instance, mounts the account's CFS of its zone
/// (buying 50 GiB for a month when there is none); on a `uhost-` instance
/// of the account, 8433 unless US3 is enabled for it (`US3` in
/// accounts.json), else success (the US3 mount itself is not modelled).
pub fn attach_us3(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let uhost_id = required(params, "UHostId")?;
    if uhost_id.starts_with("cpod-") {
        write_state(ctx).attach_cfs(ctx.account, uhost_id)?;
        return Ok(Answer::new());
    }
    read_state(ctx).instance(&ctx.account.account_id, uhost_id)?;
    if !ctx.account.us3 {
        return Err(ApiError::Us3NotEnabled);
    }
    Ok(Answer::new())
}
