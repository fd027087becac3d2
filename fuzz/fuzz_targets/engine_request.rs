//! `Engine::handle` (RFC 7644): any request, decoded from the input (method, path under
//! `/scim/v2`, query, credential, `Content-Type`, preconditions, body), against one
//! engine per process; every response must be well-formed.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scimitar_fuzz::checks::engine::engine_request(data));
