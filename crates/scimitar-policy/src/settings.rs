//! A tenant's provisioning switches.

use serde::{Deserialize, Serialize};

use crate::mapping::Mappings;

/// What a SCIM `DELETE` does to the host's account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeleteRule {
    /// The account is deleted (the default).
    #[default]
    Delete,
    /// The account is suspended and unlinked: it leaves SCIM, and a later create with
    /// the same `userName` picks it up again.
    SuspendAndUnlink,
}

/// A tenant's provisioning rules: each switch, with its default.
///
/// ```
/// use scimitar_policy::{DeleteRule, Policy};
///
/// let policy = Policy::default().with_on_delete(DeleteRule::SuspendAndUnlink);
/// assert!(policy.pick_up);
/// assert!(!policy.invitations);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Policy {
    /// Whether a create picks up an unmanaged account with the same `userName` (users)
    /// or `displayName` (groups). Default: `true`.
    pub pick_up: bool,
    /// Whether created and picked-up users are sent an invitation by the host. Default:
    /// `false`.
    pub invitations: bool,
    /// What a delete does. Default: [`DeleteRule::Delete`].
    pub on_delete: DeleteRule,
    /// The SCIM paths the host's fields are read from. Default: [`Mappings::defaults`].
    pub mappings: Mappings,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            pick_up: true,
            invitations: false,
            on_delete: DeleteRule::Delete,
            mappings: Mappings::defaults(),
        }
    }
}

impl Policy {
    /// Sets [`Policy::pick_up`].
    pub fn with_pick_up(mut self, pick_up: bool) -> Self {
        self.pick_up = pick_up;
        self
    }

    /// Sets [`Policy::invitations`].
    pub fn with_invitations(mut self, invitations: bool) -> Self {
        self.invitations = invitations;
        self
    }

    /// Sets [`Policy::on_delete`].
    pub fn with_on_delete(mut self, on_delete: DeleteRule) -> Self {
        self.on_delete = on_delete;
        self
    }

    /// Sets [`Policy::mappings`].
    pub fn with_mappings(mut self, mappings: Mappings) -> Self {
        self.mappings = mappings;
        self
    }

    /// Whether every switch is at its default, so a store may keep nothing for it.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}
