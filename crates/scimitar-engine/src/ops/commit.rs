//! [`Operations::commit`]: the one place where every write reaches the host and the
//! store, with its history entry; and the `failed` entry of a refused write.

use std::sync::Arc;

use http::StatusCode;

use scimitar_policy::{Action, AttributeChange, Decision, HistoryEntry, REDACTED};
use scimitar_schema::{Resource, ScimError};

use super::Operations;
use crate::host::HostChange;
use crate::response;
use crate::store::{Disposal, Origin, ResourceStore, StoreError, StoredResource};

/// A write, as it goes to the host and the store.
pub(crate) enum Change<'a> {
    /// A new resource, or a picked-up account (`account`, as it was).
    Create {
        resource: &'a Arc<StoredResource>,
        origin: Origin,
        account: Option<&'a Resource>,
    },
    /// `after` replaces `before`, if the store still holds `before`'s version.
    Replace {
        before: &'a StoredResource,
        after: &'a Arc<StoredResource>,
    },
    /// `before` goes (if still at its version), and its memberships with it; what
    /// `disposal` says stays.
    Delete {
        before: &'a StoredResource,
        disposal: Disposal,
    },
}

impl Change<'_> {
    fn before(&self) -> Option<&StoredResource> {
        match self {
            Self::Create { .. } => None,
            Self::Replace { before, .. } | Self::Delete { before, .. } => Some(before),
        }
    }

    fn after(&self) -> Option<&StoredResource> {
        match self {
            Self::Create { resource, .. } => Some(resource),
            Self::Replace { after, .. } => Some(after),
            Self::Delete { .. } => None,
        }
    }

    fn resource(&self) -> &StoredResource {
        match self {
            Self::Create { resource, .. } => resource,
            Self::Replace { after, .. } => after,
            Self::Delete { before, .. } => before,
        }
    }
}

/// What the policy made of a write, recorded with it.
pub(crate) struct Record {
    decision: Decision,
    warnings: Vec<String>,
    status: StatusCode,
    /// A password the request sets: never stored, handed to the host, recorded redacted.
    password: Option<String>,
}

impl Record {
    pub(crate) fn new(decision: Decision, warnings: Vec<String>, status: StatusCode) -> Self {
        Self {
            decision,
            warnings,
            status,
            password: None,
        }
    }

    /// The record of a write that sets `password`, if any.
    pub(crate) fn password(mut self, password: Option<String>) -> Self {
        if password.is_some() {
            let redacted = Some(serde_json::Value::String(REDACTED.to_owned()));
            self.decision
                .changes
                .push(AttributeChange::new("password", None, redacted));
        }
        self.password = password;
        self
    }
}

/// Why a commit did not happen.
#[derive(Debug)]
pub(crate) enum CommitError {
    /// The host refused or failed the change; the store was not written.
    Host(ScimError),
    /// The store refused the write (the host's change was reverted).
    Store(StoreError),
}

impl From<CommitError> for ScimError {
    fn from(error: CommitError) -> Self {
        match error {
            CommitError::Host(error) => error,
            CommitError::Store(error) => response::store_error(error),
        }
    }
}

