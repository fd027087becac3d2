//! Integration tests of the provisioning decisions.

mod decisions;
mod fixtures;
mod history;
mod managers;
mod mappings;
mod members;
mod pickup;
mod props;
