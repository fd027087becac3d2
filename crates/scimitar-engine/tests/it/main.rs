//! Integration tests of scimitar-engine.

mod store;
mod support;

mod bulk;
mod concurrency;
mod custom_auth;
mod entra;
mod faults;
mod fuzz_corpus;
mod hooked;
mod links;
mod lists;
mod look_alike;
mod okta;
mod patch_limits;
mod protocol;
mod provisioning;
mod tenancy;
