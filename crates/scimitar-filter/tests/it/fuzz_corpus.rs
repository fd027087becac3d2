//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz targets'
//! own checks on the stable toolchain, so every `cargo test` covers what the nightly-only
//! cargo-fuzz targets check.

use std::fs;
use std::path::{Path, PathBuf};

// The very file the fuzz targets run. Its functions are `pub` for the fuzz crate, which
// is unreachable from here.
#[allow(unreachable_pub)]
#[path = "../../../../fuzz/src/checks/filter.rs"]
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

fn replay(target: &str, check: fn(&[u8])) {
    for file in corpus(target) {
        let data = fs::read(&file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        // Name the input in the test output if the check panics.
        eprintln!("replaying {}", file.display());
        check(&data);
    }
}

#[test]
fn filter_corpus() {
    replay("filter", checks::filter);
}

#[test]
fn patch_path_corpus() {
    replay("patch_path", checks::patch_path);
}
