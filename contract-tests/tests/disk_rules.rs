//! Model-based property of the data disks: any sequence of creates,
//! attaches, detaches, resizes, deletes and clock advances over the wire is
//! answered as a simple model predicts (8434 while a disk detaches), and
//! afterwards DescribeCompshareDisk lists exactly the model's disks, with
//! their sizes, states and instances.

use std::collections::BTreeMap;

use compshare_mock::state::Timings;
use compshare_mock::Config;
use contract_tests::{skip_when_external, Endpoint};
use proptest::prelude::*;

const DETACH: i64 = 4;
const REGION: (&str, &str) = ("Region", "cn-wlcb");
const ZONE: (&str, &str) = ("Zone", "cn-wlcb-01");
/// The default account's instances: Running and Stopped.
const HOSTS: [&str; 2] = ["uhost-demo0run", "uhost-demo0stp"];

#[derive(Debug, Clone)]
enum Op {
    Create(usize, u16),
    Attach(usize, usize),
    Detach(usize),
    Resize(usize, u16),
    Delete(usize),
    Advance(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..2, 10u16..300).prop_map(|(h, s)| Op::Create(h, s)),
        2 => (any::<usize>(), 0usize..2).prop_map(|(d, h)| Op::Attach(d, h)),
        2 => any::<usize>().prop_map(Op::Detach),
        1 => (any::<usize>(), 10u16..400).prop_map(|(d, s)| Op::Resize(d, s)),
        2 => any::<usize>().prop_map(Op::Delete),
        2 => (1u8..6).prop_map(Op::Advance),
    ]
}

/// A disk as the model knows it.
#[derive(Debug, Clone, PartialEq)]
struct Disk {
    size: i64,
    /// The instance it is on (empty: none).
    host: String,
    /// When its detach completes (0: not detaching).
    detach_at: i64,
}

impl Disk {
    fn status(&self, now: i64) -> &'static str {
        if self.detach_at > now {
            "Detaching"
        } else if self.host.is_empty() || self.detach_at > 0 {
            "Available"
        } else {
            "InUse"
        }
    }

    fn host(&self, now: i64) -> &str {
        if self.status(now) == "Available" {
            ""
        } else {
            &self.host
        }
    }
}

