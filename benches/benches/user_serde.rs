//! Reading and writing a full enterprise user (group `user_serde`): the RFC 7643 §8.3
//! example, as the typed [`User`] and as the dynamic [`Resource`].
//!
//! `parse_*` report the input's bytes per second, `emit_*` the output's (compact JSON);
//! `resource_to_typed` and `typed_to_resource` convert between the two models and report
//! users per second.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scimitar_schema::{Resource, User};

const ENTERPRISE_USER: &str =
    include_str!("../../crates/scimitar-schema/tests/fixtures/rfc7643/8.3-user-enterprise.json");

fn bytes(json: &[u8]) -> Throughput {
    Throughput::Bytes(u64::try_from(json.len()).expect("a small document"))
}

fn user_serde(c: &mut Criterion) {
    let input = ENTERPRISE_USER.as_bytes();
    let user: User = serde_json::from_slice(input).expect("the RFC example is a User");
    let resource = Resource::from_json(input).expect("the RFC example is an object");
    let typed_json = serde_json::to_vec(&user).expect("a User serialises");
    let resource_json = serde_json::to_vec(&resource).expect("a Resource serialises");
    // What is measured must be right: both models keep the whole document.
    assert_eq!(serde_json::from_slice::<User>(&typed_json).unwrap(), user);
    assert_eq!(Resource::from_json(&resource_json).unwrap(), resource);
    assert_eq!(User::from_resource(&resource).unwrap(), user);
    assert_eq!(Resource::from_json(&typed_json).unwrap(), resource);

    let mut group = c.benchmark_group("user_serde");
    group.throughput(bytes(input));
    group.bench_function("parse_typed", |b| {
        b.iter(|| serde_json::from_slice::<User>(black_box(input)));
    });
    group.bench_function("parse_resource", |b| {
        b.iter(|| Resource::from_json(black_box(input)));
    });
    group.throughput(bytes(&typed_json));
    group.bench_function("emit_typed", |b| {
        b.iter(|| serde_json::to_vec(black_box(&user)));
    });
    group.throughput(bytes(&resource_json));
    group.bench_function("emit_resource", |b| {
        b.iter(|| serde_json::to_vec(black_box(&resource)));
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("resource_to_typed", |b| {
        b.iter(|| User::from_resource(black_box(&resource)));
    });
    group.bench_function("typed_to_resource", |b| {
        b.iter(|| black_box(&user).to_resource());
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = user_serde
}
criterion_main!(benches);
