//! Every action of the catalogue, called with minimal valid parameters:
//! each answer must have the catalogue's shape (the harness checks every
//! field's JSON type and that no field lies outside the model).

use compshare_mock::catalogue::{Catalogue, Field, Type};
use contract_tests::{skip_when_external, Endpoint};
use serde_json::{Map, Value};

/// A value of a type, as it goes on the wire.
fn sample(ty: &Type) -> &'static str {
    match ty {
        Type::String => "test",
        Type::Integer => "1",
        Type::Number => "1.5",
        Type::Boolean => "true",
        Type::Array(inner) => sample(inner),
        Type::Ref(_) => "",
    }
}

/// Values the protocol documents for parameters whose type alone does not
/// make a valid value (PROTOCOL.md §5).
const DOCUMENTED: &[(&str, &str)] = &[("GpuType", "4090"), ("MachineType", "G")];

/// The minimal valid parameters of an action: Region and Zone of the
/// endpoint when the action takes them, every other required parameter
/// filled from its type (an array as its first element `Name.0`), or with
/// its documented value.
fn minimal_params(ep: &Endpoint, request: &[Field]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in request {
        match f.name.as_str() {
            "Region" => out.push((f.name.clone(), ep.region().to_owned())),
            "Zone" => out.push((f.name.clone(), ep.zone().to_owned())),
            _ if !f.required => {}
            name if DOCUMENTED.iter().any(|(n, _)| *n == name) => {
                let value = DOCUMENTED.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
                out.push((f.name.clone(), value.unwrap_or_default().to_owned()));
            }
            _ => match &f.ty {
                Type::Array(inner) => out.push((format!("{}.0", f.name), sample(inner).to_owned())),
                Type::Ref(model) => panic!(
                    "{}: a required object parameter ({model}) has no minimal value yet",
                    f.name
                ),
                ty => out.push((f.name.clone(), sample(ty).to_owned())),
            },
        }
    }
    out
}

fn borrowed(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn every_catalogue_action_answers_minimal_valid_params_in_its_catalogue_shape() {
    if skip_when_external(
        "every_catalogue_action_answers_minimal_valid_params_in_its_catalogue_shape",
        "it calls mutating actions",
    ) {
        return;
    }
    // A mock of its own: some of these actions change state.
    let ep = Endpoint::in_process();
    let catalogue = Catalogue::get();
    let names = catalogue.action_names();
    assert_eq!(names.len(), 80);
    let mut all = Map::new();
    for name in names {
        let action = catalogue.action(name).unwrap();
        let params = minimal_params(&ep, &action.request);
        let raw = ep.call(name, &borrowed(&params));
        raw.assert_ret_code(0);
        let mut entry = Map::new();
        entry.insert(
            "request".into(),
            Value::Object(
                params
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ),
        );
        entry.insert("answer".into(), raw.json);
        all.insert(name.to_owned(), Value::Object(entry));
    }
    insta::assert_json_snapshot!(Value::Object(all));
}

#[test]
fn every_read_only_catalogue_action_answers_in_its_catalogue_shape() {
    // Runs against any endpoint: Describe*, Get*, List* and Check* change nothing.
    let ep = Endpoint::under_test();
    let catalogue = Catalogue::get();
    let read_only: Vec<&str> = catalogue
        .action_names()
        .into_iter()
        .filter(|n| {
            ["Describe", "Get", "List", "Check"]
                .iter()
                .any(|p| n.starts_with(p))
        })
        .collect();
    assert!(read_only.len() >= 40, "{}", read_only.len());
    for name in read_only {
        let params = minimal_params(ep, &catalogue.action(name).unwrap().request);
        // The harness checks the envelope and the catalogue shape of each answer.
        let raw = ep.call(name, &borrowed(&params));
        assert!(raw.ret_code().is_some(), "{name}");
        if !ep.is_external() {
            raw.assert_ret_code(0);
        }
    }
}

#[test]
fn a_missing_required_param_of_any_action_gets_210_naming_it() {
    let ep = Endpoint::under_test();
    let catalogue = Catalogue::get();
    let mut checked = 0;
    for name in catalogue.action_names() {
        let request = &catalogue.action(name).unwrap().request;
        let Some(first) = request.iter().find(|f| f.required) else {
            continue;
        };
        if !name.starts_with("Describe") && !name.starts_with("Get") {
            continue;
        }
        let params: Vec<(String, String)> = minimal_params(ep, request)
            .into_iter()
            .filter(|(k, _)| k != &first.name && !k.starts_with(&format!("{}.", first.name)))
            .collect();
        let raw = ep.call(name, &borrowed(&params));
        raw.assert_ret_code(210);
        if !ep.is_external() {
            assert_eq!(
                raw.message(),
                Some(format!("Missing params [{}]", first.name).as_str()),
                "{name}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
}
