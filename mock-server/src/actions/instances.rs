//! Instance actions: create, describe, the power state machine, rename,
//! password, reinstall, price and zones.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use super::{int, page, read_state, str_or, write_state, Answer, Ctx};
use crate::catalogue::{Catalogue, Type};
use crate::error::ApiError;
use crate::state::{hourly_price, round2, Instance, InstanceSpec, CHARGE_TYPES, MACHINE_TYPES};
use crate::validate::REGIONS;
use crate::wire::params::Params;

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

fn uhost_id(params: &Params) -> Result<&str, ApiError> {
    params
        .get("UHostId")
        .ok_or_else(|| ApiError::MissingParams("UHostId".to_owned()))
}

fn answer_uhost(id: &str) -> Answer {
    Answer::new().field("UHostId", id)
}

/// CreateCompShareInstance: validates the machine, then creates `Quantity`
/// instances (`Initializing`, then `Running` after the boot time).
pub fn create_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    // GpuType is checked for every action by `validate`.
    let gpu_type = str_or(params, "GpuType", "");
    let machine_type = str_or(params, "MachineType", "");
    if !MACHINE_TYPES.contains(&machine_type) {
        return Err(not_available("MachineType"));
    }
    let charge_type = str_or(params, "ChargeType", "Dynamic");
    if !CHARGE_TYPES.contains(&charge_type) {
        return Err(not_available("ChargeType"));
    }
    let ranged = |name: &str, lo: i64, hi: i64, default: i64| -> Result<i64, ApiError> {
        let v = int(params, name)?.unwrap_or(default);
        if (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(not_available(name))
        }
    };
    let cpu = ranged("CPU", 1, 256, 0)?;
    let memory = ranged("Memory", 1024, 2 * 1024 * 1024, 0)?;
    let gpu = ranged("GPU", 1, 8, 0)?;
    let quantity = ranged("Quantity", 1, 10, 1)? as usize;
    let mut boot_disk_gb = 100;
    let mut data_disks_gb = Vec::new();
    let mut i = 0;
    while params.has(&format!("Disks.{i}")) {
        let get = |f: &str| params.get(&format!("Disks.{i}.{f}"));
        if get("Type").is_some_and(|t| t != "CLOUD_SSD") {
            return Err(not_available("Disks"));
        }
        let size = match get("Size") {
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|s| (20..=4096).contains(s))
                .ok_or_else(|| not_available("Disks"))?,
            None => 100,
        };
        if get("IsBoot") == Some("true") {
            boot_disk_gb = size;
        } else {
            data_disks_gb.push(size);
        }
        i += 1;
    }
    let spec = InstanceSpec {
        zone: str_or(params, "Zone", "").to_owned(),
        image_id: str_or(params, "CompShareImageId", "").to_owned(),
        cpu,
        memory,
        gpu,
        gpu_type: gpu_type.to_owned(),
        machine_type: machine_type.to_owned(),
        charge_type: charge_type.to_owned(),
        name: str_or(params, "Name", "").to_owned(),
        boot_disk_gb,
        data_disks_gb,
        quantity,
    };
    let ids = write_state(ctx).create_instances(ctx.account, &spec)?;
    Ok(Answer::new().field("UHostIds", &ids))
}

/// DescribeCompShareInstance: the caller's instances, newest first,
/// filtered by `UHostIds` and `Zone`, paged.
pub fn describe_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let ids = params.array("UHostIds");
    let state = read_state(ctx);
    let (total, items) =
        state.instances_of(&ctx.account.account_id, &ids, params.get("Zone"), page);
    let set: Vec<Value> = items.into_iter().map(render_instance).collect();
    Ok(Answer::new()
        .field("TotalCount", &total)
        .field("UHostSet", &set))
}

/// StartCompShareInstance.
pub fn start_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    write_state(ctx).start_instance(&ctx.account.account_id, id)?;
    Ok(answer_uhost(id))
}

