//! Share bandwidth actions: describe, price, create, upgrade price, modify,
//! refund price, delete, and switching instances' EIPs onto it and back.
//! Every one names a `Region` and a `Zone` of it; prices are in fen.

use super::{int, read_state, write_state, Answer, Ctx};
use crate::domain::{
    share_bandwidth_price, zones_of, SHARE_BANDWIDTH_CHARGE_TYPES, SHARE_BANDWIDTH_MBPS,
};
use crate::error::ApiError;
use crate::state::bandwidth::BandwidthSpec;
use compshare_protocol::params::Params;

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .ok_or_else(|| ApiError::MissingParams(name.to_owned()))
}

/// The `Zone`, which must be one of the `Region`'s (230 otherwise).
fn zone(params: &Params) -> Result<&str, ApiError> {
    let region = required(params, "Region")?;
    let zone = required(params, "Zone")?;
    let zones = zones_of(region).ok_or_else(|| not_available("Region"))?;
    if !zones.contains(&zone) {
        return Err(not_available("Zone"));
    }
    Ok(zone)
}

/// `ShareBandwidth`, Mbps, within the range (230 otherwise).
fn mbps(params: &Params) -> Result<i64, ApiError> {
    let mbps = int(params, "ShareBandwidth")?
        .ok_or_else(|| ApiError::MissingParams("ShareBandwidth".to_owned()))?;
    if !(SHARE_BANDWIDTH_MBPS.0..=SHARE_BANDWIDTH_MBPS.1).contains(&mbps) {
        return Err(not_available("ShareBandwidth"));
    }
    Ok(mbps)
}

/// `ChargeType` (Month or Year) and `Quantity` (1 to 60).
fn term(params: &Params) -> Result<(&str, i64), ApiError> {
    let charge = required(params, "ChargeType")?;
    if !SHARE_BANDWIDTH_CHARGE_TYPES.contains(&charge) {
        return Err(not_available("ChargeType"));
    }
    let quantity = int(params, "Quantity")?.unwrap_or(1);
    if !(1..=60).contains(&quantity) {
        return Err(not_available("Quantity"));
    }
    Ok((charge, quantity))
}

/// DescribeCompShareShareBandwidth: the caller's share bandwidth of the
/// zone as `CompanyShareBandwidth`, absent when there is none.
pub fn describe_comp_share_share_bandwidth(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let zone = zone(params)?;
    let state = read_state(ctx);
    let answer = Answer::new();
    Ok(
        match state.share_bandwidth_in(&ctx.account.account_id, zone) {
            Some(b) => answer.field("CompanyShareBandwidth", &state.share_bandwidth_answer(b)),
            None => answer,
        },
    )
}

/// GetCompShareShareBandwidthPrice: `TotalPrice`, fen, for the size and term.
pub fn get_comp_share_share_bandwidth_price(
    _ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    zone(params)?;
    let mbps = mbps(params)?;
    let (charge, quantity) = term(params)?;
    Ok(Answer::new().field("TotalPrice", &share_bandwidth_price(mbps, charge, quantity)))
}

/// CreateCompShareShareBandwidth: the zone's share bandwidth of the caller
/// (290 when there is one already); answers `CompanyShareBandwidth
/// {ShareBandwidthId, Bandwidth}` and an `OrderNo`.
pub fn create_comp_share_share_bandwidth(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let zone = zone(params)?;
    let mbps = mbps(params)?;
    let (charge, quantity) = term(params)?;
    let spec = BandwidthSpec {
        zone: zone.to_owned(),
        bandwidth: mbps,
        charge_type: charge.to_owned(),
        quantity,
    };
    let (id, order) = write_state(ctx).create_share_bandwidth(&ctx.account.account_id, &spec)?;
    Ok(Answer::new()
        .field(
            "CompanyShareBandwidth",
            &serde_json::json!({"ShareBandwidthId": id, "Bandwidth": mbps}),
        )
        .field("OrderNo", &order))
}

/// GetCompShareShareBandwidthUpgradePrice: `TotalPrice`, fen, signed
/// (negative: a refund on a downsize).
pub fn get_comp_share_share_bandwidth_upgrade_price(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let zone = zone(params)?;
    let id = required(params, "ShareBandwidthId")?;
    let mbps = mbps(params)?;
    let price =
        read_state(ctx).share_bandwidth_upgrade_price(&ctx.account.account_id, zone, id, mbps)?;
    Ok(Answer::new().field("TotalPrice", &price))
}

/// ModifyCompShareShareBandwidth: the new size; answers nothing more.
pub fn modify_comp_share_share_bandwidth(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let zone = zone(params)?;
    let id = required(params, "ShareBandwidthId")?;
    let mbps = mbps(params)?;
    write_state(ctx).modify_share_bandwidth(&ctx.account.account_id, zone, id, mbps)?;
    Ok(Answer::new())
}

/// GetCompShareShareBandwidthRefundPrice: `RefundPrice`, fen, signed
/// (negative: money back, as the official CLI reads it).
pub fn get_comp_share_share_bandwidth_refund_price(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let zone = zone(params)?;
    let id = required(params, "ShareBandwidthId")?;
    let price = read_state(ctx).share_bandwidth_refund_price(&ctx.account.account_id, zone, id)?;
    Ok(Answer::new().field("RefundPrice", &price))
}

/// DeleteCompShareShareBandwidth: its EIPs back to the shared bandwidth,
/// then gone; answers `MigratedEIPCount`.
pub fn delete_comp_share_share_bandwidth(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let zone = zone(params)?;
    let id = required(params, "ShareBandwidthId")?;
    let moved = write_state(ctx).delete_share_bandwidth(&ctx.account.account_id, zone, id)?;
    Ok(Answer::new().field("MigratedEIPCount", &moved))
}

/// SwitchCompShareEIPShareBandwidth: `UHostIds.N` of the zone to
/// `TargetScope` Company (the zone's share bandwidth) or Public; one result
/// per instance, a failing one does not refuse the call.
pub fn switch_comp_share_eip_share_bandwidth(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let zone = zone(params)?;
    let ids = params.array("UHostIds");
    if ids.is_empty() {
        return Err(ApiError::MissingParams("UHostIds".to_owned()));
    }
    if ids.len() > 100 {
        return Err(not_available("UHostIds"));
    }
    let company = match required(params, "TargetScope")? {
        "Company" => true,
        "Public" => false,
        _ => return Err(not_available("TargetScope")),
    };
    let results =
        write_state(ctx).switch_eip_share_bandwidth(&ctx.account.account_id, zone, &ids, company);
    Ok(Answer::new().field("Results", &results))
}
