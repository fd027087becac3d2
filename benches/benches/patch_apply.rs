//! Applying PATCH requests (group `patch_apply`), as Microsoft Entra ID sends them, under
//! [`Compat::ENTRA`]:
//!
//! - `entra_six_replaces_*`: the six `Replace` operations Entra sends when a user's
//!   profile changes (`displayName`, the work e-mail through
//!   `emails[type eq "work"].value`, `name.givenName`, `name.familyName`, `active` as
//!   `"False"`, the Enterprise User's `employeeNumber`), on the full RFC 7643 §8.3
//!   enterprise user; `_apply` times [`apply`] alone (the request is parsed once),
//!   `_parse_apply` adds [`PatchRequest::from_json`] on the body's bytes.
//! - `entra_path_keys_*`: the path-less `replace` whose value keys are paths
//!   (`"name.givenName"`, `"urn:…:enterprise:2.0:User:employeeNumber"`), which Entra
//!   sends with the `aadOptscim062020` flag.
//! - `members_add_1000_of_100000`: one `Add` of 1,000 new members to a group of 100,000
//!   ([`large_group`]).
//! - `member_remove_filter_of_100000`: `Remove` of `members[value eq "…"]`, one member
//!   of the 100,000; `member_remove_listed_of_100000`: Entra's `Remove` of `members`
//!   with a `value` array listing that one member.
//!
//! The user benchmarks report requests per second, the membership ones members per
//! second: those added, or the group's members that the removal examines.
//!
//! Each iteration patches a fresh copy of the resource and consumes a fresh copy of the
//! operations: both are made by `iter_batched`'s setup and dropped after it, so neither
//! cloning nor dropping is timed. Before timing, each request is applied once and checked
//! to succeed and change exactly what it should, so a broken applier cannot give a fast,
//! wrong figure. The group is generated only when this binary runs, never by
//! `cargo bench --no-run`.

mod common;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use scimitar_benches::{large_group, new_member_ids};
use scimitar_patch::{Compat, PatchOperation, PatchRequest, apply};
use scimitar_schema::{Resource, ResourceType, SchemaRegistry};
use serde_json::{Value, json};

const ENTERPRISE_USER: &str =
    include_str!("../../crates/scimitar-schema/tests/fixtures/rfc7643/8.3-user-enterprise.json");
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const GROUP_MEMBERS: usize = 100_000;
const ADDED_MEMBERS: usize = 1_000;
/// The member the removals remove: one in the middle of the group.
const REMOVED_MEMBER: usize = 73_021;

const COMPAT: Compat = Compat::ENTRA;

/// A PatchOp message of `operations`, as bytes.
fn body(operations: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"schemas": [PATCH_OP], "Operations": operations}))
        .expect("JSON serialises")
}

/// Entra ID's six `Replace` operations on a user.
fn six_replaces() -> Vec<u8> {
    body(json!([
        {"op": "Replace", "path": "displayName", "value": "Barbara J. Jensen"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "barbara.jensen@example.com"},
        {"op": "Replace", "path": "name.givenName", "value": "Barbara J."},
        {"op": "Replace", "path": "name.familyName", "value": "Jensen-Smith"},
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "701985"},
    ]))
}

/// Entra ID's path-less `replace` with path keys (`aadOptscim062020`).
fn path_keys() -> Vec<u8> {
    body(json!([{
        "op": "replace",
        "value": {
            "displayName": "Barbara J. Jensen",
            "name.givenName": "Barbara J.",
            format!("{ENTERPRISE}:employeeNumber"): "701985",
        },
    }]))
}

/// Parses `body` and applies it once to a copy of `resource`, checks that it changes
/// exactly `changed`, and returns the patched copy and the parsed operations.
fn checked(
    name: &str,
    resource: &Resource,
    body: &[u8],
    registry: &SchemaRegistry,
    resource_type: &ResourceType,
    changed: &[&str],
) -> (Resource, Vec<PatchOperation>) {
    let request =
        PatchRequest::from_json(body, &COMPAT).unwrap_or_else(|error| panic!("{name}: {error}"));
    let mut patched = resource.clone();
    let outcome = apply(
        &mut patched,
        request.operations.clone(),
        registry,
        resource_type,
        &COMPAT,
    )
    .unwrap_or_else(|error| panic!("{name}: {error}"));
    assert_eq!(outcome.changed_attributes, changed, "{name}");
    (patched, request.operations)
}