/// StopCompShareInstance.
pub fn stop_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    write_state(ctx).stop_instance(&ctx.account.account_id, id)?;
    Ok(answer_uhost(id))
}

/// RebootCompShareInstance.
pub fn reboot_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    write_state(ctx).reboot_instance(&ctx.account.account_id, id)?;
    Ok(answer_uhost(id))
}

/// TerminateCompShareInstance.
pub fn terminate_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    write_state(ctx).terminate_instance(&ctx.account.account_id, id)?;
    Ok(answer_uhost(id))
}

/// ModifyCompShareInstanceName.
pub fn modify_comp_share_instance_name(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    let name = str_or(params, "Name", "");
    if name.chars().count() > 64 {
        return Err(not_available("Name"));
    }
    write_state(ctx).rename_instance(&ctx.account.account_id, id, name)?;
    Ok(answer_uhost(id))
}

/// ResetCompShareInstancePassword (the instance must be Stopped).
pub fn reset_comp_share_instance_password(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    write_state(ctx).reset_password(&ctx.account.account_id, id)?;
    Ok(answer_uhost(id))
}

/// ReinstallCompShareInstance (the instance must be Stopped).
pub fn reinstall_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    let image = str_or(params, "CompShareImageId", "");
    write_state(ctx).reinstall_instance(&ctx.account.account_id, id, image)?;
    Ok(answer_uhost(id))
}

/// Months and years are priced as 720 and 8,760 hours with a discount of
/// 20% and 30%: the mock's choice, as the real tariff is not public.
fn period_factor(charge_type: &str) -> f64 {
    match charge_type {
        "Month" => 720.0 * 0.8,
        "Year" => 8760.0 * 0.7,
        _ => 1.0,
    }
}

/// GetCompShareInstancePrice: the hourly prices of PROTOCOL.md §5 times the
/// GPU count, per charge period; a priced community image adds its price.
pub fn get_comp_share_instance_price(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let charge_type = str_or(params, "ChargeType", "Dynamic");
    if !CHARGE_TYPES.contains(&charge_type) {
        return Err(not_available("ChargeType"));
    }
    let gpu = match params.get("Gpu") {
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|g| (0..=8).contains(g))
            .ok_or_else(|| not_available("Gpu"))?,
        None => 1,
    };
    let (unit, list) = match params.get("GpuType") {
        Some(t) => hourly_price(t).ok_or_else(|| not_available("GpuType"))?,
        None => (0.0, 0.0),
    };
    let image_price = match params.get("CompShareImageId") {
        Some(id) => {
            read_state(ctx)
                .usable_image(&ctx.account.account_id, id)
                .ok_or_else(|| not_available("CompShareImageId"))?
                .price
        }
        None => 0.0,
    };
    let f = period_factor(charge_type);
    let detail = |instance: f64| {
        json!([{
            "ChargeType": charge_type,
            "CompShareImage": round2(image_price * f),
            "Disks": 0.0,
            "Instance": round2(instance * gpu as f64 * f),
            "InstanceDiscountType": 0,
            "ListPrice": format!("{:.2}", list * gpu as f64 * f),
            "OriginalPrice": round2((instance * gpu as f64 + image_price) * f),
        }])
    };
    Ok(Answer::new()
        .field("PriceDetail", &detail(unit))
        .field("ListPriceDetail", &detail(list))
        .field("OriginalPriceDetail", &detail(list)))
}

/// DescribeCompShareSupportZone: every region and zone the platform serves.
pub fn describe_comp_share_support_zone(
    _ctx: &Ctx<'_>,
    _params: &Params,
) -> Result<Answer, ApiError> {
    let zones: Vec<Value> = REGIONS
        .iter()
        .enumerate()
        .flat_map(|(ri, (region, zones))| {
            zones.iter().enumerate().map(move |(zi, zone)| {
                json!({
                    "Describe": zone,
                    "Region": region,
                    "RegionId": 1000 + ri as i64,
                    "Zone": zone,
                    "ZoneId": (1000 + ri as i64) * 100 + zi as i64 + 1,
                })
            })
        })
        .collect();
    Ok(Answer::new().field("ZoneInfo", &zones))
}

