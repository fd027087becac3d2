//! `Filter` (RFC 7644 §3.4.2.2): strict and lenient parse, canonical round trip.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scimitar_fuzz::checks::filter::filter(data));
