//! Model-based properties of the stateful actions: any sequence of creates,
//! power actions, image builds, copies, terminations and clock advances is
//! answered as a simple model predicts, and afterwards the listings show
//! exactly the resources created and not terminated, in the states the model
//! says.

use std::collections::BTreeMap;

use compshare_mock::state::Timings;
use compshare_mock::Config;
use contract_tests::{skip_when_external, Endpoint};
use proptest::prelude::*;

const BUILD: i64 = 10;
const ZONE: (&str, &str) = ("Zone", "cn-wlcb-01");

#[derive(Debug, Clone)]
enum Op {
    CreateInstance,
    Stop(usize),
    Start(usize),
    TerminateInstance(usize),
    CreateImage(usize),
    Copy(usize),
    TerminateImage(usize),
    Advance(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::CreateInstance),
        2 => any::<usize>().prop_map(Op::Stop),
        1 => any::<usize>().prop_map(Op::Start),
        1 => any::<usize>().prop_map(Op::TerminateInstance),
        2 => any::<usize>().prop_map(Op::CreateImage),
        2 => any::<usize>().prop_map(Op::Copy),
        1 => any::<usize>().prop_map(Op::TerminateImage),
        2 => (1u8..8).prop_map(Op::Advance),
    ]
}

/// What the model knows: instances by id (`true` = Running), images by id
/// (ready time), and every id ever handed out (terminated ones too).
#[derive(Default)]
struct Model {
    now: i64,
    instances: BTreeMap<String, bool>,
    images: BTreeMap<String, i64>,
    ever_instances: Vec<String>,
    ever_images: Vec<String>,
}

/// The region and zone every call of these properties carries.
const REGION: (&str, &str) = ("Region", "cn-wlcb");

