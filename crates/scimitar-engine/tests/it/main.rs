//! Integration tests of scimitar-engine.

mod store;
mod support;

mod concurrency;
mod custom_auth;
mod entra;
mod okta;
mod protocol;
mod tenancy;
