//! Instance actions: create, describe, the power state machine, rename,
//! password, reinstall, resize, schedules, ports, monitoring, prices,
//! machine types, capacity and zones.

use serde_json::{json, Value};

use super::{int, page, read_state, str_or, write_state, Answer, Ctx};
use crate::domain::{
    hourly_price, region_of_zone, round2, zones_of, CHARGE_TYPES, CPU_PLATFORMS, GPU_CARDS,
    MACHINE_SIZES, MACHINE_TYPES, REGIONS,
};
use crate::error::ApiError;
use crate::state::instances::Resize;
use crate::state::{Instance, InstanceSpec, InstanceState};
use compshare_protocol::params::Params;

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
    let (boot_disk_gb, data_disks_gb) = disks_of(params)?;
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
        password: str_or(params, "Password", "").to_owned(),
        remark: str_or(params, "Remark", "").to_owned(),
    };
    if let Some(p) = params.get("MinimalCpuPlatform") {
        if !CPU_PLATFORMS.contains(&p) {
            return Err(not_available("MinimalCpuPlatform"));
        }
    }
    let mut state = write_state(ctx);
    let ids = state.create_instances(ctx.account, &spec)?;
    let password = ids
        .first()
        .and_then(|id| state.instance(&ctx.account.account_id, id).ok())
        .map(|i| i.extra.password.clone())
        .unwrap_or_default();
    Ok(Answer::new()
        .field("UHostIds", &ids)
        .field("Password", &password))
}

/// DescribeCompShareInstance: the caller's instances in every region (the
/// API reference), newest first, filtered by `UHostIds`, `Region`, `Zone`,
/// `Tag`, `VPCId` and `SubnetId`, paged. `WithoutGpu`, `SkipBill`,
/// `IncludeShareBandwidth` and `UDiskIdForAttachment` change nothing the
/// mock models (README, behaviour table).
pub fn describe_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let ids = params.array("UHostIds");
    let state = read_state(ctx);
    let everything = crate::paging::Page {
        offset: 0,
        limit: usize::MAX,
    };
    let (_, all) = state.instances_of(
        &ctx.account.account_id,
        &ids,
        params.get("Zone"),
        everything,
    );
    let matching: Vec<&Instance> = all
        .into_iter()
        .filter(|i| params.get("Region").is_none_or(|r| i.region() == r))
        // Every instance is in the default business group.
        .filter(|_| params.get("Tag").is_none_or(|t| t == "Default"))
        .filter(|i| {
            let (vpc, subnet) = i.network_ids();
            params.get("VPCId").is_none_or(|v| v == vpc)
                && params.get("SubnetId").is_none_or(|s| s == subnet)
        })
        .collect();
    let set: Vec<_> = matching
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|i| {
            i.answer()
                .with_disks(state.disks_on(&i.uhost_id))
                .with_share_bandwidth(
                    state.share_bandwidth_of(i),
                    state.zone_has_share_bandwidth(i),
                )
        })
        .collect();
    Ok(Answer::new()
        .field("TotalCount", &matching.len())
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
    let release = params.get("ReleaseUDisk") == Some("true");
    let mut state = write_state(ctx);
    state.terminate_instance(&ctx.account.account_id, id)?;
    state.release_disks_of(&ctx.account.account_id, id, release);
    state.release_cfs_of(id);
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
    // Kept as sent: the API reference asks for base64, which the mock does
    // not enforce (README, behaviour table).
    let password = str_or(params, "Password", "");
    write_state(ctx).reset_password(&ctx.account.account_id, id, password)?;
    Ok(answer_uhost(id))
}

/// ReinstallCompShareInstance (the instance must be Stopped).
pub fn reinstall_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    let image = str_or(params, "CompShareImageId", "");
    write_state(ctx).reinstall_instance(
        &ctx.account.account_id,
        id,
        image,
        params.get("Password"),
    )?;
    Ok(answer_uhost(id))
}

/// Days, months and years are priced as 24, 720 and 8,760 hours with a
/// discount of 10%, 20% and 30%: the mock's choice, as the real tariff is
/// not public.
fn period_factor(charge_type: &str) -> f64 {
    match charge_type {
        "Day" => 24.0 * 0.9,
        "Month" => 720.0 * 0.8,
        "Year" => 8760.0 * 0.7,
        _ => 1.0,
    }
}

/// GetCompShareInstancePrice: the hourly prices of `docs/PROTOCOL.md` §5 times the
/// GPU count, per charge period; a priced community image adds its price.
pub fn get_comp_share_instance_price(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let gpu = match params.get("Gpu") {
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|g| (0..=8).contains(g))
            .ok_or_else(|| not_available("Gpu"))?,
        None => 1,
    };
    price_answer(ctx, params, gpu)
}

