//! Properties of the contract over generated fixture sets and parameters.
//!
//! Listing properties build their own fixtures (2–3 accounts, custom images
//! with CreateTime ties, platform images mixed in) and start one in-process
//! mock per case; they are in-process only. Signature properties change
//! nothing, share one endpoint, and also run against an external one.

use std::cmp::Reverse;
use std::collections::HashSet;

use compshare_mock::fixtures::Fixtures;
use compshare_mock::state::images::{CompShareImage, Owner, IMAGE_STATUSES};
use compshare_mock::state::Account;
use compshare_protocol::catalogue::Catalogue;
use contract_tests::listing::{concatenated_ids, expected_page_len, walk, LISTING};
use contract_tests::request::{call_pairs, signature_of, signed, HttpRequest};
use contract_tests::{skip_when_external, Endpoint, Keys, Raw};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

/// Cases per property: modest, so the suite stays fast on two cores; fewer
/// against an external endpoint, which may be a live one.
fn config() -> ProptestConfig {
    let cases = if Endpoint::suite_is_external() { 8 } else { 32 };
    ProptestConfig::with_cases(cases)
}

// --- Generated fixture sets ----------------------------------------------

/// A generated fixture set and, per account, its custom images in the
/// documented listing order (newest CreateTime first, then id).
#[derive(Debug, Clone)]
struct World {
    fixtures: Fixtures,
    listings: Vec<Vec<CompShareImage>>,
}

impl World {
    fn ids(&self, account: usize) -> Vec<String> {
        self.listings[account]
            .iter()
            .map(|i| i.comp_share_image_id.clone())
            .collect()
    }

    fn keys(&self, account: usize) -> Keys {
        let a = &self.fixtures.accounts[account];
        Keys::new(&a.public_key, &a.private_key)
    }
}

/// One image to be: owner index, CreateTime offset (few values, so ties are
/// common), status, kind (mostly custom, some System/App), name.
type Draft = (usize, i64, usize, u8, String);

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::hash_set(10_000_000u32..99_999_999, 2..=3),
        prop::collection::hash_set("[a-z0-9]{1,8}", 0..40),
        prop::collection::vec(
            (
                0usize..3,
                0i64..6,
                0..IMAGE_STATUSES.len(),
                0u8..10,
                "[ -~]{0,12}",
            ),
            40,
        ),
        prop::collection::vec("[a-z]{0,6}", 3),
    )
        .prop_map(|(account_ids, image_ids, drafts, names)| {
            build_world(account_ids, image_ids, drafts, names)
        })
}

fn build_world(
    account_ids: HashSet<u32>,
    image_ids: HashSet<String>,
    drafts: Vec<Draft>,
    names: Vec<String>,
) -> World {
    let mut account_ids: Vec<u32> = account_ids.into_iter().collect();
    account_ids.sort_unstable();
    let accounts: Vec<Account> = account_ids
        .iter()
        .zip(&names)
        .map(|(id, name)| Account {
            account_id: id.to_string(),
            account_name: name.clone(),
            public_key: format!("pk-{id}"),
            private_key: format!("sk-{id}-{name}"),
            us3: true,
        })
        .collect();
    let mut image_ids: Vec<String> = image_ids.into_iter().collect();
    image_ids.sort_unstable();
    let mut images = Vec::new();
    for (id, (owner, t, status, kind, name)) in image_ids.into_iter().zip(drafts) {
        let account = &accounts[owner % accounts.len()];
        let custom = kind < 8;
        images.push(CompShareImage {
            comp_share_image_id: format!("compshareImage-{id}"),
            name,
            image_type: match kind {
                8 => "System",
                9 => "App",
                _ => "Custom",
            }
            .to_owned(),
            status: IMAGE_STATUSES[status].to_owned(),
            create_time: 1_700_000_000 + t,
            owner: if custom {
                Owner {
                    account_id: account.account_id.clone(),
                    account_name: account.account_name.clone(),
                }
            } else {
                Owner::default()
            },
            visibility: i64::from(!custom),
            ..Default::default()
        });
    }
    let listings = accounts
        .iter()
        .map(|a| {
            let mut own: Vec<CompShareImage> = images
                .iter()
                .filter(|i| i.is_custom() && i.owner.account_id == a.account_id)
                .cloned()
                .collect();
            own.sort_by(|x, y| {
                (Reverse(x.create_time), &x.comp_share_image_id)
                    .cmp(&(Reverse(y.create_time), &y.comp_share_image_id))
            });
            own
        })
        .collect();
    World {
        fixtures: Fixtures {
            accounts,
            images: images.into_iter().collect(),
            ..Fixtures::default()
        },
        listings,
    }
}

/// `Limit` as sent: absent, 0, small, around the default, around the cap.
fn limit() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        Just(None),
        Just(Some(0)),
        (1u64..=8).prop_map(Some),
        (9u64..=40).prop_map(Some),
        (90u64..=150).prop_map(Some),
    ]
}

/// A mock of this world, or `None` (after a note) against an external endpoint.
fn start(world: &World, test: &str) -> Option<Endpoint> {
    if skip_when_external(test, "it generates its own fixture sets") {
        return None;
    }
    Some(Endpoint::with_fixtures(world.fixtures.clone()))
}

