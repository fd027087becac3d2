//! The committed seed corpus of a fuzz target, for the stable-toolchain replay tests of
//! each crate (`crates/*/tests/it/fuzz_corpus.rs` include this file with `#[path]`).

use std::fs;
use std::path::{Path, PathBuf};

/// Every file of `fuzz/corpus/<target>/`, sorted by name; at least ten of them.
pub(crate) fn corpus(target: &str) -> Vec<PathBuf> {
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

/// Runs `check` on every seed of `target`, naming each on standard error first so that
/// a failing seed is identified.
pub(crate) fn replay(target: &str, check: impl Fn(&[u8])) {
    for file in corpus(target) {
        let data = fs::read(&file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        eprintln!("replaying {}", file.display());
        check(&data);
    }
}
