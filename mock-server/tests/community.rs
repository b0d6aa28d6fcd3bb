//! The community over the wire: version groups and their filters, the
//! caller's and another account's publications, publishing into a group,
//! UpdateCompShareImage's fields, and favourites (kept by `--state`).

mod common;

use common::{admin, call, ok};
use compshare_mock::{Config, MockServer};
use serde_json::Value;

const GROUP: &str = "group-sdwebui0grp1";
const OWN_GROUP: &str = "group-llamafac0grp";
const ZONE: (&str, &str) = ("Zone", "cn-wlcb-01");

async fn server() -> MockServer {
    common::frozen(Config::default()).await
}

fn group_ids(answer: &Value) -> Vec<String> {
    answer["CompshareImageGroup"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["GroupId"].as_str().unwrap().to_owned())
        .collect()
}

fn version_ids(group: &Value) -> Vec<String> {
    group["Data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["CompShareImageId"].as_str().unwrap().to_owned())
        .collect()
}

async fn state(server: &MockServer) -> Value {
    admin(server, "GET", "/state", None).await.1
}

/// The state without the clock (which a call may read, never change here).
async fn state_but_clock(server: &MockServer) -> Value {
    let mut s = state(server).await;
    s.as_object_mut().unwrap().remove("Clock");
    s
}

#[tokio::test]
async fn community_images_come_in_version_groups_filtered_sorted_and_paged_over_groups() {
    let server = server().await;
    let me = server.credentials();
    let all = ok(&server, &me, "DescribeCommunityImages", &[]).await;
    assert_eq!(all["TotalCount"], 2);
    assert_eq!(all["AvailableTotalCount"], 2);
    assert_eq!(
        group_ids(&all),
        [GROUP, OWN_GROUP],
        "newest publication first"
    );
    let g = &all["CompshareImageGroup"][0];
    assert_eq!(
        version_ids(g),
        ["compshareImage-sdwebui0v110", "compshareImage-sdwebui0v100"]
    );
    assert_eq!(g["ImageName"], "SD WebUI Forge");
    assert_eq!(g["Status"], "Available");
    assert_eq!(g["Data"][0]["VersionName"], "v1.1");
    assert_eq!(g["CreatedCount"], 17);
    assert_eq!(g["IsFavorite"], false);
    assert_eq!(
        all["ImageSet"].as_array().unwrap().len(),
        3,
        "ImageSet: the versions of the page's groups"
    );

    let page = ok(
        &server,
        &me,
        "DescribeCommunityImages",
        &[("Offset", "1"), ("Limit", "1")],
    )
    .await;
    assert_eq!(page["TotalCount"], 2);
    assert_eq!(group_ids(&page), [OWN_GROUP]);

    let only = |params: &'static [(&'static str, &'static str)]| {
        let server = &server;
        let me = &me;
        async move { ok(server, me, "DescribeCommunityImages", params).await }
    };
    let paid = only(&[("IsFree", "false")]).await;
    assert_eq!(group_ids(&paid), [GROUP]);
    assert_eq!(
        version_ids(&paid["CompshareImageGroup"][0]),
        ["compshareImage-sdwebui0v110"]
    );
    let free = only(&[("IsFree", "true")]).await;
    assert_eq!(group_ids(&free), [GROUP, OWN_GROUP]);
    assert_eq!(
        group_ids(&only(&[("FuzzySearch", "llama")]).await),
        [OWN_GROUP]
    );
    assert_eq!(
        group_ids(&only(&[("FuzzySearch", "SECOND")]).await),
        [GROUP]
    );
    assert_eq!(
        group_ids(&only(&[("Author", "default")]).await),
        [OWN_GROUP]
    );
    assert_eq!(group_ids(&only(&[("Name", "Forge")]).await), [GROUP]);
    assert_eq!(
        group_ids(&only(&[("GroupId", OWN_GROUP)]).await),
        [OWN_GROUP]
    );
    assert_eq!(group_ids(&only(&[("IfAutoStart", "true")]).await), [GROUP]);
    assert_eq!(group_ids(&only(&[("IsOfficial", "true")]).await).len(), 0);
    let flux = only(&[("Tag.0", "AIGC"), ("Tag.1", "FLUX")]).await;
    assert_eq!(
        version_ids(&flux["CompshareImageGroup"][0]),
        ["compshareImage-sdwebui0v110"],
        "every tag of the list"
    );
    assert_eq!(group_ids(&only(&[("Tag", "LLM")]).await), [OWN_GROUP]);
    let one = only(&[("CompShareImageId", "compshareImage-sdwebui0v100")]).await;
    assert_eq!(
        version_ids(&one["CompshareImageGroup"][0]),
        ["compshareImage-sdwebui0v100"]
    );
    let oldest = only(&[
        ("SortCondition.Field", "PubTime"),
        ("SortCondition.ASC", "true"),
    ])
    .await;
    assert_eq!(group_ids(&oldest), [OWN_GROUP, GROUP]);
    let by_use = only(&[("SortCondition.Field", "ImageUseTime")]).await;
    assert_eq!(group_ids(&by_use), [GROUP, OWN_GROUP]);

    let bad = call(
        &server,
        &me,
        "DescribeCommunityImages",
        &[("SortCondition.Field", "Popularity")],
    )
    .await;
    assert_eq!(bad["RetCode"], 230);
    assert_eq!(bad["Message"], "Params [SortCondition] not available");
}

