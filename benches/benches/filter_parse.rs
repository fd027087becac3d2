//! Parsing throughput of `filter=` values (group `filter_parse`) and PATCH paths (group
//! `path_parse`), one benchmark per input of [`scimitar_benches::filters`] and
//! [`scimitar_benches::patch_paths`], reported in bytes per second.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scimitar_benches::{Input, filters, patch_paths};
use scimitar_filter::{Filter, FilterError, ParseOptions, PatchPath};

/// Benchmarks `parse` on each input under `group_name`, as `group_name/input_name`.
fn bench_group<T>(
    c: &mut Criterion,
    group_name: &str,
    inputs: Vec<Input>,
    parse: fn(&str, &ParseOptions) -> Result<T, FilterError>,
) {
    let mut group = c.benchmark_group(group_name);
    for input in inputs {
        let options = ParseOptions::default().lenient(input.lenient);
        let len = u64::try_from(input.text.len()).expect("a short input");
        group.throughput(Throughput::Bytes(len));
        group.bench_function(input.name, |b| {
            b.iter(|| parse(black_box(&input.text), black_box(&options)));
        });
    }
    group.finish();
}

fn filter_parse(c: &mut Criterion) {
    bench_group(c, "filter_parse", filters(), Filter::parse_with);
}

fn path_parse(c: &mut Criterion) {
    bench_group(c, "path_parse", patch_paths(), PatchPath::parse_with);
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = filter_parse, path_parse
}
criterion_main!(benches);
