//! The whole catalogue over the wire: every action, called with its
//! required parameters (ids naming fixture resources in the right state),
//! answers RetCode 0 with a body of the catalogue's shape (the harness checks
//! every field's JSON type and that no field lies outside the model);
//! without any one of them it answers 210 naming it.

use compshare_protocol::catalogue::Catalogue;
use contract_tests::samples::{required_params, without};
use contract_tests::{skip_when_external, Endpoint};
use serde_json::{Map, Value};

fn borrowed(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn every_catalogue_action_answers_its_required_params_in_its_catalogue_shape() {
    if skip_when_external(
        "every_catalogue_action_answers_its_required_params_in_its_catalogue_shape",
        "it calls mutating actions and resets the mock between them",
    ) {
        return;
    }
    let ep = Endpoint::in_process();
    let mock = ep.mock().expect("in process");
    mock.freeze_clock();
    mock.set_seed(1);
    let catalogue = Catalogue::get();
    let names = catalogue.action_names();
    let added = compshare_protocol::catalogue::Overlay::get().actions.len();
    assert_eq!(names.len(), 80 + added);
    let mut all = Map::new();
    for name in names {
        let action = catalogue.action(name).unwrap();
        let params = required_params(name, &action.request, ep.region(), ep.zone());
        // Each call starts from the built-in fixtures, so the resources it
        // names exist and are in the state it needs.
        mock.reset();
        let raw = ep.call(name, &borrowed(&params));
        raw.assert_ret_code(0);
        let mut entry = Map::new();
        let request = params
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        entry.insert("request".into(), Value::Object(request));
        entry.insert("answer".into(), raw.json);
        all.insert(name.to_owned(), Value::Object(entry));
    }
    insta::assert_json_snapshot!(Value::Object(all), {
        ".*.answer.UHostSet[].CreateTime" => "[virtual now]",
        ".*.answer.UHostSet[].StartTime" => "[virtual now]",
        ".*.answer.UHostSet[].UpdateTime" => "[virtual now]",
        // Monitoring points are a function of the virtual time.
        ".*.answer.Data.List[].Metrics[].Results[].Values[].Timestamp" => "[virtual minute]",
        ".*.answer.Data.List[].Metrics[].Results[].Values[].Value" => "[sample]",
    });
}

#[test]
fn every_catalogue_action_without_one_required_param_gets_210_naming_it() {
    if skip_when_external(
        "every_catalogue_action_without_one_required_param_gets_210_naming_it",
        "it calls mutating actions",
    ) {
        return;
    }
    let ep = Endpoint::in_process();
    let catalogue = Catalogue::get();
    let mut checked = 0;
    for name in catalogue.action_names() {
        let request = &catalogue.action(name).unwrap().request;
        let params = required_params(name, request, ep.region(), ep.zone());
        for f in request.iter().filter(|f| f.required) {
            let raw = ep.call(name, &borrowed(&without(&params, &f.name)));
            raw.assert_ret_code(210);
            assert_eq!(
                raw.message(),
                Some(format!("Missing params [{}]", f.name).as_str()),
                "{name}"
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked}");
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
        let params = required_params(
            name,
            &catalogue.action(name).unwrap().request,
            ep.region(),
            ep.zone(),
        );
        // The harness checks the envelope and the catalogue shape of each answer.
        let raw = ep.call(name, &borrowed(&params));
        assert!(raw.ret_code().is_some(), "{name}");
        if !ep.is_external() {
            raw.assert_ret_code(0);
        }
    }
}
