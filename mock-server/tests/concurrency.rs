//! Many clients at once, across accounts: the final state is exactly what
//! the successful answers imply — nothing lost, nothing duplicated, and no
//! account sees another's resources.

mod common;

use std::collections::BTreeSet;

use common::call;
use compshare_mock::state::Timings;
use compshare_mock::{Config, Credentials, MockServer};
use serde_json::Value;

/// What one worker saw succeed.
#[derive(Default)]
struct Seen {
    instances_made: Vec<String>,
    instances_gone: Vec<String>,
    images_made: Vec<String>,
    images_gone: Vec<String>,
}

fn ids(v: &Value, field: &str, id: &str) -> BTreeSet<String> {
    v[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[id].as_str().unwrap().to_owned())
        .collect()
}

/// Every id a paged listing shows, walked 100 at a time.
async fn walk(
    server: &MockServer,
    creds: &Credentials,
    action: &str,
    list: &str,
    id: &str,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    loop {
        let offset = out.len().to_string();
        let page = call(
            server,
            creds,
            action,
            &[("Offset", &offset), ("Limit", "100")],
        )
        .await;
        let got = ids(&page, list, id);
        if got.is_empty() {
            return out;
        }
        out.extend(got);
    }
}

async fn all_images(server: &MockServer, creds: &Credentials) -> BTreeSet<String> {
    walk(
        server,
        creds,
        "DescribeCompShareCustomImages",
        "ImageSet",
        "CompShareImageId",
    )
    .await
}

async fn all_instances(server: &MockServer, creds: &Credentials) -> BTreeSet<String> {
    walk(
        server,
        creds,
        "DescribeCompShareInstance",
        "UHostSet",
        "UHostId",
    )
    .await
}

async fn worker(server: &MockServer, creds: Credentials, seed: u64) -> Seen {
    let mut seen = Seen::default();
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let zone = ("Zone", "cn-wlcb-01");
    for _ in 0..30 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        match rng % 5 {
            0 | 1 => {
                let v = call(
                    server,
                    &creds,
                    "CreateCompShareInstance",
                    &[
                        zone,
                        ("CompShareImageId", "compshareImage-165jmhx19ik7"),
                        ("CPU", "16"),
                        ("Memory", "65536"),
                        ("GPU", "1"),
                        ("GpuType", "4090"),
                        ("MachineType", "G"),
                    ],
                )
                .await;
                if v["RetCode"] == 0 {
                    seen.instances_made
                        .push(v["UHostIds"][0].as_str().unwrap().to_owned());
                }
            }
            2 => {
                if let Some(host) = seen
                    .instances_made
                    .iter()
                    .find(|h| !seen.instances_gone.contains(h))
                    .cloned()
                {
                    let v = call(
                        server,
                        &creds,
                        "CreateCompShareCustomImage",
                        &[zone, ("UHostId", &host), ("Name", "snap")],
                    )
                    .await;
                    if v["RetCode"] == 0 {
                        seen.images_made
                            .push(v["CompShareImageId"].as_str().unwrap().to_owned());
                    }
                }
            }
            3 => {
                if let Some(img) = seen
                    .images_made
                    .iter()
                    .find(|i| !seen.images_gone.contains(i))
                    .cloned()
                {
                    let v = call(
                        server,
                        &creds,
                        "CopyCompShareCustomImage",
                        &[zone, ("CompShareImageId", &img)],
                    )
                    .await;
                    if v["RetCode"] == 0 {
                        seen.images_made
                            .push(v["NewCompShareImageId"].as_str().unwrap().to_owned());
                    }
                    let v = call(
                        server,
                        &creds,
                        "TerminateCompShareCustomImage",
                        &[zone, ("CompShareImageId", &img)],
                    )
                    .await;
                    if v["RetCode"] == 0 {
                        seen.images_gone.push(img);
                    }
                }
            }
            _ => {
                if let Some(host) = seen
                    .instances_made
                    .iter()
                    .find(|h| !seen.instances_gone.contains(h))
                    .cloned()
                {
                    let v = call(
                        server,
                        &creds,
                        "TerminateCompShareInstance",
                        &[zone, ("UHostId", &host)],
                    )
                    .await;
                    if v["RetCode"] == 0 {
                        seen.instances_gone.push(host);
                    }
                }
            }
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_leave_exactly_what_their_answers_imply() {
    let timings = Timings {
        boot_seconds: 0,
        transition_seconds: 0,
        image_build_seconds: 0,
        detach_seconds: 0,
    };
    let server = std::sync::Arc::new(
        MockServer::start_with(Config {
            timings,
            ..Config::default()
        })
        .await
        .unwrap(),
    );
    let accounts: Vec<Credentials> = (0..3)
        .map(|i| server.account_credentials(i).unwrap())
        .collect();
    let mut before = Vec::new();
    for creds in &accounts {
        before.push((
            all_images(&server, creds).await,
            all_instances(&server, creds).await,
        ));
    }
    let mut tasks = Vec::new();
    for (a, creds) in accounts.iter().enumerate() {
        for w in 0..6u64 {
            let server = server.clone();
            let creds = creds.clone();
            tasks.push(tokio::spawn(async move {
                (a, worker(&server, creds, (a as u64) * 100 + w + 1).await)
            }));
        }
    }
    let mut per_account: Vec<Vec<Seen>> = (0..3).map(|_| Vec::new()).collect();
    for t in tasks {
        let (a, seen) = t.await.unwrap();
        per_account[a].push(seen);
    }
    let mut every_id = BTreeSet::new();
    let mut made_total = 0;
    for (a, creds) in accounts.iter().enumerate() {
        let (mut images, mut instances) = before[a].clone();
        for seen in &per_account[a] {
            made_total += seen.images_made.len() + seen.instances_made.len();
            images.extend(seen.images_made.iter().cloned());
            instances.extend(seen.instances_made.iter().cloned());
            for id in seen.images_made.iter().chain(&seen.instances_made) {
                assert!(every_id.insert(id.clone()), "id {id} handed out twice");
            }
        }
        for seen in &per_account[a] {
            for gone in &seen.images_gone {
                images.remove(gone);
            }
            for gone in &seen.instances_gone {
                instances.remove(gone);
            }
        }
        assert_eq!(
            all_images(&server, creds).await,
            images,
            "account {a}: images"
        );
        assert_eq!(
            all_instances(&server, creds).await,
            instances,
            "account {a}: instances"
        );
        for (b, other) in accounts.iter().enumerate().filter(|(b, _)| *b != a) {
            let theirs = all_images(&server, other).await;
            assert!(
                images.is_disjoint(&theirs),
                "account {b} sees images of account {a}"
            );
        }
    }
    assert!(made_total > 100, "the workers made {made_total} resources");
}
