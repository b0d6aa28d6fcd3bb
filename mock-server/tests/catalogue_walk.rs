//! Walks the whole catalogue over the wire: every action, signed and sent to
//! an in-process mock with its required parameters, answers RetCode 0 with a
//! body of the catalogue's types; without any one of them, it answers 210
//! naming it.

use compshare_mock::catalogue::{Catalogue, Type};
use compshare_mock::wire::signature::sign_flat;
use compshare_mock::MockServer;
use serde_json::Value;

/// A value of the catalogue type for a parameter; ids and enumerations get a
/// value the mock's built-in fixtures know, in the state the action needs.
fn sample(action: &str, leaf: &str, ty: &Type) -> String {
    match (leaf, ty) {
        ("UHostId", _) => match action {
            "StartCompShareInstance"
            | "ResetCompShareInstancePassword"
            | "ReinstallCompShareInstance" => "uhost-demo0stp".into(),
            _ => "uhost-demo0run".into(),
        },
        ("CompShareImageId", _)
            if action.contains("CustomImage")
                || action.contains("ImageShare")
                || action.contains("ImageCreateProgress")
                || action == "UpdateCompShareImage"
                || action == "PublishCompShareImage" =>
        {
            "compshareImage-xxxx".into()
        }
        ("AddAccounts" | "RemoveAccounts", _) => "56000002".into(),
        ("Memory", _) => "65536".into(),
        ("CPU", _) => "16".into(),
        ("Region", _) => "cn-wlcb".into(),
        ("Zone", _) => "cn-wlcb-01".into(),
        ("GpuType", _) => "4090".into(),
        ("MachineType", _) => "G".into(),
        ("CompShareImageId", _) => "compshareImage-165jmhx19ik7".into(),
        (_, Type::Integer) => "1".into(),
        (_, Type::Number) => "1.5".into(),
        (_, Type::Boolean) => "true".into(),
        (_, _) => format!("mock-{leaf}"),
    }
}

/// The flat wire pairs of one parameter: arrays as `Name.0`, objects as
/// `Name.Field` (every field of the model).
fn pairs_of(
    c: &Catalogue,
    action: &str,
    name: &str,
    leaf: &str,
    ty: &Type,
    depth: usize,
) -> Vec<(String, String)> {
    match ty {
        Type::Array(inner) => pairs_of(c, action, &format!("{name}.0"), leaf, inner, depth),
        Type::Ref(model) if depth < 4 => c.models[model]
            .iter()
            .flat_map(|f| {
                pairs_of(
                    c,
                    action,
                    &format!("{name}.{}", f.name),
                    &f.name,
                    &f.ty,
                    depth + 1,
                )
            })
            .collect(),
        Type::Ref(_) => Vec::new(),
        scalar => vec![(name.to_owned(), sample(action, leaf, scalar))],
    }
}

async fn call(
    client: &reqwest::Client,
    server: &MockServer,
    mut pairs: Vec<(String, String)>,
) -> Value {
    let creds = server.credentials();
    pairs.push(("PublicKey".into(), creds.public_key.clone()));
    let signature = sign_flat(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &creds.private_key,
    );
    pairs.push(("Signature".into(), signature));
    let resp = client
        .post(server.uri())
        .form(&pairs)
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("a JSON body")
}

#[tokio::test]
async fn every_catalogue_action_answers_with_its_required_params_and_refuses_each_missing_one() {
    let server = MockServer::start().await.unwrap();
    let client = reqwest::Client::new();
    let catalogue = Catalogue::get();
    let mut failures = Vec::new();
    let mut calls = 0;
    for name in catalogue.action_names() {
        let action = catalogue.action(name).unwrap();
        let required: Vec<_> = action.request.iter().filter(|f| f.required).collect();
        let mut params = vec![("Action".to_owned(), name.to_owned())];
        for f in &required {
            params.extend(pairs_of(catalogue, name, &f.name, &f.name, &f.ty, 0));
        }

        // Every valid call starts from the built-in fixtures, so the
        // resources it names are there and in the state it needs.
        server.reset();
        let body = call(&client, &server, params.clone()).await;
        calls += 1;
        if body["RetCode"] != 0 || body["Action"] != format!("{name}Response") {
            failures.push(format!("{name}: expected RetCode 0, got {body}"));
        } else if let Err(m) = catalogue.check_answer(name, &body) {
            failures.push(format!("{name}: answer off the catalogue: {m}"));
        }

        for f in &required {
            let prefix = format!("{}.", f.name);
            let without: Vec<(String, String)> = params
                .iter()
                .filter(|(k, _)| *k != f.name && !k.starts_with(&prefix))
                .cloned()
                .collect();
            let body = call(&client, &server, without).await;
            calls += 1;
            let want = format!("Missing params [{}]", f.name);
            if body["RetCode"] != 210 || body["Message"] != want.as_str() {
                failures.push(format!(
                    "{name} without {}: expected 210 {want:?}, got {body}",
                    f.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} calls failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(catalogue.actions.len(), 80);
    assert!(calls > 200, "{calls}");
}