/// The price answer of `gpu` GPUs of `GpuType` at `ChargeType` (default
/// `Dynamic`), with the image's price: `PriceDetails`, `ListPriceDetails`,
/// `OriginalPriceDetails`, as the API reference names them (the catalogue
/// overlay records the rename).
fn price_answer(ctx: &Ctx<'_>, params: &Params, gpu: i64) -> Result<Answer, ApiError> {
    let charge_type = str_or(params, "ChargeType", "Dynamic");
    if !CHARGE_TYPES.contains(&charge_type) {
        return Err(not_available("ChargeType"));
    }
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
        .field("PriceDetails", &detail(unit))
        .field("ListPriceDetails", &detail(list))
        .field("OriginalPriceDetails", &detail(list)))
}

/// DescribeCompShareSupportZone: every region and zone the platform
/// serves, whatever `Region` says (the official CLI filters the answer by
/// region itself); `IsPod` marks container zones.
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
                    "IsPod": crate::domain::POD_ZONES.contains(zone),
                })
            })
        })
        .collect();
    Ok(Answer::new().field("ZoneInfo", &zones))
}

/// DescribeAvailableCompShareInstanceTypes: one entry per zone and GPU type
/// (`Name` the GPU type, `ParentType` `G`), every GPU type in every zone, in
/// the machine sizes of the domain table; `Zone` (else the zones of
/// `Region`, else every zone) and `MachineTypes` (GPU types) filter;
/// `InstanceType` (`uhost`, or `spot` as the CLI sends with `--spot`) is
/// echoed.
pub fn describe_available_comp_share_instance_types(
    _ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let instance_type = str_or(params, "InstanceType", "uhost");
    if !["uhost", "spot"].contains(&instance_type) {
        return Err(not_available("InstanceType"));
    }
    let zones: Vec<&str> = match (params.get("Zone"), params.get("Region")) {
        (Some(z), _) => vec![z],
        (None, Some(r)) => zones_of(r).map(<[&str]>::to_vec).unwrap_or_default(),
        (None, None) => REGIONS
            .iter()
            .flat_map(|(_, z)| z.iter().copied())
            .collect(),
    };
    let wanted = params.array("MachineTypes");
    let sizes: Vec<Value> = MACHINE_SIZES
        .iter()
        .map(|(gpu, cpu, mem)| {
            json!({"Gpu": gpu, "Collection": [{"Cpu": cpu, "Memory": [mem], "MinimalCpuPlatform": CPU_PLATFORMS}]})
        })
        .collect();
    let mut types = Vec::new();
    for zone in zones.iter().filter(|z| region_of_zone(z).is_some()) {
        for (name, memory, tflops) in GPU_CARDS {
            if !wanted.is_empty() && !wanted.contains(name) {
                continue;
            }
            types.push(json!({
                "CpuPlatforms": {"Amd": ["Amd/Auto"], "Ampere": [], "Intel": ["Intel/Auto"]},
                "Disks": [{
                    "BootDisk": [{"Features": [], "InstantResize": true, "MaximalSize": 500, "Name": "CLOUD_SSD"}],
                    "DataDisk": [{"Features": [], "MaximalSize": 4096, "MinimalSize": 20, "Name": "CLOUD_SSD"}],
                    "Name": "cloudDisk",
                }],
                "Features": [],
                "GraphicsMemory": {"Rate": 0, "Value": memory},
                "InstanceType": instance_type,
                "MachineClass": "GPU",
                "MachineSizes": sizes,
                "Name": name,
                "ParentType": "G",
                "Performance": {"Rate": 0, "Value": tflops},
                "Status": "Normal",
                "Zone": zone,
            }));
        }
    }
    Ok(Answer::new()
        .field("AvailableInstanceTypes", &types)
        .field("Status", &"Normal"))
}

/// GetCompShareInstanceUserPrice: the price table of GetCompShareInstancePrice,
/// read from the upper-case `GPU`/`CPU` this action takes.
pub fn get_comp_share_instance_user_price(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let gpu = match int(params, "GPU")? {
        Some(g) if (0..=8).contains(&g) => g,
        Some(_) => return Err(not_available("GPU")),
        None => 1,
    };
    price_answer(ctx, params, gpu)
}

