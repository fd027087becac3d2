//! Integration tests of scimitar-schema: the RFC 7643 schemas and examples as fixtures,
//! evaluation truth tables, validation failures and projection rules.

mod core_schemas;
mod error;
mod eval;
mod fold;
mod fuzz_corpus;
mod project;
mod resource;
mod typed;
mod validate;
