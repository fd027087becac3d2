//! Replays the committed fuzz corpus of the `engine_request` target
//! (`fuzz/corpus/engine_request/`) through the target's own checks on the stable
//! toolchain, so every `cargo test` covers what the nightly-only cargo-fuzz target checks.

use std::fs;

// The very file the fuzz target runs. Its items are `pub` for the fuzz crate, which is
// unreachable from here.
#[allow(unreachable_pub)]
#[path = "../../../../fuzz/src/checks/engine.rs"]
mod checks;

#[path = "../../../../fuzz/replay.rs"]
mod replay;

use replay::corpus;

#[test]
fn engine_request_corpus() {
    replay::replay("engine_request", checks::engine_request);
}

/// The status each seed gets when the seeds run in name order on a fresh engine; `None`
/// for the inputs the target skips (too short, or a URI `http` refuses).
const EXPECTED: &[(&str, Option<u16>)] = &[
    ("auth-basic", Some(401)),
    ("auth-empty-bearer", Some(401)),
    ("auth-revoked-key", Some(401)),
    ("auth-wrong-key", Some(401)),
    ("broken-content-type-text-plain", Some(415)),
    ("broken-json-body", Some(400)),
    ("broken-too-short", None),
    ("broken-uri-space-in-path", None),
    ("bulk-create-user-and-group", Some(200)),
    ("create-user-entra", Some(201)),
    ("create-user-strict-tenant-taken", Some(409)),
    ("delete-other-tenants-user", Some(404)),
    ("delete-user-if-match-stale", Some(412)),
    ("discovery-resource-type-post", Some(405)),
    ("discovery-schema-user-absolute", Some(200)),
    ("discovery-service-provider-config-no-key", Some(200)),
    ("get-user-absolute-uri", Some(200)),
    ("get-user-attributes-and-excluded", Some(400)),
    ("get-user-if-none-match-current", Some(304)),
    ("group-id-at-users-endpoint", Some(404)),
    ("list-groups-excluded-members", Some(200)),
    ("list-users-entra-work-email-lenient", Some(200)),
    ("list-users-groups-filter", Some(200)),
    ("list-users-percent-escapes-bad-count", Some(400)),
    ("list-users-sort-cursor", Some(200)),
    ("list-users-username-eq", Some(200)),
    ("me-not-implemented", Some(501)),
    ("method-extension-lowercase-get", Some(405)),
    ("method-head-discovery-no-key", Some(200)),
    ("method-head-on-user", Some(200)),
    ("method-head-user-not-found", Some(404)),
    ("method-head-users-no-key", Some(401)),
    ("method-put-on-collection", Some(405)),
    ("patch-group-if-match-stale", Some(412)),
    ("patch-group-members-entra", Some(200)),
    ("patch-strict-tenant-entra-shape", Some(400)),
    ("patch-user-entra-six-replaces", Some(200)),
    ("patch-user-over-operation-cap", Some(400)),
    ("patch-user-value-over-cap", Some(400)),
    ("put-user-okta", Some(200)),
    ("raw-path-outside-base", Some(404)),
    ("search-root-strict-without-schemas", Some(400)),
    ("search-users-post", Some(200)),
];

/// The seeds are what their names claim: each reaches the handler and outcome it is
/// named for, so the replay exercises the engine rather than its early refusals, and a
/// change of format or seeded state that breaks them shows here.
#[test]
fn engine_request_seeds_get_their_status() {
    let world = checks::World::seeded();
    let mut statuses = Vec::new();
    for file in corpus("engine_request") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let data = fs::read(&file).unwrap();
        let status = checks::decode(&data)
            .and_then(|input| checks::build(&input, &world))
            .map(|request| {
                let response = pollster::block_on(world.engine.handle(request));
                response.status().as_u16()
            });
        statuses.push((name, status));
    }
    let expected: Vec<(String, Option<u16>)> = EXPECTED
        .iter()
        .map(|(name, status)| ((*name).to_owned(), *status))
        .collect();
    assert_eq!(statuses, expected);
}
