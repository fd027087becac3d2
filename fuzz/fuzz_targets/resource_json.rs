//! `Resource::from_json` on POST and PUT bodies, then `validate` (strict and lenient,
//! User and Group), idempotent normalisation, JSON round trip, projection and filter
//! evaluation.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scimitar_fuzz::checks::resource::resource_json(data));
