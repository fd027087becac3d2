//! The provisioning policy's decisions (group `policy`), which the engine takes on every
//! write, on the full RFC 7643 §8.3 enterprise user:
//!
//! - `decide_create`: a create: every attribute recorded, every mapped field read.
//! - `decide_update_entra_six_replaces`: the user before and after Entra ID's six
//!   `Replace` operations, compared whole (as for a `PUT`).
//! - `decide_patch_entra_six_replaces`: the same with the attributes the PATCH reports
//!   it changed, as the engine calls it for a PATCH: only those are compared.
//! - `mapped_fields_of_a_change`: the default mappings' fields of that change alone.
//!
//! Requests per second. The resources are built once; each iteration decides and drops
//! the decision.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scimitar_patch::{Compat, PatchRequest, apply};
use scimitar_policy::{Lifecycle, Policy, decide_create, decide_patch, decide_update};
use scimitar_schema::{Resource, SchemaRegistry};
use serde_json::json;

const ENTERPRISE_USER: &str =
    include_str!("../../crates/scimitar-schema/tests/fixtures/rfc7643/8.3-user-enterprise.json");

fn policy(c: &mut Criterion) {
    let registry = SchemaRegistry::core();
    let user_type = registry.resource_type("User").expect("the User type");
    let before = Resource::from_json(ENTERPRISE_USER.as_bytes()).expect("the RFC's user");
    let request = PatchRequest::from_value(
        &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Replace", "path": "displayName", "value": "B. Jensen"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "babs@example.com"},
                {"op": "Replace", "path": "name.givenName", "value": "Babs"},
                {"op": "Replace", "path": "name.familyName", "value": "Jensen-Smith"},
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "8"},
            ],
        }),
        &Compat::ENTRA,
    )
    .expect("a PATCH");
    let mut after = before.clone();
    let outcome = apply(
        &mut after,
        request.operations,
        &registry,
        user_type,
        &Compat::ENTRA,
    )
    .expect("the PATCH applies");
    let touched = outcome.changed_attributes;
    let policy = Policy::default();

    // Checked once: a broken policy cannot give a fast, wrong figure.
    let whole = decide_update(&policy, "User", &before, &after);
    let patched = decide_patch(&policy, "User", &before, &after, &touched);
    assert_eq!(whole.lifecycle, Lifecycle::Suspend);
    assert_eq!(
        whole, patched,
        "a PATCH's decision is the whole comparison's"
    );
    assert_eq!(patched.changes.len(), 6, "{:?}", patched.changes);
    let created = decide_create(&policy, "User", None, &before);
    assert!(created.fields.iter().any(|field| field.field == "email"));

    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decide_create", |b| {
        b.iter(|| black_box(decide_create(&policy, "User", None, black_box(&before))));
    });
    group.bench_function("decide_update_entra_six_replaces", |b| {
        b.iter(|| black_box(decide_update(&policy, "User", black_box(&before), &after)));
    });
    group.bench_function("decide_patch_entra_six_replaces", |b| {
        b.iter(|| {
            black_box(decide_patch(
                &policy,
                "User",
                black_box(&before),
                &after,
                &touched,
            ))
        });
    });
    group.bench_function("mapped_fields_of_a_change", |b| {
        b.iter(|| {
            black_box(
                policy
                    .mappings
                    .fields(Some(black_box(&before)), Some(&after)),
            )
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = policy
}
criterion_main!(benches);
