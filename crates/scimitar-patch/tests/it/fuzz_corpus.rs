//! Replays the committed fuzz corpus of the `patch_body` target
//! (`fuzz/corpus/patch_body/`) through the target's own checks on the stable toolchain,
//! so every `cargo test` covers what the nightly-only cargo-fuzz target checks.

use std::fs;

// The very file the fuzz target runs. Its items are `pub` for the fuzz crate, which is
// unreachable from here.
#[allow(unreachable_pub)]
#[path = "../../../../fuzz/src/checks/patch.rs"]
mod checks;

#[path = "../../../../fuzz/replay.rs"]
mod replay;

use replay::corpus;

#[test]
fn patch_body_corpus() {
    replay::replay("patch_body", checks::patch_body);
}

/// The seeds are what they claim: each `<resource>--<body>` seed holds a resource the
/// registry types and a body that at least one profile reads, so the replay exercises
/// `apply`, not only the early returns.
#[test]
fn patch_body_seeds_reach_apply() {
    use scimitar_patch::{Compat, PatchRequest};
    use scimitar_schema::{Resource, SchemaRegistry};

    let registry = SchemaRegistry::core();
    let mut applied = 0;
    for file in corpus("patch_body") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("broken-") {
            continue;
        }
        let data = fs::read(&file).unwrap();
        let split = data
            .iter()
            .position(|&byte| byte == checks::SEPARATOR)
            .unwrap_or_else(|| panic!("{name} has no separator"));
        let resource = Resource::from_json(&data[..split])
            .unwrap_or_else(|error| panic!("{name}: the resource: {error}"));
        assert!(
            registry.resource_type_of(&resource).is_some(),
            "{name}: the resource lists no core schema"
        );
        let body = &data[split + 1..];
        assert!(
            [Compat::STRICT, Compat::ENTRA, Compat::OKTA, Compat::LENIENT]
                .iter()
                .any(|compat| PatchRequest::from_json(body, compat).is_ok()),
            "{name}: no profile reads the body"
        );
        applied += 1;
    }
    assert!(applied >= 10, "only {applied} seeds reach apply");
}
