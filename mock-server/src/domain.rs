//! The platform's domain tables: regions and zones, GPU, machine and charge
//! types, and hourly prices (`docs/PROTOCOL.md` §5). Plain data and lookups,
//! used by validation, the actions, the state and the fixtures alike.

/// Regions and their zones as observed on the live gateway (`docs/PROTOCOL.md` §5);
/// the first region and zone are the defaults.
pub const REGIONS: &[(&str, &[&str])] = &[
    ("cn-wlcb", &["cn-wlcb-01"]),
    ("cn-bj2", &["cn-bj2-02"]),
    ("cn-sh2", &["cn-sh2-01"]),
    ("cn-gd", &["cn-gd-02"]),
    ("us-den", &["us-den-01"]),
];

/// The zones of a region, or `None` for an unknown region.
pub fn zones_of(region: &str) -> Option<&'static [&'static str]> {
    REGIONS.iter().find(|(r, _)| *r == region).map(|(_, z)| *z)
}

/// Zones whose `DescribeCompShareSupportZone` entry has `IsPod`: container
/// (`cpod-`) zones, where instances are `cpod-…` and CFS lives. Which zones
/// are container zones is not public: the mock's choice is cn-sh2-01, not
/// the default zone, so that the SDK examples' instances stay `uhost-…`.
pub const POD_ZONES: &[&str] = &["cn-sh2-01"];

/// Whether a zone is a container zone.
pub fn is_pod_zone(zone: &str) -> bool {
    POD_ZONES.contains(&zone)
}

/// GPU types the live gateway accepts (`docs/PROTOCOL.md` §5); any other is 230.
pub const GPU_TYPES: &[&str] = &["3080Ti", "3090", "4090", "4090_48G", "5090"];

/// The region a zone belongs to.
pub fn region_of_zone(zone: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|(_, zs)| zs.contains(&zone))
        .map(|(r, _)| *r)
}

/// Machine types the API accepts.
pub const MACHINE_TYPES: &[&str] = &["G"];
/// Charge types the mock accepts.
pub const CHARGE_TYPES: &[&str] = &["Dynamic", "Postpay", "Day", "Month", "Year", "Spot"];

/// The machine sizes every GPU type comes in: GPU count, CPU cores, memory
/// in GiB (16 CPU and 64 GB per GPU, `docs/PROTOCOL.md` §5; the counts the
/// mock's choice). DescribeAvailableCompShareInstanceTypes and
/// CheckCompShareResourceCapacity answer them.
pub const MACHINE_SIZES: &[(i64, i64, i64)] = &[(1, 16, 64), (2, 32, 128), (4, 64, 256)];

/// Each GPU type's card: graphics memory in GB and FP32 TFLOPS, from the
/// cards' public specifications (4090_48G: a 4090 with 48 GB).
pub const GPU_CARDS: &[(&str, i64, f64)] = &[
    ("3080Ti", 12, 34.1),
    ("3090", 24, 35.6),
    ("4090", 24, 82.6),
    ("4090_48G", 48, 82.6),
    ("5090", 32, 104.8),
];

/// CPU platforms CreateCompShareInstance and CheckCompShareResourceCapacity
/// take (the API reference).
pub const CPU_PLATFORMS: &[&str] = &["Auto", "Intel/Auto", "Amd/Auto"];

/// Hourly price of one GPU of a type with its share of CPU and memory
/// (cn-wlcb-01, 1 GPU, 16 CPU, 64 GB, pay-as-you-go) and its list price.
/// 4090_48G is not public: the mock's choice.
pub fn hourly_price(gpu_type: &str) -> Option<(f64, f64)> {
    Some(match gpu_type {
        "5090" => (2.77, 2.92),
        "4090" => (2.05, 2.15),
        "4090_48G" => (2.6, 2.75),
        "3090" => (1.13, 1.13),
        "3080Ti" => (0.93, 0.93),
        _ => return None,
    })
}

/// Rounds a price to cents.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Data disk types CreateAndAttachCompshareDisk takes (the API reference),
/// and `CLOUD_SSD`, which the reference's own example sends (the mock takes
/// it as `SSDDataDisk`). `RSSDDataDisk` is for A800 machines only, which
/// the mock has not: it is refused.
pub const DATA_DISK_TYPES: &[&str] = &[
    "SSDDataDisk",
    "RSSDDataDisk",
    "DataDisk",
    "EfficiencyDataDisk",
    "CLOUD_SSD",
];