/// GetCompShareInstanceUpgradePrice: what moving the instance to the given
/// `GPU` (or `Gpu`) count costs for the rest of the hour, at its charge
/// type's period; less GPUs cost nothing (the mock's choice).
pub fn get_comp_share_instance_upgrade_price(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    let state = read_state(ctx);
    let inst = state.instance(&ctx.account.account_id, id)?;
    let target = upper_or_camel(params, "GPU", "Gpu")?.unwrap_or(inst.gpu);
    if !(1..=8).contains(&target) {
        return Err(not_available("GPU"));
    }
    for (name, camel, lo, hi) in [
        ("CPU", "Cpu", 1, 256),
        ("Memory", "Memory", 1024, 2 * 1024 * 1024),
    ] {
        if let Some(v) = upper_or_camel(params, name, camel)? {
            if !(lo..=hi).contains(&v) {
                return Err(not_available(name));
            }
        }
    }
    let (unit, list) = hourly_price(&inst.gpu_type).unwrap_or((0.0, 0.0));
    let f = period_factor(&inst.charge_type);
    let more = (target - inst.gpu).max(0) as f64;
    Ok(Answer::new()
        .field("ListPrice", &round2(list * more * f))
        .field("OriginalPrice", &round2(list * more * f))
        .field("Price", &round2(unit * more * f)))
}

fn upper_or_camel(params: &Params, upper: &str, camel: &str) -> Result<Option<i64>, ApiError> {
    match int(params, upper)? {
        Some(v) => Ok(Some(v)),
        None => int(params, camel),
    }
}

/// GetCompShareRefundPrice: per instance, what deleting it now gives back:
/// nothing for hourly charge types, the unused part of the period for
/// `Day`, `Month` and `Year` (the mock's choice); an id the caller does not
/// own is listed with `Code` 230.
pub fn get_comp_share_refund_price(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let ids = params.array("UHostIds");
    let state = read_state(ctx);
    let now = state.clock.now();
    let set: Vec<Value> = ids
        .iter()
        .map(|id| match state.instance(&ctx.account.account_id, id) {
            Ok(inst) => {
                let hours = match inst.charge_type.as_str() {
                    "Day" => 24.0,
                    "Month" => 720.0,
                    "Year" => 8760.0,
                    _ => 0.0,
                };
                let used = (now - inst.create_time).max(0) as f64 / 3600.0;
                let refund = round2(inst.price * (hours - used).max(0.0) * period_factor(&inst.charge_type) / hours.max(1.0));
                json!({"Code": 0, "ErrMessage": "", "RefundPrice": refund, "UHostId": id, "Message": ""})
            }
            Err(e) => json!({
                "Code": e.ret_code(), "ErrMessage": e.message(), "RefundPrice": 0.0,
                "UHostId": id, "Message": e.message(),
            }),
        })
        .collect();
    Ok(Answer::new().field("RefundPriceSet", &set))
}

/// UpdateCompShareStopScheduler: a shutdown at `SchedulerStopTime` (the
/// CLI's name) or `StopTime` (the catalogue's), epoch seconds at least five
/// minutes ahead, of a Running instance. The instance stops then.
pub fn update_comp_share_stop_scheduler(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    let at = match (int(params, "SchedulerStopTime")?, int(params, "StopTime")?) {
        (Some(t), _) | (None, Some(t)) => t,
        (None, None) => return Err(ApiError::MissingParams("SchedulerStopTime".to_owned())),
    };
    write_state(ctx).schedule_stop(&ctx.account.account_id, id, at)?;
    Ok(Answer::new())
}

/// DeleteCompShareStopScheduler: cancels the scheduled shutdown.
pub fn delete_comp_share_stop_scheduler(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    write_state(ctx).cancel_stop(&ctx.account.account_id, id)?;
    Ok(Answer::new())
}

/// SwitchChargeType: the instance's charge type becomes `DestChargeType`.
pub fn switch_charge_type(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    let dest = str_or(params, "DestChargeType", "");
    if !["Month", "Day", "Dynamic", "Postpay"].contains(&dest) {
        return Err(not_available("DestChargeType"));
    }
    write_state(ctx).switch_charge_type(&ctx.account.account_id, id, dest)?;
    Ok(Answer::new())
}

/// ResizeCompShareInstance: a Stopped instance gets the given `Cpu`,
/// `Memory` and `Gpu` (1–8), or its disk `DiskId`
/// grows to `DiskSpace` GiB.
pub fn resize_comp_share_instance(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    let mut resize = Resize {
        cpu: int(params, "Cpu")?,
        memory: int(params, "Memory")?,
        gpu: int(params, "Gpu")?,
        disk: None,
    };
    if let Some(disk) = params.get("DiskId") {
        // The API reference: a compute change and a disk growth never together.
        if resize.cpu.is_some() || resize.memory.is_some() || resize.gpu.is_some() {
            return Err(not_available("DiskId"));
        }
        let size = int(params, "DiskSpace")?
            .ok_or_else(|| ApiError::MissingParams("DiskSpace".to_owned()))?;
        resize.disk = Some((disk.to_owned(), size));
    }
    if let Some(g) = resize.gpu {
        if !(1..=8).contains(&g) {
            return Err(not_available("Gpu"));
        }
    }
    if resize.cpu.is_some_and(|c| !(1..=256).contains(&c)) {
        return Err(not_available("Cpu"));
    }
    if resize
        .memory
        .is_some_and(|m| !(1024..=2 * 1024 * 1024).contains(&m))
    {
        return Err(not_available("Memory"));
    }
    if let Some(spec) = params.get("WithoutGpuSpec") {
        if !["A", "B"].contains(&spec) {
            return Err(not_available("WithoutGpuSpec"));
        }
    }
    write_state(ctx).resize_instance(&ctx.account.account_id, id, &resize)?;
    Ok(answer_uhost(id))
}