fn pick(ids: &[String], i: usize) -> Option<String> {
    (!ids.is_empty()).then(|| ids[i % ids.len()].clone())
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let timings = Timings {
        boot_seconds: 0,
        transition_seconds: 0,
        image_build_seconds: BUILD as u64,
        ..Timings::default()
    };
    let ep = Endpoint::in_process_with(Config {
        timings,
        ..Config::default()
    });
    let mock = ep.mock().unwrap();
    mock.freeze_clock();
    let base_images: Vec<String> = listed_images(&ep).into_keys().collect();
    let base_instances: BTreeMap<String, String> = listed_instances(&ep);
    let mut m = Model::default();
    for op in ops {
        match op {
            Op::CreateInstance => {
                let raw = ep.call(
                    "CreateCompShareInstance",
                    &[
                        REGION,
                        ZONE,
                        ("CompShareImageId", "compshareImage-165jmhx19ik7"),
                        ("CPU", "16"),
                        ("Memory", "65536"),
                        ("GPU", "1"),
                        ("GpuType", "3090"),
                        ("MachineType", "G"),
                    ],
                );
                prop_assert_eq!(raw.ret_code(), Some(0));
                let id = raw.json["UHostIds"][0].as_str().unwrap().to_owned();
                prop_assert!(!m.ever_instances.contains(&id), "id {} reused", id);
                m.instances.insert(id.clone(), true);
                m.ever_instances.push(id);
            }
            Op::Stop(i) | Op::Start(i) => {
                let Some(id) = pick(&m.ever_instances, i) else {
                    continue;
                };
                let stop = matches!(op, Op::Stop(_));
                let action = if stop {
                    "StopCompShareInstance"
                } else {
                    "StartCompShareInstance"
                };
                let raw = ep.call(action, &[REGION, ZONE, ("UHostId", &id)]);
                let want = match m.instances.get(&id) {
                    None => 230,
                    Some(running) if *running == stop => 0,
                    Some(_) => 290,
                };
                prop_assert_eq!(raw.ret_code(), Some(want), "{} {}", action, id);
                if want == 0 {
                    m.instances.insert(id, !stop);
                }
            }
            Op::TerminateInstance(i) => {
                let Some(id) = pick(&m.ever_instances, i) else {
                    continue;
                };
                let raw = ep.call(
                    "TerminateCompShareInstance",
                    &[REGION, ZONE, ("UHostId", &id)],
                );
                let want = if m.instances.remove(&id).is_some() {
                    0
                } else {
                    230
                };
                prop_assert_eq!(raw.ret_code(), Some(want));
            }
            Op::CreateImage(i) => {
                let Some(host) = pick(&m.ever_instances, i) else {
                    continue;
                };
                let raw = ep.call(
                    "CreateCompShareCustomImage",
                    &[REGION, ZONE, ("UHostId", &host), ("Name", "p")],
                );
                if m.instances.contains_key(&host) {
                    prop_assert_eq!(raw.ret_code(), Some(0));
                    let id = raw.json["CompShareImageId"].as_str().unwrap().to_owned();
                    prop_assert!(!m.ever_images.contains(&id), "id {} reused", id);
                    m.images.insert(id.clone(), m.now + BUILD);
                    m.ever_images.push(id);
                } else {
                    prop_assert_eq!(raw.ret_code(), Some(230));
                }
            }
            Op::Copy(i) => {
                let Some(src) = pick(&m.ever_images, i) else {
                    continue;
                };
                let raw = ep.call(
                    "CopyCompShareCustomImage",
                    &[REGION, ZONE, ("CompShareImageId", &src)],
                );
                match m.images.get(&src) {
                    None => prop_assert_eq!(raw.ret_code(), Some(230)),
                    Some(ready) if *ready > m.now => prop_assert_eq!(raw.ret_code(), Some(290)),
                    Some(_) => {
                        prop_assert_eq!(raw.ret_code(), Some(0));
                        let id = raw.json["NewCompShareImageId"].as_str().unwrap().to_owned();
                        m.images.insert(id.clone(), m.now + BUILD);
                        m.ever_images.push(id);
                    }
                }
            }
            Op::TerminateImage(i) => {
                let Some(id) = pick(&m.ever_images, i) else {
                    continue;
                };
                let raw = ep.call(
                    "TerminateCompShareCustomImage",
                    &[REGION, ZONE, ("CompShareImageId", &id)],
                );
                let want = if m.images.remove(&id).is_some() {
                    0
                } else {
                    230
                };
                prop_assert_eq!(raw.ret_code(), Some(want));
            }
            Op::Advance(s) => {
                mock.advance_clock(u64::from(s));
                m.now += i64::from(s);
            }
        }
    }
    // The listings show exactly what the model holds, in its states.
    let images = listed_images(&ep);
    let mut want_images: BTreeMap<String, String> = m
        .images
        .iter()
        .map(|(id, ready)| {
            (
                id.clone(),
                if *ready <= m.now {
                    "Available"
                } else {
                    "Making"
                }
                .to_owned(),
            )
        })
        .collect();
    for id in &base_images {
        want_images.insert(id.clone(), images.get(id).cloned().unwrap_or_default());
    }
    prop_assert_eq!(images, want_images);
    let mut want_instances: BTreeMap<String, String> = m
        .instances
        .iter()
        .map(|(id, running)| {
            (
                id.clone(),
                if *running { "Running" } else { "Stopped" }.to_owned(),
            )
        })
        .collect();
    want_instances.extend(base_instances);
    prop_assert_eq!(listed_instances(&ep), want_instances);
    Ok(())
}

fn listed_images(ep: &Endpoint) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    loop {
        let offset = out.len().to_string();
        let raw = ep.call(
            "DescribeCompShareCustomImages",
            &[REGION, ("Offset", &offset), ("Limit", "100")],
        );
        let page = raw.json["ImageSet"].as_array().unwrap().clone();
        if page.is_empty() {
            return out;
        }
        for i in page {
            out.insert(
                i["CompShareImageId"].as_str().unwrap().to_owned(),
                i["Status"].as_str().unwrap().to_owned(),
            );
        }
    }
}

fn listed_instances(ep: &Endpoint) -> BTreeMap<String, String> {
    let raw = ep.call("DescribeCompShareInstance", &[REGION, ("Limit", "100")]);
    raw.json["UHostSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["UHostId"].as_str().unwrap().to_owned(),
                i["State"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_sequence_of_lifecycle_calls_is_answered_as_the_model_predicts(ops in prop::collection::vec(op(), 1..40)) {
        if skip_when_external("any_sequence_of_lifecycle_calls_is_answered_as_the_model_predicts", "it mutates state") {
            return Ok(());
        }
        run(ops)?;
    }
}
