//! The host app driven in process: Entra ID's initial sync in its order and in others,
//! and each provisioning rule as the app's own table sees it.

mod entra;
mod lifecycle;
mod pages;
mod support;
