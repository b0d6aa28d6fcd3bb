//! DescribeCompShareCustomImages over the wire: the paging rules, the id
//! filter, Zone being optional, account isolation and the seed's example.

use std::collections::HashSet;

use compshare_mock::fixtures::Fixtures;
use compshare_mock::state::images::{CompShareImage, Owner};
use contract_tests::listing::{
    concatenated_ids, expected_page_len, walk, DEFAULT_LIMIT, LISTING, MAX_LIMIT,
};
use contract_tests::{assert_answer_snapshot, skip_when_external, Endpoint};
use serde_json::{json, Value};

fn listing(ep: &Endpoint, extra: &[(&str, &str)]) -> contract_tests::Raw {
    let mut params = vec![("Region", ep.region())];
    params.extend_from_slice(extra);
    let raw = ep.call(LISTING, &params);
    raw.assert_ret_code(0);
    raw
}

fn total(ep: &Endpoint) -> u64 {
    listing(ep, &[]).total_count().unwrap() as u64
}

fn page_len(raw: &contract_tests::Raw) -> u64 {
    raw.image_ids().len() as u64
}

#[test]
fn an_absent_offset_starts_at_the_first_image() {
    let ep = Endpoint::under_test();
    let absent = listing(ep, &[("Limit", "3")]);
    let zero = listing(ep, &[("Limit", "3"), ("Offset", "0")]);
    assert_eq!(absent.json, zero.json);
}

#[test]
fn an_absent_or_zero_limit_gives_pages_of_twenty() {
    let ep = Endpoint::under_test();
    let t = total(ep);
    for extra in [&[][..], &[("Limit", "0")][..]] {
        let raw = listing(ep, extra);
        assert_eq!(page_len(&raw), DEFAULT_LIMIT.min(t), "{extra:?}");
    }
}

#[test]
fn a_limit_over_one_hundred_gives_pages_of_at_most_one_hundred() {
    let ep = Endpoint::under_test();
    let t = total(ep);
    for limit in ["101", "1000", "9223372036854775807"] {
        let raw = listing(ep, &[("Limit", limit)]);
        assert_eq!(page_len(&raw), MAX_LIMIT.min(t), "Limit={limit}");
    }
}

#[test]
fn an_offset_past_the_end_gives_an_empty_image_set_with_the_true_total_count() {
    let ep = Endpoint::under_test();
    let t = total(ep);
    for offset in [t, t + 1, t + 1000, i64::MAX as u64] {
        let raw = listing(ep, &[("Offset", &offset.to_string())]);
        assert_eq!(raw.field("ImageSet"), &json!([]), "Offset={offset}");
        assert_eq!(raw.total_count(), Some(t as i64), "Offset={offset}");
    }
}

#[test]
fn pages_walked_with_any_limit_cover_the_listing_once_in_order() {
    let ep = Endpoint::under_test();
    let everything = listing(ep, &[("Limit", "100")]);
    let t = everything.total_count().unwrap() as u64;
    for limit in [
        None,
        Some(0),
        Some(1),
        Some(3),
        Some(7),
        Some(20),
        Some(47),
        Some(100),
        Some(250),
    ] {
        let pages = walk(ep, ep.keys(), &[], limit);
        for p in &pages {
            assert_eq!(
                p.raw.total_count(),
                Some(t as i64),
                "Limit={limit:?} Offset={}",
                p.offset
            );
            assert_eq!(
                page_len(&p.raw),
                expected_page_len(t, p.offset, limit),
                "Limit={limit:?} Offset={}",
                p.offset
            );
        }
        let ids = concatenated_ids(&pages);
        assert_eq!(ids.len() as u64, t, "Limit={limit:?}");
        if t <= MAX_LIMIT {
            assert_eq!(ids, everything.image_ids(), "Limit={limit:?}");
        }
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "Limit={limit:?}: an image is listed twice"
        );
    }
}

