//! Model-based property of the CFS file systems: any sequence of creates,
//! resizes, deletes, detaches and attaches over the wire is answered as a
//! simple model predicts, and afterwards DescribeCFS lists exactly the
//! model's file systems, with their sizes and mounts.

use std::collections::BTreeMap;

use contract_tests::{skip_when_external, Endpoint};
use proptest::prelude::*;

/// The container zone and its region.
const REGION: (&str, &str) = ("Region", "cn-sh2");
const ZONE: (&str, &str) = ("Zone", "cn-sh2-01");
/// The default account's Stopped container instance (fixtures).
const POD: &str = "cpod-demo0pod";

#[derive(Debug, Clone)]
enum Op {
    Create(u16),
    Resize(usize, u16),
    Delete(usize, bool),
    Detach,
    Attach,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (30u16..2100).prop_map(Op::Create),
        2 => (any::<usize>(), 30u16..2100).prop_map(|(i, s)| Op::Resize(i, s)),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::Delete(i, r)),
        1 => Just(Op::Detach),
        1 => Just(Op::Attach),
    ]
}

/// A file system as the model knows it: size and whether the pod mounts it.
type Model = BTreeMap<String, (i64, bool)>;

fn pick(ids: &[String], i: usize) -> Option<String> {
    (!ids.is_empty()).then(|| ids[i % ids.len()].clone())
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let ep = Endpoint::in_process();
    let mock = ep.mock().unwrap();
    mock.freeze_clock();
    let mut model: Model = listed(&ep);
    let mut ever: Vec<String> = model.keys().cloned().collect();
    for op in ops {
        match op {
            Op::Create(size) => {
                let s = size.to_string();
                let raw = ep.call(
                    "CreateCFS",
                    &[
                        REGION,
                        ZONE,
                        ("Size", &s),
                        ("ChargeType", "Month"),
                        ("Quantity", "1"),
                        ("Name", "p"),
                    ],
                );
                if (50..=2048).contains(&size) {
                    prop_assert_eq!(raw.ret_code(), Some(0));
                    let id = raw.json["CfsId"].as_str().unwrap().to_owned();
                    prop_assert!(!ever.contains(&id), "id {} reused", id);
                    model.insert(id.clone(), (i64::from(size), false));
                    ever.push(id);
                } else {
                    prop_assert_eq!(raw.ret_code(), Some(230));
                }
            }
            Op::Resize(i, size) => {
                let Some(id) = pick(&ever, i) else { continue };
                let s = size.to_string();
                let raw = ep.call("ResizeCFS", &[REGION, ZONE, ("CfsId", &id), ("Size", &s)]);
                let want = match model.get(&id) {
                    None => 230,
                    Some((now, _)) if i64::from(size) > *now && size <= 2048 => 0,
                    Some(_) => 230,
                };
                prop_assert_eq!(raw.ret_code(), Some(want), "resize {} to {}", id, size);
                if want == 0 {
                    model.get_mut(&id).unwrap().0 = i64::from(size);
                }
            }
            Op::Delete(i, recycle) => {
                let Some(id) = pick(&ever, i) else { continue };
                let r = if recycle { "true" } else { "false" };
                let raw = ep.call("DeleteCFS", &[REGION, ZONE, ("CfsId", &id), ("Recycle", r)]);
                // The pod is Stopped, so Recycle detaches a mounted one first.
                let want = match model.get(&id) {
                    None => 230,
                    Some((_, true)) if !recycle => 290,
                    Some(_) => 0,
                };
                prop_assert_eq!(raw.ret_code(), Some(want), "delete {}", id);
                if want == 0 {
                    model.remove(&id);
                }
            }
            Op::Detach => {
                let raw = ep.call("DetachCFS", &[REGION, ZONE, ("UHostId", POD)]);
                let mounted = model.values().any(|(_, m)| *m);
                prop_assert_eq!(raw.ret_code(), Some(if mounted { 0 } else { 230 }));
                for (_, m) in model.values_mut() {
                    *m = false;
                }
            }
            Op::Attach => {
                let raw = ep.call("AttachUS3", &[REGION, ZONE, ("UHostId", POD)]);
                prop_assert_eq!(raw.ret_code(), Some(0));
                if !model.values().any(|(_, m)| *m) {
                    // The account's first CFS of the zone (in creation
                    // order), or a new 50 GiB one.
                    match ever.iter().find(|id| model.contains_key(*id)).cloned() {
                        Some(first) => model.get_mut(&first).unwrap().1 = true,
                        None => {
                            let after = listed(&ep);
                            let new: Vec<&String> =
                                after.keys().filter(|k| !ever.contains(k)).collect();
                            prop_assert_eq!(new.len(), 1, "one CFS bought");
                            let id = new[0].clone();
                            model.insert(id.clone(), (50, true));
                            ever.push(id);
                        }
                    }
                }
            }
        }
    }
    prop_assert_eq!(listed(&ep), model);
    Ok(())
}

/// DescribeCFS: id → (size, mounted on the pod).
fn listed(ep: &Endpoint) -> Model {
    let raw = ep.call("DescribeCFS", &[REGION, ZONE]);
    raw.json["CFSSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mounted = c["MountedUHostIds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h == POD);
            (
                c["CfsId"].as_str().unwrap().to_owned(),
                (c["Size"].as_i64().unwrap(), mounted),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_sequence_of_cfs_calls_is_answered_as_the_model_predicts(ops in prop::collection::vec(op(), 1..30)) {
        if skip_when_external("any_sequence_of_cfs_calls_is_answered_as_the_model_predicts", "it mutates state") {
            return Ok(());
        }
        run(ops)?;
    }
}
