//! Replays the committed fuzz corpus of the `resource_json` target
//! (`fuzz/corpus/resource_json/`) through the target's own checks on the stable
//! toolchain, so every `cargo test` covers what the nightly-only cargo-fuzz target checks.

// The very file the fuzz target runs. Its functions are `pub` for the fuzz crate, which
// is unreachable from here.
#[allow(unreachable_pub)]
#[path = "../../../../fuzz/src/checks/resource.rs"]
mod checks;

#[path = "../../../../fuzz/replay.rs"]
mod replay;

#[test]
fn resource_json_corpus() {
    replay::replay("resource_json", checks::resource_json);
}
