//! Model-based property of the share bandwidths: any sequence of creates,
//! resizes, deletes and EIP switches over the wire is answered as a simple
//! model predicts (290 for a second one in a zone, 230 for a deleted one,
//! signed prices in fen, per-instance switch results, EIPs migrated back on
//! delete), and afterwards each zone's share bandwidth and each instance's
//! EIP are exactly the model's.

use std::collections::BTreeMap;

use contract_tests::{skip_when_external, Endpoint};
use proptest::prelude::*;

/// Zones: the instances' one, and one with no instance.
const ZONES: [(&str, &str); 2] = [("cn-wlcb", "cn-wlcb-01"), ("cn-sh2", "cn-sh2-01")];
/// The default account's instances, both in cn-wlcb-01.
const HOSTS: [&str; 2] = ["uhost-demo0run", "uhost-demo0stp"];
/// domain.rs: fen per Mbps and month.
const FEN: i64 = 2000;

#[derive(Debug, Clone)]
enum Op {
    Create(usize, u16),
    Resize(usize, usize, u16),
    Delete(usize, usize),
    Switch(Vec<usize>, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..2, 20u16..500).prop_map(|(z, m)| Op::Create(z, m)),
        2 => (0usize..2, any::<usize>(), 20u16..500).prop_map(|(z, i, m)| Op::Resize(z, i, m)),
        2 => (0usize..2, any::<usize>()).prop_map(|(z, i)| Op::Delete(z, i)),
        3 => (prop::collection::vec(0usize..3, 1..4), any::<bool>())
            .prop_map(|(h, c)| Op::Switch(h, c)),
    ]
}

