//! Filter evaluation (group `filter_eval`): a full scan of a generated directory of
//! 100,000 enterprise users ([`scimitar_benches::enterprise_users`]) with each lookup of
//! [`scimitar_benches::eval_cases`], reported in users per second.
//!
//! Each filter is compiled once ([`CompiledFilter`]) outside the timing loop, as a store
//! without an index would scan; `username_eq_matches` measures the convenience function
//! [`matches()`], which resolves the filter against the schemas for every user.
//!
//! Before timing, every filter's match count is checked against the count computed from
//! the generator's own fields, so a broken evaluator cannot give a fast, wrong figure.
//! The directory is generated (about a second) only when this binary runs, never by
//! `cargo bench --no-run`.

mod common;

use std::hint::black_box;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use scimitar_benches::{enterprise_users, eval_cases};
use scimitar_filter::{Filter, ParseOptions};
use scimitar_schema::{CompiledFilter, Resource, SchemaRegistry, matches};

const USERS: usize = 100_000;

fn filter_eval(c: &mut Criterion) {
    let generated = enterprise_users(USERS);
    let cases = eval_cases(&generated);
    let users: Vec<Resource> = generated.into_iter().map(|user| user.resource).collect();
    let registry = SchemaRegistry::core();
    let user_type = registry.resource_type("User");

    let mut group = c.benchmark_group("filter_eval");
    // A scan takes milliseconds: a fixed number of scans per sample, fewer samples.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.throughput(Throughput::Elements(
        u64::try_from(users.len()).expect("a small directory"),
    ));
    for case in &cases {
        let options = ParseOptions::default().lenient(case.lenient);
        let filter = Filter::parse_with(&case.text, &options)
            .unwrap_or_else(|error| panic!("{}: {error}", case.name));
        let compiled = CompiledFilter::compile(&filter, &registry, user_type)
            .unwrap_or_else(|error| panic!("{}: {error}", case.name));
        let scan = || users.iter().filter(|user| compiled.matches(user)).count();
        assert_eq!(scan(), case.expected, "{} ({})", case.name, case.text);
        group.bench_function(case.name, |b| b.iter(|| black_box(scan())));

        if case.name == "username_eq" {
            let scan = || {
                users
                    .iter()
                    .filter(|user| matches(black_box(&filter), user, &registry))
                    .count()
            };
            assert_eq!(scan(), case.expected, "{} with matches()", case.name);
            group.bench_function("username_eq_matches", |b| b.iter(|| black_box(scan())));
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = filter_eval
}
criterion_main!(benches);
