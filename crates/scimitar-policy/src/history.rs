//! One entry of the change history: the provisioning log.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::diff::AttributeChange;

/// What one write did to one resource, or why it was refused: the provisioning log's
/// line, and an outbox record for consumers in other processes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HistoryEntry {
    /// The entry's number within its tenant: 1, 2, 3… in the order of the writes. `0`
    /// until a store appends it.
    pub seq: u64,
    /// When the write happened.
    pub time: DateTime<Utc>,
    /// What the write did.
    pub action: Action,
    /// The resource type's name (`User`, `Group`).
    pub resource_type: String,
    /// The resource's id; `None` for a refused create.
    pub resource_id: Option<String>,
    /// The id of the API key that made the request, if a key did.
    pub key: Option<String>,
    /// The request's id, when the request had one.
    pub request: Option<String>,
    /// The attributes that changed, with their values before and after.
    pub changes: Vec<AttributeChange>,
    /// The host fields that changed, with their new values (`None`: cleared).
    pub fields: BTreeMap<String, Option<String>>,
    /// What the request did that was let through or set aside (ignored attributes,
    /// skipped members, pending managers).
    pub warnings: Vec<String>,
    /// The HTTP status the request was answered with.
    pub status: u16,
    /// For a refused write: the error's detail.
    pub error: Option<String>,
}

impl HistoryEntry {
    /// An entry for `action` on a resource, answered with `status`, with nothing
    /// changed yet.
    pub fn new(
        time: DateTime<Utc>,
        action: Action,
        resource_type: impl Into<String>,
        resource_id: Option<String>,
        status: u16,
    ) -> Self {
        Self {
            seq: 0,
            time,
            action,
            resource_type: resource_type.into(),
            resource_id,
            key: None,
            request: None,
            changes: Vec::new(),
            fields: BTreeMap::new(),
            warnings: Vec::new(),
            status,
            error: None,
        }
    }
}