fn user_requests(c: &mut Criterion) {
    let registry = SchemaRegistry::core();
    let users = registry
        .resource_type("User")
        .expect("a core resource type");
    let user = Resource::from_json(ENTERPRISE_USER.as_bytes()).expect("the RFC example");
    let employee_number = format!("{ENTERPRISE}:employeeNumber");

    let six = six_replaces();
    let (patched, six_operations) = checked(
        "entra_six_replaces",
        &user,
        &six,
        &registry,
        users,
        &["displayName", "emails", "name", "active", &employee_number],
    );
    assert_eq!(patched.get_attr("active"), Some(&json!(false)));
    assert_eq!(
        patched.get_attr("emails").and_then(|emails| emails.get(0)),
        Some(&json!({"value": "barbara.jensen@example.com", "type": "work", "primary": true}))
    );
    assert_eq!(
        patched
            .get_attr("name")
            .and_then(|name| name.get("familyName")),
        Some(&json!("Jensen-Smith"))
    );
    assert_eq!(
        patched.as_map()[ENTERPRISE].get("employeeNumber"),
        Some(&json!("701985"))
    );

    let keys = path_keys();
    let (patched, keys_operations) = checked(
        "entra_path_keys",
        &user,
        &keys,
        &registry,
        users,
        &["displayName", "name", &employee_number],
    );
    assert_eq!(
        patched
            .get_attr("name")
            .and_then(|name| name.get("givenName")),
        Some(&json!("Barbara J."))
    );
    assert_eq!(
        patched.as_map()[ENTERPRISE].get("employeeNumber"),
        Some(&json!("701985"))
    );

    let mut group = c.benchmark_group("patch_apply");
    group.throughput(Throughput::Elements(1));
    for (name, body, operations) in [
        ("entra_six_replaces", &six, &six_operations),
        ("entra_path_keys", &keys, &keys_operations),
    ] {
        group.bench_function(format!("{name}_apply"), |b| {
            b.iter_batched(
                || (user.clone(), operations.clone()),
                |(mut user, operations)| {
                    let outcome =
                        apply(&mut user, black_box(operations), &registry, users, &COMPAT);
                    (user, outcome)
                },
                BatchSize::SmallInput,
            );
        });
        group.bench_function(format!("{name}_parse_apply"), |b| {
            b.iter_batched(
                || user.clone(),
                |mut user| {
                    let outcome =
                        PatchRequest::from_json(black_box(body), &COMPAT).and_then(|request| {
                            apply(&mut user, request.operations, &registry, users, &COMPAT)
                        });
                    (user, outcome)
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

fn membership(c: &mut Criterion) {
    let registry = SchemaRegistry::core();
    let groups = registry
        .resource_type("Group")
        .expect("a core resource type");
    let generated = large_group(GROUP_MEMBERS);
    let resource = generated.resource;
    let members = |resource: &Resource| {
        resource
            .get_attr("members")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let holds = |resource: &Resource, id: &str| {
        resource
            .get_attr("members")
            .and_then(Value::as_array)
            .is_some_and(|members| members.iter().any(|member| member["value"] == id))
    };

    let added = new_member_ids(ADDED_MEMBERS);
    let add = body(json!([{
        "op": "Add",
        "path": "members",
        "value": added.iter().map(|id| json!({"value": id})).collect::<Vec<_>>(),
    }]));
    let (patched, add_operations) = checked(
        "members_add",
        &resource,
        &add,
        &registry,
        groups,
        &["members"],
    );
    assert_eq!(members(&patched), GROUP_MEMBERS + ADDED_MEMBERS);
    assert!(added.iter().all(|id| holds(&patched, id)));

    let removed = &generated.member_ids[REMOVED_MEMBER];
    let by_filter = body(json!([{
        "op": "Remove",
        "path": format!("members[value eq \"{removed}\"]"),
    }]));
    let by_listing = body(json!([{
        "op": "Remove",
        "path": "members",
        "value": [{"value": removed}],
    }]));
    let mut removals = Vec::new();
    for (name, body) in [
        ("member_remove_filter", &by_filter),
        ("member_remove_listed", &by_listing),
    ] {
        let (patched, operations) = checked(name, &resource, body, &registry, groups, &["members"]);
        assert_eq!(members(&patched), GROUP_MEMBERS - 1, "{name}");
        assert!(!holds(&patched, removed), "{name}");
        removals.push((name, operations));
    }

    let mut group = c.benchmark_group("patch_apply");
    // An iteration takes milliseconds and its setup copies 100,000 members: a fixed
    // number of iterations per sample, fewer samples.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    let count = |n: usize| Throughput::Elements(u64::try_from(n).expect("a small count"));
    let cases = [("members_add_1000", add_operations, ADDED_MEMBERS)]
        .into_iter()
        .chain(
            removals
                .into_iter()
                .map(|(name, operations)| (name, operations, GROUP_MEMBERS)),
        );
    for (name, operations, elements) in cases {
        group.throughput(count(elements));
        group.bench_function(format!("{name}_of_100000"), |b| {
            b.iter_batched(
                || (resource.clone(), operations.clone()),
                |(mut group, operations)| {
                    let outcome = apply(
                        &mut group,
                        black_box(operations),
                        &registry,
                        groups,
                        &COMPAT,
                    );
                    (group, outcome)
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = user_requests, membership
}
criterion_main!(benches);