#[tokio::test]
async fn publishing_adds_a_version_to_an_own_group_and_refuses_anothers_group() {
    let server = server().await;
    let me = server.credentials();
    let second = server.account_credentials(1).unwrap();
    ok(
        &server,
        &second,
        "PublishCompShareImage",
        &[
            ZONE,
            ("CompShareImageId", "compshareImage-fwev8nf1mg93"),
            ("Price", "0"),
            ("GroupId", GROUP),
            ("VersionName", "v2.0"),
            ("VersionDesc", "whisper inside"),
            ("SupportedGpuTypes.0", "4090"),
            ("SupportedGpuTypes.1", "5090"),
        ],
    )
    .await;
    let listed = ok(
        &server,
        &me,
        "DescribeCommunityImages",
        &[("GroupId", GROUP)],
    )
    .await;
    let newest = &listed["CompshareImageGroup"][0]["Data"][0];
    assert_eq!(
        listed["CompshareImageGroup"][0]["Data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        (&newest["VersionName"], &newest["VersionDesc"]),
        (&"v2.0".into(), &"whisper inside".into())
    );
    let id = newest["CompShareImageId"].as_str().unwrap();
    let dump = state(&server).await;
    assert_eq!(
        dump["SupportedGpuTypes"][id],
        serde_json::json!(["4090", "5090"])
    );

    // Into another account's group, or with a version name the group has:
    // 230, and nothing changes.
    let before = state_but_clock(&server).await;
    let theirs = call(
        &server,
        &me,
        "PublishCompShareImage",
        &[
            ZONE,
            ("CompShareImageId", "compshareImage-xxxx"),
            ("Price", "0"),
            ("GroupId", GROUP),
            ("VersionName", "v9"),
        ],
    )
    .await;
    assert_eq!(theirs["RetCode"], 230);
    assert_eq!(theirs["Message"], "Params [GroupId] not available");
    let taken = call(
        &server,
        &second,
        "PublishCompShareImage",
        &[
            ZONE,
            ("CompShareImageId", "compshareImage-fwev8nf1mg93"),
            ("Price", "0"),
            ("GroupId", GROUP),
            ("VersionName", "v1.0"),
        ],
    )
    .await;
    assert_eq!(taken["Message"], "Params [VersionName] not available");
    assert_eq!(state_but_clock(&server).await, before);

    // Without GroupId: a new group of the publisher.
    ok(
        &server,
        &me,
        "PublishCompShareImage",
        &[
            ZONE,
            ("CompShareImageId", "compshareImage-xxxx"),
            ("Price", "0.2"),
            ("CommunityImageName", "paddle-env"),
            ("VersionName", "v1"),
        ],
    )
    .await;
    let mine = ok(&server, &me, "DescribeSelfCommunityImages", &[]).await;
    assert_eq!(mine["TotalCount"], 2);
    let new_group = group_ids(&mine)[0].clone();
    assert!(
        new_group.starts_with("group-") && new_group != OWN_GROUP,
        "{new_group}"
    );
    assert_eq!(mine["CompshareImageGroup"][0]["ImageName"], "paddle-env");
}

#[tokio::test]
async fn own_and_another_accounts_publications_are_listed_from_state() {
    let server = server().await;
    let me = server.credentials();
    let second = server.account_credentials(1).unwrap();
    // A version under review: the owner sees it, others do not.
    server
        .shared()
        .state
        .write()
        .unwrap()
        .images
        .update("compshareImage-sdwebui0v110", |v| {
            v.status = "Reviewing".into()
        });
    let own = ok(&server, &second, "DescribeSelfCommunityImages", &[]).await;
    assert_eq!(group_ids(&own), [GROUP]);
    assert_eq!(
        (&own["TotalCount"], &own["AvailableTotalCount"]),
        (&1.into(), &1.into())
    );
    assert_eq!(
        own["CompshareImageGroup"][0]["Data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let filtered = ok(
        &server,
        &second,
        "DescribeSelfCommunityImages",
        &[("Name", "no such name")],
    )
    .await;
    assert_eq!(filtered["TotalCount"], 0);
    let paged = ok(
        &server,
        &second,
        "DescribeSelfCommunityImages",
        &[("Offset", "1"), ("Limit", "10")],
    )
    .await;
    assert_eq!(
        (&paged["TotalCount"], group_ids(&paged).len()),
        (&1.into(), 0)
    );

    let theirs = ok(
        &server,
        &me,
        "DescribeUserCommunityImages",
        &[("TargetTopOrganizationId", "56000002")],
    )
    .await;
    assert_eq!(group_ids(&theirs), [GROUP]);
    assert_eq!(
        version_ids(&theirs["CompshareImageGroup"][0]),
        ["compshareImage-sdwebui0v100"],
        "only published versions"
    );
    let nobody = ok(
        &server,
        &me,
        "DescribeUserCommunityImages",
        &[("TargetTopOrganizationId", "12345")],
    )
    .await;
    assert_eq!(nobody["TotalCount"], 0);
    let own_org = ok(&server, &me, "DescribeUserCommunityImages", &[]).await;
    assert_eq!(group_ids(&own_org), [OWN_GROUP]);
}

#[tokio::test]
async fn an_update_applies_every_field_it_takes_and_a_refused_one_changes_nothing() {
    let server = server().await;
    let me = server.credentials();
    let image = "compshareImage-xxxx";
    ok(
        &server,
        &me,
        "UpdateCompShareImage",
        &[
            ("CompShareImageId", image),
            ("Name", "renamed"),
            ("Description", "new description"),
            ("Visibility", "1"),
            ("Price", "0.75"),
            ("Cover", "Y292ZXI="),
            ("Readme", "# readme"),
            ("Tags.0", "a"),
            ("Tags.1", "b"),
            ("VersionName", "v2"),
            ("VersionDesc", "second version"),
            ("SupportedGpuTypes.0", "4090"),
            ("AutoStart", "true"),
            (
                "Softwares",
                r#"{"Applications":["JupyterLab"],"CUDAVersion":"12.4"}"#,
            ),
        ],
    )
    .await;
    let got = ok(
        &server,
        &me,
        "DescribeCompShareCustomImages",
        &[("CompShareImageId", image)],
    )
    .await;
    let img = &got["ImageSet"][0];
    for (field, want) in [
        ("Name", Value::from("renamed")),
        ("Description", "new description".into()),
        ("Visibility", 1.into()),
        ("Price", 0.75.into()),
        ("ImageCharge", true.into()),
        ("Cover", "Y292ZXI=".into()),
        ("Readme", "# readme".into()),
        ("Tags", serde_json::json!(["a", "b"])),
        ("VersionName", "v2".into()),
        ("VersionDesc", "second version".into()),
        ("AutoStart", true.into()),
    ] {
        assert_eq!(img[field], want, "{field}");
    }
    assert_eq!(img["Softwares"]["CUDAVersion"], "12.4");
    assert_eq!(
        state(&server).await["SupportedGpuTypes"][image],
        serde_json::json!(["4090"])
    );

    let before = state_but_clock(&server).await;
    for (params, refused) in [
        (vec![("Name", "x".repeat(65))], "Name"),
        (vec![("Price", "-1".to_owned())], "Price"),
        (vec![("Visibility", "2".to_owned())], "Visibility"),
        (vec![("Softwares", "not json".to_owned())], "Softwares"),
        (vec![("GroupId", GROUP.to_owned())], "GroupId"),
        (
            vec![
                ("Name", "fine".to_owned()),
                ("GroupId", OWN_GROUP.to_owned()),
            ],
            "GroupId",
        ),
    ] {
        let mut p: Vec<(&str, &str)> = vec![("CompShareImageId", image)];
        p.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
        let answer = call(&server, &me, "UpdateCompShareImage", &p).await;
        assert_eq!(answer["RetCode"], 230, "{p:?}");
        assert_eq!(
            answer["Message"],
            format!("Params [{refused}] not available")
        );
    }
    assert_eq!(state_but_clock(&server).await, before);

    // A community version of the caller takes them too.
    ok(
        &server,
        &me,
        "UpdateCompShareImage",
        &[
            ("CompShareImageId", "compshareImage-llamafct0v10"),
            ("VersionName", "v1.0.1"),
            ("Price", "1"),
        ],
    )
    .await;
    let listed = ok(&server, &me, "DescribeSelfCommunityImages", &[]).await;
    let v = &listed["CompshareImageGroup"][0]["Data"][0];
    assert_eq!(
        (&v["VersionName"], &v["Price"]),
        (&"v1.0.1".into(), &1.0.into())
    );
}

#[tokio::test]
async fn favourites_are_per_account_shown_on_the_group_and_refused_for_unknown_groups() {
    let server = server().await;
    let me = server.credentials();
    let second = server.account_credentials(1).unwrap();
    let group_of = |answer: &Value| {
        answer["CompshareImageGroup"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["GroupId"] == GROUP)
            .cloned()
            .unwrap()
    };
    ok(
        &server,
        &me,
        "CreateCompShareImageFavorite",
        &[("GroupId", GROUP)],
    )
    .await;
    ok(
        &server,
        &me,
        "CreateCompShareImageFavorite",
        &[("GroupId", GROUP)],
    )
    .await;
    let mine = group_of(&ok(&server, &me, "DescribeCommunityImages", &[]).await);
    assert_eq!(
        (&mine["IsFavorite"], &mine["FavoritesCount"]),
        (&true.into(), &1.into())
    );
    assert_eq!(mine["Data"][0]["FavoritesCount"], 1);
    let theirs = group_of(&ok(&server, &second, "DescribeCommunityImages", &[]).await);
    assert_eq!(
        (&theirs["IsFavorite"], &theirs["FavoritesCount"]),
        (&false.into(), &1.into())
    );
    assert_eq!(
        state(&server).await["Favorites"]["56000001"],
        serde_json::json!([GROUP])
    );
    let most = ok(
        &server,
        &second,
        "DescribeCommunityImages",
        &[
            ("SortCondition.Field", "FavoritesCount"),
            ("SortCondition.ASC", "false"),
        ],
    )
    .await;
    assert_eq!(group_ids(&most)[0], GROUP);

    let before = state_but_clock(&server).await;
    let unknown = call(
        &server,
        &me,
        "CreateCompShareImageFavorite",
        &[("GroupId", "group-nowhere")],
    )
    .await;
    assert_eq!(unknown["RetCode"], 230);
    assert_eq!(unknown["Message"], "Params [GroupId] not available");
    let unknown = call(
        &server,
        &me,
        "DeleteCompShareImageFavorite",
        &[("GroupId", "group-nowhere")],
    )
    .await;
    assert_eq!(unknown["RetCode"], 230);
    let missing = call(&server, &me, "CreateCompShareImageFavorite", &[]).await;
    assert_eq!(missing["RetCode"], 210);
    assert_eq!(state_but_clock(&server).await, before);

    ok(
        &server,
        &second,
        "DeleteCompShareImageFavorite",
        &[("GroupId", GROUP)],
    )
    .await;
    ok(
        &server,
        &me,
        "DeleteCompShareImageFavorite",
        &[("GroupId", GROUP)],
    )
    .await;
    ok(
        &server,
        &me,
        "DeleteCompShareImageFavorite",
        &[("GroupId", GROUP)],
    )
    .await;
    let after = group_of(&ok(&server, &me, "DescribeCommunityImages", &[]).await);
    assert_eq!(
        (&after["IsFavorite"], &after["FavoritesCount"]),
        (&false.into(), &0.into())
    );
}

#[tokio::test]
async fn favourites_survive_a_restart_with_a_state_file() {
    let dir = std::env::temp_dir().join(format!("compshare-favourites-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let config = || Config {
        state_file: Some(file.clone()),
        ..Config::default()
    };
    {
        let server = MockServer::start_with(config()).await.unwrap();
        let me = server.credentials();
        ok(
            &server,
            &me,
            "CreateCompShareImageFavorite",
            &[("GroupId", GROUP)],
        )
        .await;
        let (status, _) = admin(&server, "POST", "/save", None).await;
        assert_eq!(status, 200);
    }
    let server = MockServer::start_with(config()).await.unwrap();
    let me = server.credentials();
    let listed = ok(
        &server,
        &me,
        "DescribeCommunityImages",
        &[("GroupId", GROUP)],
    )
    .await;
    let g = &listed["CompshareImageGroup"][0];
    assert_eq!(
        (&g["IsFavorite"], &g["FavoritesCount"]),
        (&true.into(), &1.into())
    );
    let _ = std::fs::remove_dir_all(&dir);
}