/// Charge types of a data disk (the API reference).
pub const DISK_CHARGE_TYPES: &[&str] = &["Month", "Day", "Dynamic", "Postpay"];

/// The smallest and largest data disk, GiB (the product documentation:
/// 10 G to 1500 G).
pub const DATA_DISK_GB: (i64, i64) = (10, 1500);

/// Price of one GiB of disk for a month, CNY, by disk type: the mock's
/// choice, as the tariff is not public. Instance disks (`CLOUD_SSD`) are
/// priced as SSD data disks.
pub fn disk_price_per_gb_month(disk_type: &str) -> f64 {
    match disk_type {
        "DataDisk" => 0.3,
        "EfficiencyDataDisk" => 0.5,
        "RSSDDataDisk" => 1.2,
        _ => 0.8,
    }
}

/// Snapshot service (`BackupMode` SNAPSHOT or DATAARK) per GiB for a month,
/// CNY: the mock's choice.
pub const SNAPSHOT_PRICE_PER_GB_MONTH: f64 = 0.1;

/// The smallest and largest CFS, GiB (the official CLI: 50 to 2048).
pub const CFS_GB: (i64, i64) = (50, 2048);

/// Charge types of a CFS (the official CLI).
pub const CFS_CHARGE_TYPES: &[&str] = &["Month", "Year", "Day", "Dynamic"];

/// The size of the CFS AttachUS3 buys for a container instance when its
/// account has none in the zone, GiB, for one month (the official CLI's notice).
pub const CFS_AUTO_GB: i64 = 50;

/// Price of one GiB of CFS for a month, CNY: the mock's choice, as the
/// tariff is not public. The other charge types derive from it.
pub const CFS_PRICE_PER_GB_MONTH: f64 = 0.35;

/// The price of `size` GiB of CFS for `quantity` periods of `charge_type`,
/// CNY (the mock's choice): a Month the monthly price, a Year ten months',
/// a Day a thirtieth of a month, Dynamic one hour (a 720th of a month;
/// `quantity` does not apply).
pub fn cfs_price(size: i64, charge_type: &str, quantity: i64) -> f64 {
    let month = size as f64 * CFS_PRICE_PER_GB_MONTH;
    round2(match charge_type {
        "Year" => month * 10.0 * quantity as f64,
        "Day" => month / 30.0 * quantity as f64,
        "Dynamic" => month / 720.0,
        _ => month * quantity as f64,
    })
}

/// How long `quantity` periods of a prepaid charge type last, seconds
/// (Month 30 days, Year 365, Day 1); 0 for Dynamic.
pub fn cfs_period_seconds(charge_type: &str, quantity: i64) -> i64 {
    let day = 86_400;
    quantity
        * match charge_type {
            "Year" => 365 * day,
            "Month" => 30 * day,
            "Day" => day,
            _ => 0,
        }
}

/// The numeric id of a zone, as DescribeCompShareSupportZone gives it in
/// `ZoneId` (and DescribeCFS in its own `ZoneId`).
pub fn zone_number(zone: &str) -> Option<i64> {
    REGIONS.iter().enumerate().find_map(|(ri, (_, zones))| {
        zones
            .iter()
            .position(|z| *z == zone)
            .map(|zi| (1000 + ri as i64) * 100 + zi as i64 + 1)
    })
}

/// Share bandwidth sizes, Mbps (the official CLI's range).
pub const SHARE_BANDWIDTH_MBPS: (i64, i64) = (20, 10_000);

/// Share bandwidth charge types (the official CLI's).
pub const SHARE_BANDWIDTH_CHARGE_TYPES: &[&str] = &["Month", "Year"];

/// One Mbps of share bandwidth for a month, fen: the mock's choice, as the
/// tariff is not public (20 CNY).
pub const SHARE_BANDWIDTH_FEN_PER_MBPS_MONTH: i64 = 2_000;

/// What `mbps` of share bandwidth costs for `quantity` terms of
/// `charge_type`, fen: a month at the monthly rate, a year at ten months'
/// (the mock's choice). Prices are never prorated: a resize is quoted as
/// the difference of the whole terms' prices, a refund as the whole term's.
pub fn share_bandwidth_price(mbps: i64, charge_type: &str, quantity: i64) -> i64 {
    let months = if charge_type == "Year" { 10 } else { 1 };
    mbps.saturating_mul(SHARE_BANDWIDTH_FEN_PER_MBPS_MONTH)
        .saturating_mul(months)
        .saturating_mul(quantity)
}
