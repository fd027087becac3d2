//! `PatchRequest::from_json` and `apply` (RFC 7644 §3.5.2) on a resource and a request
//! body separated by a NUL byte, under the four `Compat` profiles: atomicity on error,
//! `changed()` exactly when the resource changed, and a second application.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scimitar_fuzz::checks::patch::patch_body(data));