#[test]
fn the_listing_is_newest_first_then_by_id() {
    let ep = Endpoint::under_test();
    let raw = listing(ep, &[("Limit", "100")]);
    let keys: Vec<(i64, String)> = raw
        .field("ImageSet")
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                -i["CreateTime"].as_i64().unwrap_or(0),
                i["CompShareImageId"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn the_id_filter_finds_exactly_the_image_of_that_id() {
    let ep = Endpoint::under_test();
    let first = listing(ep, &[("Limit", "1")]);
    if let Some(id) = first.image_ids().first() {
        let one = listing(ep, &[("CompShareImageId", id)]);
        assert_eq!(one.total_count(), Some(1));
        assert_eq!(one.field("ImageSet"), first.field("ImageSet"));
    }
    let none = listing(ep, &[("CompShareImageId", "compshareImage-doesnotexist")]);
    assert_eq!(none.total_count(), Some(0));
    assert_eq!(none.field("ImageSet"), &json!([]));
}

#[test]
fn zone_is_optional_for_describe_comp_share_custom_images() {
    let ep = Endpoint::under_test();
    let without = listing(ep, &[("Limit", "5")]);
    let with = listing(ep, &[("Limit", "5"), ("Zone", ep.zone())]);
    assert_eq!(without.json, with.json);
}

// --- In-process: the built-in fixtures and fixtures made for a test ------

const IN_PROCESS: &str = "it needs the built-in fixtures";

#[test]
fn the_seed_example_image_is_answered_as_the_seed_shows_it() {
    if skip_when_external(
        "the_seed_example_image_is_answered_as_the_seed_shows_it",
        IN_PROCESS,
    ) {
        return;
    }
    let ep = Endpoint::under_test();
    let raw = listing(ep, &[("CompShareImageId", "compshareImage-xxxx")]);
    // The seed's answer, field for field; the mock adds the model's other fields.
    let seed = json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": 0, "TotalCount": 1,
        "ImageSet": [{"CompShareImageId": "compshareImage-xxxx", "Name": "my-custom-env",
          "ImageType": "Custom", "Status": "Available", "CreateTime": 1712563200}]});
    for key in ["Action", "RetCode", "TotalCount"] {
        assert_eq!(raw.json[key], seed[key], "{key}");
    }
    let image = &raw.json["ImageSet"][0];
    for (k, v) in seed["ImageSet"][0].as_object().unwrap() {
        assert_eq!(&image[k], v, "ImageSet.0.{k}");
    }
    assert_eq!(raw.field("ImageSet").as_array().map(Vec::len), Some(1));
    assert_answer_snapshot!(raw);
}

#[test]
fn the_default_listing_pages_are_pinned() {
    if skip_when_external("the_default_listing_pages_are_pinned", IN_PROCESS) {
        return;
    }
    let ep = Endpoint::under_test();
    assert_answer_snapshot!(
        "first_three",
        listing(ep, &[("Zone", "cn-wlcb-01"), ("Limit", "3")])
    );
    assert_answer_snapshot!(
        "tail_from_offset_45",
        listing(ep, &[("Offset", "45"), ("Limit", "5")])
    );
    assert_answer_snapshot!("past_the_end", listing(ep, &[("Offset", "48")]));
    let ids = listing(ep, &[("Limit", "100")]).image_ids();
    insta::assert_json_snapshot!("all_ids_in_order", ids);
}

#[test]
fn an_account_never_sees_another_accounts_images() {
    if skip_when_external(
        "an_account_never_sees_another_accounts_images",
        "it needs the keys of several fixture accounts",
    ) {
        return;
    }
    let ep = Endpoint::under_test();
    let fixtures = Fixtures::builtin();
    let mut listed: Vec<HashSet<String>> = Vec::new();
    for (index, account) in fixtures.accounts.iter().enumerate() {
        let keys = ep.account_keys(index).unwrap();
        let pages = walk(ep, &keys, &[], Some(100));
        let mut own = HashSet::new();
        for p in &pages {
            for image in p.raw.field("ImageSet").as_array().unwrap() {
                assert_eq!(
                    image["Owner"]["AccountId"],
                    json!(account.account_id),
                    "{image}"
                );
                assert_eq!(image["ImageType"], json!("Custom"), "{image}");
                own.insert(image["CompShareImageId"].as_str().unwrap().to_owned());
            }
        }
        let expected: HashSet<String> = fixtures
            .images
            .iter()
            .filter(|i| i.is_custom() && i.owner.account_id == account.account_id)
            .map(|i| i.comp_share_image_id.clone())
            .collect();
        assert_eq!(own, expected, "account {}", account.account_id);
        listed.push(own);
    }
    assert_eq!(
        listed.iter().map(HashSet::len).collect::<Vec<_>>(),
        vec![48, 4, 0]
    );
    // The id filter does not cross accounts either.
    let second = ep.account_keys(1).unwrap();
    let raw = ep.call_as(
        &second,
        LISTING,
        &[
            ("Region", "cn-wlcb"),
            ("CompShareImageId", "compshareImage-xxxx"),
        ],
    );
    raw.assert_ret_code(0);
    assert_eq!(raw.total_count(), Some(0));
    assert_eq!(raw.field("ImageSet"), &json!([]));
}