fn pick(ids: &[String], i: usize) -> Option<String> {
    (!ids.is_empty()).then(|| ids[i % ids.len()].clone())
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let ep = Endpoint::in_process_with(Config {
        timings: Timings {
            detach_seconds: DETACH as u64,
            ..Timings::default()
        },
        ..Config::default()
    });
    let mock = ep.mock().unwrap();
    mock.freeze_clock();
    let mut now = 0i64;
    let mut disks: BTreeMap<String, Disk> = BTreeMap::new();
    let mut ever: Vec<String> = Vec::new();
    for (id, disk) in listed(&ep) {
        disks.insert(
            id.clone(),
            Disk {
                size: disk.0,
                host: disk.2,
                detach_at: 0,
            },
        );
        ever.push(id);
    }
    for op in ops {
        match op {
            Op::Create(h, size) => {
                let size = size.to_string();
                let raw = ep.call(
                    "CreateAndAttachCompshareDisk",
                    &[
                        REGION,
                        ZONE,
                        ("UHostId", HOSTS[h]),
                        ("Size", &size),
                        ("DiskType", "SSDDataDisk"),
                        ("Name", "p"),
                    ],
                );
                prop_assert_eq!(raw.ret_code(), Some(0));
                let id = raw.json["UDiskId"].as_str().unwrap().to_owned();
                prop_assert!(!ever.contains(&id), "id {} reused", id);
                disks.insert(
                    id.clone(),
                    Disk {
                        size: size.parse().unwrap(),
                        host: HOSTS[h].to_owned(),
                        detach_at: 0,
                    },
                );
                ever.push(id);
            }
            Op::Attach(d, h) => {
                let Some(id) = pick(&ever, d) else { continue };
                let raw = ep.call(
                    "AttachCompshareDisk",
                    &[REGION, ZONE, ("UHostId", HOSTS[h]), ("UDiskId", &id)],
                );
                let want = match disks.get(&id) {
                    None => 230,
                    Some(disk) if disk.status(now) == "Available" => 0,
                    Some(_) => 290,
                };
                prop_assert_eq!(raw.ret_code(), Some(want), "attach {}", id);
                if want == 0 {
                    let disk = disks.get_mut(&id).unwrap();
                    disk.host = HOSTS[h].to_owned();
                    disk.detach_at = 0;
                }
            }
            Op::Detach(d) => {
                let Some(id) = pick(&ever, d) else { continue };
                let host = disks
                    .get(&id)
                    .map(|disk| disk.host(now).to_owned())
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| HOSTS[1].to_owned());
                let raw = ep.call(
                    "DetachCompshareDisk",
                    &[REGION, ZONE, ("UHostId", &host), ("UDiskId", &id)],
                );
                let want = match disks.get(&id) {
                    None => 230,
                    Some(disk) if disk.status(now) != "InUse" => 290,
                    // Only a stopped instance gives up its disks.
                    Some(_) if host == HOSTS[0] => 290,
                    Some(_) => 0,
                };
                prop_assert_eq!(raw.ret_code(), Some(want), "detach {}", id);
                if want == 0 {
                    disks.get_mut(&id).unwrap().detach_at = now + DETACH;
                }
            }
            Op::Resize(d, size) => {
                let Some(id) = pick(&ever, d) else { continue };
                let text = size.to_string();
                let raw = ep.call(
                    "ResizeCompShareDisk",
                    &[REGION, ZONE, ("UDiskId", &id), ("Size", &text)],
                );
                let want = match disks.get(&id) {
                    None => 230,
                    Some(disk) if i64::from(size) <= disk.size => 230,
                    Some(disk) if disk.status(now) == "Detaching" => 290,
                    Some(disk) if disk.host(now) == HOSTS[0] => 290,
                    Some(_) => 0,
                };
                prop_assert_eq!(raw.ret_code(), Some(want), "resize {}", id);
                if want == 0 {
                    disks.get_mut(&id).unwrap().size = i64::from(size);
                }
            }
            Op::Delete(d) => {
                let Some(id) = pick(&ever, d) else { continue };
                let raw = ep.call("DeleteCompshareDisk", &[REGION, ZONE, ("UDiskId", &id)]);
                let want = match disks.get(&id).map(|disk| disk.status(now)) {
                    // Deleted before: deleted again without complaint.
                    None => 0,
                    Some("Available") => 0,
                    Some("Detaching") => 8434,
                    Some(_) => 290,
                };
                prop_assert_eq!(raw.ret_code(), Some(want), "delete {}", id);
                if want == 0 {
                    disks.remove(&id);
                }
            }
            Op::Advance(s) => {
                mock.advance_clock(u64::from(s));
                now += i64::from(s);
            }
        }
    }
    let want: BTreeMap<String, (i64, String, String)> = disks
        .iter()
        .map(|(id, d)| {
            (
                id.clone(),
                (d.size, d.status(now).to_owned(), d.host(now).to_owned()),
            )
        })
        .collect();
    prop_assert_eq!(listed(&ep), want);
    Ok(())
}

/// DescribeCompshareDisk: id → (size, status, instance).
fn listed(ep: &Endpoint) -> BTreeMap<String, (i64, String, String)> {
    let raw = ep.call("DescribeCompshareDisk", &[]);
    raw.json["DiskSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["ResourceId"].as_str().unwrap().to_owned(),
                (
                    d["Size"].as_i64().unwrap(),
                    d["Status"].as_str().unwrap().to_owned(),
                    d["MountInstance"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_sequence_of_disk_calls_is_answered_as_the_model_predicts(ops in prop::collection::vec(op(), 1..40)) {
        if skip_when_external("any_sequence_of_disk_calls_is_answered_as_the_model_predicts", "it mutates state") {
            return Ok(());
        }
        run(ops)?;
    }
}