fn images_of(raw: &Raw) -> Vec<Value> {
    raw.field("ImageSet")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pages_walked_with_any_limit_concatenate_to_the_full_listing_with_no_gap_and_no_duplicate(
        world in world(),
        limit in limit(),
    ) {
        let Some(ep) = start(&world, "pages_walked_with_any_limit_concatenate_to_the_full_listing_with_no_gap_and_no_duplicate") else { return Ok(()) };
        for account in 0..world.fixtures.accounts.len() {
            let pages = walk(&ep, &world.keys(account), &[], limit);
            let listed: Vec<Value> = pages.iter().flat_map(|p| images_of(&p.raw)).collect();
            let expected: Vec<Value> = world.listings[account]
                .iter()
                .map(|i| serde_json::to_value(i).unwrap())
                .collect();
            prop_assert_eq!(concatenated_ids(&pages), world.ids(account), "account {} Limit {:?}", account, limit);
            prop_assert_eq!(listed, expected, "account {}: the images differ from the fixtures", account);
        }
    }

    #[test]
    fn total_count_is_the_same_on_every_page(world in world(), limit in limit()) {
        let Some(ep) = start(&world, "total_count_is_the_same_on_every_page") else { return Ok(()) };
        for account in 0..world.fixtures.accounts.len() {
            let total = world.listings[account].len() as i64;
            for page in walk(&ep, &world.keys(account), &[], limit) {
                prop_assert_eq!(page.raw.total_count(), Some(total), "account {} Offset {} Limit {:?}", account, page.offset, limit);
            }
        }
    }

    #[test]
    fn a_page_holds_the_clamped_limit_or_what_is_left_after_the_offset(
        world in world(),
        limit in limit(),
        offsets in prop::collection::vec(0u64..50, 1..6),
    ) {
        let Some(ep) = start(&world, "a_page_holds_the_clamped_limit_or_what_is_left_after_the_offset") else { return Ok(()) };
        let limit_text = limit.map(|l| l.to_string());
        for account in 0..world.fixtures.accounts.len() {
            let ids = world.ids(account);
            let total = ids.len() as u64;
            for &offset in &offsets {
                let offset_text = offset.to_string();
                let mut params = vec![("Region", "cn-wlcb"), ("Offset", offset_text.as_str())];
                if let Some(l) = &limit_text {
                    params.push(("Limit", l));
                }
                let raw = ep.call_as(&world.keys(account), LISTING, &params);
                raw.assert_ret_code(0);
                let want = expected_page_len(total, offset, limit) as usize;
                let start = (offset as usize).min(ids.len());
                prop_assert_eq!(raw.image_ids(), ids[start..start + want].to_vec(), "account {} Offset {} Limit {:?}", account, offset, limit);
                prop_assert_eq!(raw.total_count(), Some(total as i64));
            }
        }
    }

    #[test]
    fn the_id_filter_returns_zero_or_one_image_and_only_to_its_owner(
        world in world(),
        strangers in prop::collection::vec("compshareImage-[a-z0-9]{1,9}", 1..4),
    ) {
        let Some(ep) = start(&world, "the_id_filter_returns_zero_or_one_image_and_only_to_its_owner") else { return Ok(()) };
        let probes: Vec<String> = world.fixtures.images.iter()
            .map(|i| i.comp_share_image_id.clone())
            .chain(strangers)
            .collect();
        for account in 0..world.fixtures.accounts.len() {
            let own: HashSet<String> = world.ids(account).into_iter().collect();
            for id in &probes {
                let raw = ep.call_as(&world.keys(account), LISTING, &[("Region", "cn-wlcb"), ("CompShareImageId", id)]);
                raw.assert_ret_code(0);
                let expected: Vec<String> = own.get(id).cloned().into_iter().collect();
                prop_assert_eq!(raw.image_ids(), expected.clone(), "account {} id {}", account, id);
                prop_assert_eq!(raw.total_count(), Some(expected.len() as i64));
            }
        }
    }

    #[test]
    fn the_listing_never_shows_another_accounts_images(world in world(), limit in limit()) {
        let Some(ep) = start(&world, "the_listing_never_shows_another_accounts_images") else { return Ok(()) };
        for (account, a) in world.fixtures.accounts.iter().enumerate() {
            for page in walk(&ep, &world.keys(account), &[], limit) {
                for image in images_of(&page.raw) {
                    prop_assert_eq!(&image["Owner"]["AccountId"], &Value::from(a.account_id.clone()), "{}", image);
                    prop_assert_eq!(&image["ImageType"], &Value::from("Custom"), "{}", image);
                }
            }
        }
    }
}

// --- Signatures -------------------------------------------------------

