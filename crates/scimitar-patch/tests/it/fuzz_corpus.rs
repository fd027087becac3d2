//! Replays the committed fuzz corpus of the `patch_body` target
//! (`fuzz/corpus/patch_body/`) through the target's own checks on the stable toolchain,
//! so every `cargo test` covers what the nightly-only cargo-fuzz target checks.

use std::fs;
use std::path::{Path, PathBuf};

// The very file the fuzz target runs. Its items are `pub` for the fuzz crate, which is
// unreachable from here.
#[allow(unreachable_pub)]
#[path = "../../../../fuzz/src/checks/patch.rs"]
mod checks;

/// Every file of `fuzz/corpus/<target>/`, sorted by name.
fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let entries = fs::read_dir(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable corpus directory").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "only {} seed files in {}",
        files.len(),
        dir.display()
    );
    files
}

#[test]
fn patch_body_corpus() {
    for file in corpus("patch_body") {
        let data = fs::read(&file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        // Name the input in the test output if the check panics.
        eprintln!("replaying {}", file.display());
        checks::patch_body(&data);
    }
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
