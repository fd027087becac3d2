//! The endpoints, one module per kind.

mod bulk;
mod discovery;
mod list;
mod resources;
mod write;