/// Renders an instance as a full `CompShareInstanceSet`: every field of the
/// model, the known ones filled in, the rest their type's empty value.
pub fn render_instance(i: &Instance) -> Value {
    static TEMPLATE: OnceLock<Map<String, Value>> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        match Catalogue::get().neutral(&Type::Ref("CompShareInstanceSet".to_owned()), 0) {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    });
    let mut m = template.clone();
    let disks: Vec<Value> = i
        .disks
        .iter()
        .enumerate()
        .map(|(n, d)| {
            json!({
                "BackupType": "NONE",
                "DiskId": d.disk_id,
                "DiskType": d.disk_type,
                "Drive": format!("vd{}", (b'a' + n.min(25) as u8) as char),
                "Encrypted": "false",
                "IsBoot": if d.is_boot { "True" } else { "False" },
                "Name": if d.is_boot { "系统盘" } else { "数据盘" },
                "Size": d.size,
                "Type": if d.is_boot { "Boot" } else { "Data" },
            })
        })
        .collect();
    let fields = json!({
        "UHostId": i.uhost_id,
        "Name": i.name,
        "Zone": i.zone,
        "State": i.state.as_str(),
        "CPU": i.cpu,
        "Memory": i.memory,
        "GPU": i.gpu,
        "GpuType": i.gpu_type,
        "MachineType": i.machine_type,
        "ChargeType": i.charge_type,
        "CompShareImageId": i.image_id,
        "CompShareImageName": i.image_name,
        "CompShareImageType": i.image_type,
        "CompShareImageStatus": "Available",
        "CreateTime": i.create_time,
        "StartTime": i.start_time,
        "StopTime": i.stop_time,
        "UpdateTime": i.create_time.max(i.start_time).max(i.stop_time),
        "DiskSet": disks,
        "TotalDiskSpace": i.total_disk_space(),
        "IPSet": [private_ip(i)],
        "InstancePrice": i.price,
        "InstanceType": "G",
        "OsType": "Linux",
        "OsName": i.image_name,
        "CpuArch": "x86_64",
        "AutoRenew": "No",
        "IsExpire": "No",
        "SshLoginCommand": format!("ssh root@{}", i.ip),
        "UUID": i.uuid,
        "SupportWithoutGpuStart": true,
    });
    if let Value::Object(f) = fields {
        for (k, v) in f {
            m.insert(k, v);
        }
    }
    Value::Object(m)
}

/// The instance's private IP as an `IPSet` entry. Its network ids are
/// derived from what the state keeps (the account, the region, the instance
/// id), so they are the same in every answer and after a restart from a
/// state file: one VPC and one subnet per account and region, one MAC per
/// instance. `IPId` and `NetworkInterfaceId` are empty, as the API reference
/// has them for a private IP on the default (not an elastic) interface.
fn private_ip(i: &Instance) -> Value {
    let region = i.zone.rsplit_once('-').map_or(i.zone.as_str(), |(r, _)| r);
    let network = derived(&[&i.account_id, region]);
    let own = derived(&[&i.uhost_id]);
    json!({
        "IP": i.ip,
        "IPId": "",
        "Type": "Private",
        "Default": "true",
        "IPMode": "IPv4",
        "Bandwidth": 0,
        "Weight": 0,
        "Mac": format!("52:54:00:{:02x}:{:02x}:{:02x}", own[0], own[1], own[2]),
        "NetworkInterfaceId": "",
        "VPCId": format!("uvnet-{}", base36(&network[..8])),
        "SubnetId": format!("subnet-{}", base36(&network[8..16])),
    })
}

/// Twenty bytes that depend only on `parts`.
fn derived(parts: &[&str]) -> [u8; 20] {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

/// One lower-case base-36 character per byte.
fn base36(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % 36] as char)
        .collect()
}
