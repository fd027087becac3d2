//! Integration tests of scimitar-engine.

mod store;
mod support;

mod bulk;
mod concurrency;
mod custom_auth;
mod entra;
mod fuzz_corpus;
mod links;
mod lists;
mod okta;
mod protocol;
mod provisioning;
mod tenancy;