/// Parameters of a listing call: Region, and any of Zone, Limit, Offset and
/// an image id with characters that need escaping.
fn listing_params() -> impl Strategy<Value = Vec<(String, String)>> {
    let ep = Endpoint::under_test();
    let (region, zone) = (ep.region().to_owned(), ep.zone().to_owned());
    (
        any::<bool>(),
        prop::option::of(0u32..200),
        prop::option::of(0u32..100),
        prop::option::of("[ -~]{0,10}|[a-zé中 &=+%]{1,6}"),
    )
        .prop_map(move |(with_zone, limit, offset, id)| {
            let mut p = vec![("Region".to_owned(), region.clone())];
            if with_zone {
                p.push(("Zone".to_owned(), zone.clone()));
            }
            if let Some(l) = limit {
                p.push(("Limit".to_owned(), l.to_string()));
            }
            if let Some(o) = offset {
                p.push(("Offset".to_owned(), o.to_string()));
            }
            if let Some(id) = id {
                p.push(("CompShareImageId".to_owned(), id));
            }
            p
        })
}

/// The unsigned pairs of a listing call by the endpoint's default keys.
fn unsigned(params: &[(String, String)]) -> Vec<(String, String)> {
    let ep = Endpoint::under_test();
    let borrowed: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    call_pairs(LISTING, &borrowed, &ep.keys().public_key)
}

fn send(pairs: &[(String, String)], as_get: bool) -> Raw {
    let req = if as_get {
        HttpRequest::get(pairs)
    } else {
        HttpRequest::form(pairs)
    };
    Endpoint::under_test().send(&req)
}

fn expect(raw: &Raw, code: i64, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(raw.ret_code(), Some(code), "{}: {}", what, raw.json);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parameter_order_never_changes_the_signature(
        (pairs, mut shuffled) in listing_params().prop_flat_map(|p| {
            let pairs = unsigned(&p);
            (Just(pairs.clone()), Just(pairs).prop_shuffle())
        }),
        signature_at in any::<Index>(),
        as_get in any::<bool>(),
    ) {
        let ep = Endpoint::under_test();
        let signature = signature_of(&pairs, &ep.keys().private_key);
        prop_assert_eq!(signature_of(&shuffled, &ep.keys().private_key), signature.clone());
        // The Signature pair itself may sit anywhere too.
        let at = signature_at.index(shuffled.len() + 1);
        shuffled.insert(at, ("Signature".to_owned(), signature));
        expect(&send(&shuffled, as_get), 0, "shuffled pairs")?;
    }

    #[test]
    fn changing_any_one_parameter_value_after_signing_gets_171(
        params in listing_params(),
        which in any::<Index>(),
        new_value in "[ -~]{0,12}",
        other_action in any::<Index>(),
    ) {
        let ep = Endpoint::under_test();
        let mut pairs = signed(unsigned(&params), &ep.keys().private_key);
        let at = which.index(pairs.len() - 1); // any pair but the Signature (last)
        let (key, old) = pairs[at].clone();
        let replacement = match key.as_str() {
            // Another real action: an unknown one would be 161 before the signature is checked.
            "Action" => {
                let names: Vec<&str> = Catalogue::get().action_names().into_iter().filter(|n| *n != old).collect();
                other_action.get(&names).to_string()
            }
            // Another real account: an unknown key would be 172 before the signature is checked.
            "PublicKey" => match ep.account_keys(1) {
                Some(k) => k.public_key,
                None => return Ok(()),
            },
            _ if new_value == old => format!("{old}x"),
            _ => new_value,
        };
        pairs[at].1 = replacement;
        expect(&send(&pairs, false), 171, &format!("{key} changed after signing"))?;
    }

    #[test]
    fn changing_the_signature_after_signing_gets_171(
        params in listing_params(),
        at in 0usize..40,
        nibble in 0u8..15,
    ) {
        let ep = Endpoint::under_test();
        let mut pairs = signed(unsigned(&params), &ep.keys().private_key);
        let signature = &mut pairs.last_mut().unwrap().1;
        let mut chars: Vec<char> = signature.chars().collect();
        let old = chars[at].to_digit(16).unwrap() as u8;
        // Any other hex digit.
        let new = if nibble >= old { nibble + 1 } else { nibble };
        chars[at] = char::from_digit(u32::from(new), 16).unwrap();
        *signature = chars.into_iter().collect();
        expect(&send(&pairs, false), 171, "signature changed")?;
    }

    #[test]
    fn a_signature_made_with_a_wrong_private_key_gets_171(
        params in listing_params(),
        private_key in "[ -~]{0,48}",
    ) {
        let ep = Endpoint::under_test();
        prop_assume!(private_key != ep.keys().private_key);
        let pairs = signed(unsigned(&params), &private_key);
        expect(&send(&pairs, false), 171, "wrong private key")?;
    }

    #[test]
    fn an_unknown_public_key_gets_172(
        params in listing_params(),
        public_key in "[A-Za-z0-9_@.-]{1,40}",
    ) {
        let ep = Endpoint::under_test();
        let public_key = format!("unknown-{public_key}");
        let known: Vec<String> = (0..8).filter_map(|i| ep.account_keys(i)).map(|k| k.public_key).collect();
        prop_assume!(!known.contains(&public_key));
        let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let pairs = signed(call_pairs(LISTING, &borrowed, &public_key), "any-private-key");
        expect(&send(&pairs, false), 172, "unknown public key")?;
    }
}
