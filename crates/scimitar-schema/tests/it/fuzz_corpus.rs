//! Replays the committed fuzz corpus of the `resource_json` target
//! (`fuzz/corpus/resource_json/`) through the target's own checks on the stable
//! toolchain, so every `cargo test` covers what the nightly-only cargo-fuzz target checks.

use std::fs;
use std::path::{Path, PathBuf};

// The very file the fuzz target runs. Its functions are `pub` for the fuzz crate, which
// is unreachable from here.
#[allow(unreachable_pub)]
#[path = "../../../../fuzz/src/checks/resource.rs"]
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
fn resource_json_corpus() {
    for file in corpus("resource_json") {
        let data = fs::read(&file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        // Name the input in the test output if the check panics.
        eprintln!("replaying {}", file.display());
        checks::resource_json(&data);
    }
}
