//! Integration tests of the provisioning decisions.
