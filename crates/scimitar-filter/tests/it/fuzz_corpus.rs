//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz targets'
//! own checks on the stable toolchain, so every `cargo test` covers what the nightly-only
//! cargo-fuzz targets check.

// The very file the fuzz targets run. Its functions are `pub` for the fuzz crate, which
// is unreachable from here.
#[allow(unreachable_pub)]
#[path = "../../../../fuzz/src/checks/filter.rs"]
mod checks;

#[path = "../../../../fuzz/replay.rs"]
mod replay;

use replay::replay;

#[test]
fn filter_corpus() {
    replay("filter", checks::filter);
}

#[test]
fn patch_path_corpus() {
    replay("patch_path", checks::patch_path);
}
