//! The provisioning policy as an identity provider meets it: pick-up, lifecycle,
//! pending managers, skipped members, global user names, the host hook and the change
//! history.

mod arrival;
mod global;
mod history;
mod host;
mod lifecycle;
mod managers;
mod members;
mod pickup;
mod profiles;
