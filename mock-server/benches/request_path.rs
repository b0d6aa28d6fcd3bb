//! Micro-benchmarks of the pieces of a request's path through the mock:
//! reading a form body, verifying its signature, selecting a page of a
//! million images (at the start and at the end of the list), writing the
//! answer, and the whole gateway for one DescribeCompShareCustomImages.
//! `cargo bench -p mock-server`; see BENCHMARKS.md.

use std::hint::black_box;

use compshare_mock::state::images::Owner;
use compshare_mock::state::{CompShareImage, Images, Page};
use compshare_mock::wire::envelope::Answer;
use compshare_mock::{gateway, Config, Shared};
use compshare_protocol::request::{self, Verb};
use compshare_protocol::{signature, signed};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const ACTION: &str = "DescribeCompShareCustomImages";
const FORM: &str = "application/x-www-form-urlencoded";

/// A signed page request of the default account, as the Python SDK sends it.
fn body(offset: usize) -> Vec<u8> {
    let offset = offset.to_string();
    let pairs = signed::call(
        ACTION,
        &[
            ("Region", "cn-wlcb"),
            ("Zone", "cn-wlcb-01"),
            ("Limit", "20"),
            ("Offset", &offset),
        ],
        "my_public_key",
        "my_private_key",
    );
    signed::form_body(&pairs).into_bytes()
}

fn image(i: usize) -> CompShareImage {
    CompShareImage {
        comp_share_image_id: format!("compshareImage-{i:010}"),
        name: format!("bench-env-{i:07}"),
        image_type: "Custom".into(),
        status: "Available".into(),
        create_time: 1_700_000_000 + (i / 2) as i64,
        description: format!("benchmark environment number {i:07}"),
        owner: Owner {
            account_id: "56000001".into(),
            account_name: "default".into(),
        },
        ..Default::default()
    }
}

fn parsing_and_signature(c: &mut Criterion) {
    let body = body(40);
    c.bench_function("parse a signed form body", |b| {
        b.iter(|| request::parse(Verb::Post, None, Some(FORM), black_box(&body)))
    });
    let wire = request::parse(Verb::Post, None, Some(FORM), &body).unwrap();
    let given = wire.signature.clone();
    c.bench_function("verify a signature", |b| {
        b.iter(|| {
            signature::verify(
                black_box(&wire.canonical),
                "my_private_key",
                given.as_deref(),
            )
        })
    });
}

fn paging(c: &mut Criterion) {
    const N: usize = 1_000_000;
    // Built on first use, so a run filtered to other benchmarks skips it.
    let built = std::sync::OnceLock::new();
    let images = || built.get_or_init(|| Images::build((0..N).map(image)));
    let page = |offset| Page { offset, limit: 20 };
    let mut group = c.benchmark_group("select a page of 1,000,000 images");
    for (name, offset) in [("at Offset 0", 0), ("at the end", N - 20)] {
        group.bench_function(name, |b| {
            let images = images();
            b.iter(|| {
                images
                    .custom_of(black_box("56000001"), None, page(black_box(offset)))
                    .items
                    .len()
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("select and write a page of 1,000,000 images");
    for (name, offset) in [("at Offset 0", 0), ("at the end", N - 20)] {
        group.bench_function(name, |b| {
            let images = images();
            b.iter(|| {
                let listing = images.custom_of("56000001", None, page(black_box(offset)));
                let answer = Answer::new()
                    .field("TotalCount", &listing.total)
                    .rendered_list("ImageSet", listing.items);
                answer.into_body(Some(ACTION))
            })
        });
    }
    group.finish();
}

fn gateway_whole(c: &mut Criterion) {
    let shared = Shared::new(Config::default());
    let body = body(20);
    c.bench_function("gateway: parse, check, answer and write one page", |b| {
        b.iter_batched(
            || body.clone(),
            |body| {
                let wire = request::parse(Verb::Post, None, Some(FORM), &body).unwrap();
                let outcome = gateway::handle(&shared.state, &wire);
                outcome.result.unwrap().into_body(Some(ACTION))
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, parsing_and_signature, paging, gateway_whole);
criterion_main!(benches);