fn pick(ids: &[String], i: usize) -> Option<String> {
    (!ids.is_empty()).then(|| ids[i % ids.len()].clone())
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let ep = Endpoint::in_process();
    ep.mock().unwrap().freeze_clock();
    // Zone index → (id, Mbps); instance → the id its EIP is on.
    let mut model: BTreeMap<usize, (String, i64)> = BTreeMap::new();
    let mut bound: BTreeMap<&str, String> = BTreeMap::new();
    let mut ever: Vec<String> = Vec::new();
    for op in ops {
        match op {
            Op::Create(z, m) => {
                let (region, zone) = ZONES[z];
                let raw = ep.call(
                    "CreateCompShareShareBandwidth",
                    &[
                        ("Region", region),
                        ("Zone", zone),
                        ("ShareBandwidth", &m.to_string()),
                        ("ChargeType", "Month"),
                        ("Quantity", "1"),
                    ],
                );
                match model.entry(z) {
                    std::collections::btree_map::Entry::Occupied(_) => {
                        raw.assert_ret_code(290);
                    }
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        raw.assert_ret_code(0);
                        let id = raw.json["CompanyShareBandwidth"]["ShareBandwidthId"]
                            .as_str()
                            .unwrap()
                            .to_owned();
                        ever.push(id.clone());
                        slot.insert((id, i64::from(m)));
                    }
                }
            }
            Op::Resize(z, i, m) => {
                let Some(id) = pick(&ever, i) else { continue };
                let (region, zone) = ZONES[z];
                let params = [
                    ("Region", region),
                    ("Zone", zone),
                    ("ShareBandwidthId", id.as_str()),
                    ("ShareBandwidth", &m.to_string()),
                ];
                let price = ep.call("GetCompShareShareBandwidthUpgradePrice", &params);
                let raw = ep.call("ModifyCompShareShareBandwidth", &params);
                match model.get_mut(&z).filter(|(have, _)| *have == id) {
                    Some((_, mbps)) => {
                        price.assert_ret_code(0);
                        prop_assert_eq!(
                            price.json["TotalPrice"].as_i64(),
                            Some((i64::from(m) - *mbps) * FEN)
                        );
                        raw.assert_ret_code(0);
                        *mbps = i64::from(m);
                    }
                    None => {
                        price.assert_ret_code(230);
                        raw.assert_ret_code(230);
                    }
                }
            }
            Op::Delete(z, i) => {
                let Some(id) = pick(&ever, i) else { continue };
                let (region, zone) = ZONES[z];
                let params = [
                    ("Region", region),
                    ("Zone", zone),
                    ("ShareBandwidthId", id.as_str()),
                ];
                let refund = ep.call("GetCompShareShareBandwidthRefundPrice", &params);
                let raw = ep.call("DeleteCompShareShareBandwidth", &params);
                if model.get(&z).is_some_and(|(have, _)| *have == id) {
                    let (_, mbps) = model.remove(&z).unwrap();
                    refund.assert_ret_code(0);
                    prop_assert_eq!(refund.json["RefundPrice"].as_i64(), Some(-mbps * FEN));
                    raw.assert_ret_code(0);
                    let before = bound.len();
                    bound.retain(|_, b| *b != id);
                    prop_assert_eq!(
                        raw.json["MigratedEIPCount"].as_i64(),
                        Some((before - bound.len()) as i64)
                    );
                } else {
                    refund.assert_ret_code(230);
                    raw.assert_ret_code(230);
                }
            }
            Op::Switch(hosts, company) => {
                // Index 2 names another account's instance.
                let ids: Vec<&str> = hosts
                    .iter()
                    .map(|&h| HOSTS.get(h).copied().unwrap_or("uhost-second01"))
                    .collect();
                let keys: Vec<String> = (0..ids.len()).map(|n| format!("UHostIds.{n}")).collect();
                let mut params = vec![
                    ("Region", ZONES[0].0),
                    ("Zone", ZONES[0].1),
                    ("TargetScope", if company { "Company" } else { "Public" }),
                ];
                params.extend(keys.iter().map(String::as_str).zip(ids.iter().copied()));
                let raw = ep.call("SwitchCompShareEIPShareBandwidth", &params);
                raw.assert_ret_code(0);
                let results = raw.json["Results"].as_array().unwrap();
                prop_assert_eq!(results.len(), ids.len());
                for (r, id) in results.iter().zip(&ids) {
                    let own = HOSTS.contains(id);
                    let success = own && (!company || model.contains_key(&0));
                    prop_assert_eq!(r["Success"].as_bool(), Some(success), "{}", r);
                    if success && company {
                        let host = HOSTS.iter().find(|h| *h == id).unwrap();
                        bound.insert(host, model[&0].0.clone());
                    } else if success {
                        bound.remove(id);
                    }
                }
            }
        }
    }
    for (z, (region, zone)) in ZONES.iter().enumerate() {
        let raw = ep.call(
            "DescribeCompShareShareBandwidth",
            &[("Region", region), ("Zone", zone)],
        );
        raw.assert_ret_code(0);
        let got = &raw.json["CompanyShareBandwidth"];
        match model.get(&z) {
            None => prop_assert!(got.is_null(), "{}", got),
            Some((id, mbps)) => {
                prop_assert_eq!(got["ShareBandwidthId"].as_str(), Some(id.as_str()));
                prop_assert_eq!(got["Bandwidth"].as_i64(), Some(*mbps));
                let on = bound.values().filter(|b| *b == id).count() as i64;
                prop_assert_eq!(got["BindEIPCount"].as_i64(), Some(on));
            }
        }
    }
    for host in HOSTS {
        let raw = ep.call("DescribeCompShareInstance", &[("UHostIds.0", host)]);
        let sb = &raw.json["UHostSet"][0]["IPSet"][1]["ShareBandwidth"];
        let want = bound.get(host).cloned().unwrap_or_default();
        prop_assert_eq!(sb["ShareBandwidthId"].as_str(), Some(want.as_str()));
        let scope = if want.is_empty() { "Public" } else { "Company" };
        prop_assert_eq!(sb["Scope"].as_str(), Some(scope));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_sequence_of_share_bandwidth_calls_is_answered_as_the_model_predicts(ops in prop::collection::vec(op(), 1..40)) {
        if skip_when_external("any_sequence_of_share_bandwidth_calls_is_answered_as_the_model_predicts", "it mutates state") {
            return Ok(());
        }
        run(ops)?;
    }
}
