//! The properties the PATCH applier in `scimitar-patch` keeps, whatever resource it
//! holds and whatever PatchOp message a client sends.
//!
//! Shared by the cargo-fuzz target `patch_body` and by the stable-toolchain test that
//! replays its committed corpus (`crates/scimitar-patch/tests/it/fuzz_corpus.rs`
//! includes this file with `#[path]`), so it uses only `scimitar_patch`,
//! `scimitar_schema`, `serde_json` and `std`.
//!
//! An input is a stored resource and a request body separated by the first NUL byte
//! ([`SEPARATOR`]): `{"schemas":[…User],…}\0{"schemas":[…PatchOp],"Operations":[…]}`.
//! Valid JSON never holds a raw NUL, so a seed is two JSON documents joined by one byte,
//! and libFuzzer mutates both sides. Inputs without a separator, whose resource is not a
//! JSON object or lists no core schema of the `User` or `Group` resource type, are
//! skipped.
//!
//! For the body read under each profile ([`Compat::STRICT`], [`Compat::ENTRA`],
//! [`Compat::OKTA`], [`Compat::LENIENT`]) and applied to a copy of the resource:
//! - neither `PatchRequest::from_json` nor `apply` panics;
//! - a failed `apply` leaves the resource exactly as it was (atomicity);
//! - a successful `apply` reports a change (`PatchOutcome::changed`) exactly when the
//!   resource differs afterwards, so a host that skips the write and keeps the version
//!   when nothing changed never loses a change;
//! - applying the same request again to the result may fail or succeed, with the same
//!   two properties, and does not panic.

use std::sync::LazyLock;

use scimitar_patch::{Compat, PatchRequest, apply};
use scimitar_schema::{Resource, ResourceType, SchemaRegistry};

/// The byte between the resource and the body.
pub const SEPARATOR: u8 = 0;

static REGISTRY: LazyLock<SchemaRegistry> = LazyLock::new(SchemaRegistry::core);

const PROFILES: [(&str, Compat); 4] = [
    ("strict", Compat::STRICT),
    ("entra", Compat::ENTRA),
    ("okta", Compat::OKTA),
    ("lenient", Compat::LENIENT),
];

/// Checks `PatchRequest::from_json` and `apply` on `data`, a resource and a request body
/// separated by [`SEPARATOR`].
pub fn patch_body(data: &[u8]) {
    let Some(split) = data.iter().position(|&byte| byte == SEPARATOR) else {
        return;
    };
    let (resource, body) = (&data[..split], &data[split + 1..]);
    let Ok(resource) = Resource::from_json(resource) else {
        return;
    };
    let registry = &*REGISTRY;
    let Some(resource_type) = registry.resource_type_of(&resource) else {
        return;
    };
    for (profile, compat) in &PROFILES {
        let Ok(request) = PatchRequest::from_json(body, compat) else {
            continue;
        };
        let mut patched = resource.clone();
        if checked_apply(&mut patched, &request, resource_type, compat, profile) {
            // The request again, on its own result: nothing may panic, and the same
            // properties hold.
            checked_apply(&mut patched, &request, resource_type, compat, profile);
        }
    }
}

/// Applies `request` to `resource`, checks atomicity and the reported change, and tells
/// whether it succeeded.
fn checked_apply(
    resource: &mut Resource,
    request: &PatchRequest,
    resource_type: &ResourceType,
    compat: &Compat,
    profile: &str,
) -> bool {
    let before = resource.clone();
    let result = apply(
        resource,
        request.operations.clone(),
        &REGISTRY,
        resource_type,
        compat,
    );
    match &result {
        Err(error) => assert!(
            *resource == before,
            "{profile}: the failed PATCH ({error}) changed {} into {}",
            to_json(&before),
            to_json(resource)
        ),
        Ok(outcome) => assert_eq!(
            outcome.changed(),
            *resource != before,
            "{profile}: the PATCH reports changed_attributes {:?} but turned {} into {}",
            outcome.changed_attributes,
            to_json(&before),
            to_json(resource)
        ),
    }
    result.is_ok()
}

fn to_json(resource: &Resource) -> String {
    serde_json::to_string(resource).expect("a resource serialises")
}
