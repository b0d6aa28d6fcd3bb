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
/// (`cpod-`) zones. None is known; the mock marks none.
pub const POD_ZONES: &[&str] = &[];

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