#[test]
fn platform_images_are_never_listed_as_custom_images() {
    if skip_when_external(
        "platform_images_are_never_listed_as_custom_images",
        IN_PROCESS,
    ) {
        return;
    }
    let ep = Endpoint::under_test();
    let raw = listing(ep, &[("CompShareImageId", "compshareImage-165jmhx19ik7")]);
    assert_eq!(raw.total_count(), Some(0));
}

fn image(id: String, owner: &str, create_time: i64) -> CompShareImage {
    CompShareImage {
        comp_share_image_id: id,
        name: "bulk".into(),
        image_type: "Custom".into(),
        status: "Available".into(),
        create_time,
        owner: Owner {
            account_id: owner.into(),
            account_name: "default".into(),
        },
        ..Default::default()
    }
}

#[test]
fn a_limit_over_one_hundred_is_clamped_to_one_hundred() {
    if skip_when_external(
        "a_limit_over_one_hundred_is_clamped_to_one_hundred",
        "it needs more than 100 images",
    ) {
        return;
    }
    let mut fixtures = Fixtures::builtin();
    let owner = fixtures.accounts[0].account_id.clone();
    fixtures.images.extend((0..100).map(|i| {
        image(
            format!("compshareImage-bulk{i:03}"),
            &owner,
            1_600_000_000 + i,
        )
    }));
    let ep = Endpoint::with_fixtures(fixtures);
    let t = total(&ep);
    assert_eq!(t, 148);
    for (limit, len) in [
        (None, 20),
        (Some("0"), 20),
        (Some("100"), 100),
        (Some("101"), 100),
        (Some("5000"), 100),
    ] {
        let params: Vec<(&str, &str)> = limit.map(|l| vec![("Limit", l)]).unwrap_or_default();
        assert_eq!(page_len(&listing(&ep, &params)), len, "Limit={limit:?}");
    }
    let tail = listing(&ep, &[("Limit", "101"), ("Offset", "100")]);
    assert_eq!((page_len(&tail), tail.total_count()), (48, Some(148)));
}

#[test]
fn images_created_at_the_same_second_are_ordered_by_id() {
    if skip_when_external(
        "images_created_at_the_same_second_are_ordered_by_id",
        "it needs fixtures made for it",
    ) {
        return;
    }
    let mut fixtures = Fixtures::builtin();
    let owner = fixtures.accounts[2].account_id.clone();
    for id in ["compshareImage-c", "compshareImage-a", "compshareImage-b"] {
        fixtures
            .images
            .push(image(id.into(), &owner, 1_700_000_000));
    }
    fixtures
        .images
        .push(image("compshareImage-z".into(), &owner, 1_700_000_001));
    let ep = Endpoint::with_fixtures(fixtures);
    let keys = ep.account_keys(2).unwrap();
    let raw = ep.call_as(&keys, LISTING, &[("Region", "cn-wlcb")]);
    assert_eq!(
        raw.image_ids(),
        [
            "compshareImage-z",
            "compshareImage-a",
            "compshareImage-b",
            "compshareImage-c"
        ]
    );
    assert!(raw
        .field("ImageSet")
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["Owner"]["AccountName"] != Value::Null));
}
