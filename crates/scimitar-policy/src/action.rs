//! What a write means for the host's account: its lifecycle step and the history's
//! action.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use scimitar_schema::Resource;

use crate::diff::{AttributeChange, changes, changes_within};
use crate::mapping::FieldChange;
use crate::settings::{DeleteRule, Policy};

/// What a history entry records a write as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// A new resource.
    Created,
    /// An unmanaged account linked by a create.
    PickedUp,
    /// A change of attributes other than `active`.
    Updated,
    /// `active` went from true to false.
    Suspended,
    /// `active` went from false to true.
    Reactivated,
    /// The resource left SCIM (deleted, or suspended and unlinked).
    Deleted,
    /// The write was refused.
    Failed,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 7] = [
        Self::Created,
        Self::PickedUp,
        Self::Updated,
        Self::Suspended,
        Self::Reactivated,
        Self::Deleted,
        Self::Failed,
    ];

    /// The action's name as the history prints it (`picked_up`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::PickedUp => "picked_up",
            Self::Updated => "updated",
            Self::Suspended => "suspended",
            Self::Reactivated => "reactivated",
            Self::Deleted => "deleted",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not an [`Action`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown action {0:?}")]
pub struct ParseActionError(pub String);

impl FromStr for Action {
    type Err = ParseActionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
            .ok_or_else(|| ParseActionError(text.to_owned()))
    }
}

/// The step in the account's life the host carries out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lifecycle {
    /// Create the account.
    Create,
    /// Link the unmanaged account (give it its sync id) and update it.
    PickUp,
    /// Update its mapped fields.
    Update,
    /// Suspend it (and update its mapped fields).
    Suspend,
    /// Reactivate it (and update its mapped fields).
    Reactivate,
    /// Delete it.
    Delete,
    /// Suspend it and remove its link, so that a later create picks it up again.
    SuspendAndUnlink,
}

impl Lifecycle {
    /// The history's action for this step.
    pub fn action(self) -> Action {
        match self {
            Self::Create => Action::Created,
            Self::PickUp => Action::PickedUp,
            Self::Update => Action::Updated,
            Self::Suspend => Action::Suspended,
            Self::Reactivate => Action::Reactivated,
            Self::Delete | Self::SuspendAndUnlink => Action::Deleted,
        }
    }
}

/// What a write means for the host: the step, whether to invite, what changed and the
/// host fields it touches.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Decision {
    /// The lifecycle step.
    pub lifecycle: Lifecycle,
    /// Whether the host sends the user an invitation (creates and pick-ups only).
    pub invite: bool,
    /// The attributes that changed, passwords redacted.
    pub changes: Vec<AttributeChange>,
    /// The mapped host fields that changed, with their new values.
    pub fields: Vec<FieldChange>,
}

impl Decision {
    /// The history's action.
    pub fn action(&self) -> Action {
        self.lifecycle.action()
    }
}

/// The step from `before` to `after`: a suspension or reactivation when `active` flips,
/// else an update.
fn lifecycle(before: &Resource, after: &Resource) -> Lifecycle {
    match (is_active(before), is_active(after)) {
        (true, false) => Lifecycle::Suspend,
        (false, true) => Lifecycle::Reactivate,
        _ => Lifecycle::Update,
    }
}

/// Whether `resource` is active: `active` absent counts as active.
fn is_active(resource: &Resource) -> bool {
    resource
        .get_attr("active")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(true)
}

/// A create of `after`: a pick-up of `account` when there is one, else a new account.
pub fn decide_create(
    policy: &Policy,
    resource_type: &str,
    account: Option<&Resource>,
    after: &Resource,
) -> Decision {
    let user = resource_type == "User";
    Decision {
        lifecycle: if account.is_some() {
            Lifecycle::PickUp
        } else {
            Lifecycle::Create
        },
        invite: user && policy.invitations,
        changes: changes(account, Some(after)),
        fields: if user {
            policy.mappings.fields(account, Some(after))
        } else {
            Vec::new()
        },
    }
}

/// A replace or patch from `before` to `after`: a suspension or reactivation when
/// `active` flips, else an update.
pub fn decide_update(
    policy: &Policy,
    resource_type: &str,
    before: &Resource,
    after: &Resource,
) -> Decision {
    Decision {
        lifecycle: lifecycle(before, after),
        invite: false,
        changes: changes(Some(before), Some(after)),
        fields: if resource_type == "User" {
            policy.mappings.fields(Some(before), Some(after))
        } else {
            Vec::new()
        },
    }
}

/// [`decide_update`] for a PATCH that reports the attributes it changed (`touched`, its
/// `changed_attributes`): only those are compared and mapped.
pub fn decide_patch(
    policy: &Policy,
    resource_type: &str,
    before: &Resource,
    after: &Resource,
    touched: &[String],
) -> Decision {
    Decision {
        lifecycle: lifecycle(before, after),
        invite: false,
        changes: changes_within(Some(before), Some(after), touched),
        fields: if resource_type == "User" {
            policy
                .mappings
                .fields_within(Some(before), Some(after), touched)
        } else {
            Vec::new()
        },
    }
}

/// A delete of `before`, under the tenant's [`DeleteRule`].
pub fn decide_delete(policy: &Policy, before: &Resource) -> Decision {
    Decision {
        lifecycle: match policy.on_delete {
            DeleteRule::Delete => Lifecycle::Delete,
            DeleteRule::SuspendAndUnlink => Lifecycle::SuspendAndUnlink,
        },
        invite: false,
        changes: changes(Some(before), None),
        fields: Vec::new(),
    }
}