impl<S: ResourceStore> Operations<'_, S> {
    /// An entry of this principal's request, at the clock's time.
    fn entry(
        &self,
        action: Action,
        resource_type: &str,
        id: Option<&str>,
        status: StatusCode,
    ) -> HistoryEntry {
        let mut entry = HistoryEntry::new(
            self.engine.now(),
            action,
            resource_type,
            id.map(str::to_owned),
            status.as_u16(),
        );
        entry.key.clone_from(&self.principal.key_id);
        entry.request.clone_from(&self.request_id);
        entry
    }

    /// The host's view of `change`.
    fn host_change(&self, change: &Change<'_>, record: &Record) -> HostChange {
        let decision = &record.decision;
        let resource = change.resource();
        // A create tells the members it has: a picked-up group without any keeps the
        // host's until the identity provider sends its own.
        let members_changed = match change {
            Change::Create { resource, .. } => !resource.members.is_empty(),
            Change::Replace { before, after } => before.members != after.members,
            Change::Delete { .. } => false,
        };
        HostChange {
            resource_type: resource.resource_type.clone(),
            id: resource.id.clone(),
            lifecycle: decision.lifecycle,
            invite: decision.invite,
            fields: decision.fields.clone(),
            members: change
                .after()
                .filter(|after| after.resource_type == "Group" && members_changed)
                .map(|after| after.members.clone()),
            before: match change {
                Change::Create { account, .. } => account.cloned(),
                _ => change.before().map(|before| before.resource.clone()),
            },
            after: change.after().map(|after| after.resource.clone()),
            password: record.password.clone(),
        }
    }

    /// Carries out one write: the host applies the decided change, then one store call
    /// writes the resource and its history entry atomically; if the store refuses, the
    /// host reverts. Every create, replace, patch and delete, over HTTP, in a `/Bulk` or
    /// called directly, passes here once per attempt, after validation and before
    /// anything is acknowledged.
    pub(crate) async fn commit(
        &self,
        change: Change<'_>,
        record: Record,
    ) -> Result<(), CommitError> {
        let tenant = &self.principal.tenant;
        let host = self.engine.host.as_deref();
        let host_change = host.map(|_| self.host_change(&change, &record));
        if let (Some(host), Some(host_change)) = (host, &host_change) {
            host.apply(tenant, host_change)
                .await
                .map_err(|error| CommitError::Host(error.into()))?;
        }
        let resource = change.resource();
        let mut entry = self.entry(
            record.decision.action(),
            &resource.resource_type,
            Some(&resource.id),
            record.status,
        );
        entry.changes = record.decision.changes;
        entry.fields = record
            .decision
            .fields
            .into_iter()
            .map(|field| (field.field, field.value))
            .collect();
        entry.warnings = record.warnings;
        let store = &self.engine.store;
        let result = match change {
            Change::Create {
                resource, origin, ..
            } => store
                .create(&tenant.id, Arc::clone(resource), origin, entry)
                .await
                .map(drop),
            Change::Replace { before, after } => store
                .replace(&tenant.id, Arc::clone(after), before.version, entry)
                .await
                .map(drop),
            Change::Delete { before, disposal } => store
                .delete(
                    &tenant.id,
                    &before.resource_type,
                    &before.id,
                    Some(before.version),
                    self.engine.now(),
                    disposal,
                    entry,
                )
                .await
                .map(drop),
        };
        if result.is_err()
            && let (Some(host), Some(host_change)) = (host, &host_change)
        {
            host.revert(tenant, host_change).await;
        }
        result.map_err(CommitError::Store)
    }

    /// Records `error`, which refused a write of `resource_type` (the resource `id`, if
    /// known), as a `failed` entry, and returns it. The entry is best effort: a store
    /// that cannot record it cannot have written anything either.
    pub(crate) async fn refused(
        &self,
        resource_type: &str,
        id: Option<&str>,
        error: ScimError,
    ) -> ScimError {
        let mut entry = self.entry(Action::Failed, resource_type, id, error.status);
        entry.error = Some(
            error
                .detail
                .clone()
                .unwrap_or_else(|| error.status.to_string()),
        );
        // Nothing else can be done with a store that fails here; the error is answered.
        let _ = self
            .engine
            .store
            .record(&self.principal.tenant.id, entry)
            .await;
        error
    }

    /// `result`, with a `failed` entry recorded when it is an error.
    pub(crate) async fn recorded<T>(
        &self,
        resource_type: &str,
        id: Option<&str>,
        result: Result<T, ScimError>,
    ) -> Result<T, ScimError> {
        match result {
            Ok(value) => Ok(value),
            Err(error) => Err(self.refused(resource_type, id, error).await),
        }
    }
}