/// UpdateCompShareInstancePorts: the instance's opened HTTP and TCP ports
/// become the given lists (1–65535).
pub fn update_comp_share_instance_ports(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let id = uhost_id(params)?;
    let ports = |name: &str| -> Result<Vec<i64>, ApiError> {
        params
            .array(name)
            .iter()
            .map(|p| {
                p.parse::<i64>()
                    .ok()
                    .filter(|p| (1..=65535).contains(p))
                    .ok_or_else(|| not_available(name))
            })
            .collect()
    };
    let (http, tcp) = (ports("HttpPorts")?, ports("TcpPorts")?);
    write_state(ctx).set_ports(&ctx.account.account_id, id, http, tcp)?;
    Ok(answer_uhost(id))
}

/// The metrics GetCompShareInstanceMonitor answers (the API reference's list).
const METRICS: &[&str] = &[
    "uhost_cpu_used",
    "cloudwatch_memory_usage",
    "cloudwatch_sys_disk_used_per",
    "cloudwatch_data_disk_used_per",
    "cloudwatch_gpu_memory_usage",
    "cloudwatch_gpu_util",
];

/// GetCompShareInstanceMonitor: for each of the caller's instances, each
/// metric as one point a minute over the last five minutes of the virtual
/// clock; values are derived from the instance, the metric and the time, so
/// the same clock gives the same answer, and are 0 unless it runs.
pub fn get_comp_share_instance_monitor(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let ids = params.array("UHostIds");
    let state = read_state(ctx);
    let now = state.clock.now() / 60 * 60;
    let mut list = Vec::new();
    for id in ids {
        let inst = state
            .instance(&ctx.account.account_id, id)
            .map_err(|_| not_available("UHostIds"))?;
        let running = inst.state == InstanceState::Running;
        let metrics: Vec<Value> = METRICS
            .iter()
            .map(|key| {
                let values: Vec<Value> = (0..5)
                    .rev()
                    .map(|k| {
                        let t = now - 60 * k;
                        let v = if running { sample(id, key, t) } else { 0.0 };
                        json!({"Timestamp": t, "Value": v})
                    })
                    .collect();
                json!({
                    "MetricKey": key,
                    "Tags": {},
                    "Results": [{"ResourceId": id, "LongResourceId": inst.uuid, "TagMap": {}, "Values": values}],
                })
            })
            .collect();
        list.push(json!({"UHostId": id, "PodId": "", "Metrics": metrics}));
    }
    Ok(Answer::new().field("Data", &json!({"List": list, "PodList": []})))
}

/// A percentage between 1 and 99 that depends only on its inputs.
fn sample(id: &str, key: &str, t: i64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes().chain(key.bytes()).chain(t.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    round2(1.0 + (h % 9800) as f64 / 100.0)
}

/// CheckCompShareResourceCapacity: the machine sizes of the GPU type in the
/// zone, each with enough resources (the mock has no inventory to run out
/// of); the image, platform, charge type and disks are checked as
/// CreateCompShareInstance checks them.
pub fn check_comp_share_resource_capacity(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    if !MACHINE_TYPES.contains(&str_or(params, "MachineType", "")) {
        return Err(not_available("MachineType"));
    }
    if !CPU_PLATFORMS.contains(&str_or(params, "MinimalCpuPlatform", "")) {
        return Err(not_available("MinimalCpuPlatform"));
    }
    if !CHARGE_TYPES.contains(&str_or(params, "ChargeType", "")) {
        return Err(not_available("ChargeType"));
    }
    disks_of(params)?;
    read_state(ctx)
        .usable_image(
            &ctx.account.account_id,
            str_or(params, "CompShareImageId", ""),
        )
        .ok_or_else(|| not_available("CompShareImageId"))?;
    let specs: Vec<Value> = MACHINE_SIZES
        .iter()
        .map(|(gpu, cpu, mem)| json!({"Gpu": gpu, "Cpu": cpu, "Mem": mem, "ResourceEnough": true}))
        .collect();
    Ok(Answer::new().field("Specs", &specs))
}

/// The boot disk size and data disk sizes of `Disks.N`: `CLOUD_SSD`,
/// 20–4096 GiB (100 when no size is given).
fn disks_of(params: &Params) -> Result<(i64, Vec<i64>), ApiError> {
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
    Ok((boot_disk_gb, data_disks_gb))
}
