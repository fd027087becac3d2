//! Identity-provider profiles: named switches for the PATCH shapes that Microsoft Entra
//! ID and Okta send beyond RFC 7644.

use std::fmt;
use std::str::FromStr;

/// Which non-RFC PATCH shapes to accept. Each switch is one documented deviation; the
/// profiles [`Compat::STRICT`], [`Compat::ENTRA`], [`Compat::OKTA`] and
/// [`Compat::LENIENT`] (all of them) set them as those clients need.
///
/// ```
/// use scimitar_patch::Compat;
/// let entra: Compat = "entra".parse()?;
/// assert!(entra.remove_listed_values);
/// assert!(!Compat::STRICT.op_any_case);
/// assert_eq!(Compat::LENIENT.to_string(), "lenient");
/// # Ok::<(), scimitar_patch::UnknownProfile>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Compat {
    /// `"op"` in any case: `"Add"`, `"Replace"`, `"Remove"` (Entra ID).
    pub op_any_case: bool,
    /// Values in the identity providers' types, coerced to the attribute's: `"False"`
    /// and `"True"` (any case) for booleans, numbers for strings, a single value for a
    /// multi-valued attribute (Entra ID).
    pub coerce_values: bool,
    /// A path-less `replace` or `add` whose value keys are paths, such as
    /// `"name.givenName"` or `"urn:…:enterprise:2.0:User:employeeNumber"`, which set
    /// that sub-attribute or extension attribute (Entra ID with `aadOptscim062020`).
    pub path_keys: bool,
    /// `remove` of a multi-valued attribute with a `value` array removes only the listed
    /// values: `{"op":"Remove","path":"members","value":[{"value":"id"}]}` (Entra ID
    /// without `aadOptscim062020`). Without it such an operation is rejected, never read
    /// as "remove every member".
    pub remove_listed_values: bool,
    /// `add` or `replace` on a value path that matches nothing creates the element when
    /// the filter is only `eq` conditions joined by `and`:
    /// `emails[type eq "work"].value` on a user without a work e-mail adds
    /// `{"type":"work","value":…}` (Entra ID).
    pub create_missing_element: bool,
    /// A read-only attribute inside a path-less value is ignored when it equals the
    /// current value: Okta's `{"op":"replace","value":{"id":"<same id>",…}}`.
    pub ignore_unchanged_read_only: bool,
    /// A single-valued complex attribute with a `value` sub-attribute (the Enterprise
    /// User's `manager`) given as a bare id string or as a one-element array (Entra ID).
    pub manager_shapes: bool,
    /// Elements of a multi-valued complex attribute (group `members`) given as bare id
    /// strings (Microsoft's SCIM test collection).
    pub bare_member_ids: bool,
    /// Paths parsed in `scimitar-filter`'s lenient mode (unquoted filter values).
    pub lenient_paths: bool,
    /// Attributes the schemas do not define are skipped with a warning instead of
    /// failing the request (Microsoft's test collection patches attributes a service
    /// provider may not have).
    pub ignore_unknown_attributes: bool,
}

impl Compat {
    /// RFC 7644 only.
    pub const STRICT: Self = Self {
        op_any_case: false,
        coerce_values: false,
        path_keys: false,
        remove_listed_values: false,
        create_missing_element: false,
        ignore_unchanged_read_only: false,
        manager_shapes: false,
        bare_member_ids: false,
        lenient_paths: false,
        ignore_unknown_attributes: false,
    };

    /// What Microsoft Entra ID sends, in both of its PATCH modes.
    pub const ENTRA: Self = Self {
        op_any_case: true,
        coerce_values: true,
        path_keys: true,
        remove_listed_values: true,
        create_missing_element: true,
        ignore_unchanged_read_only: false,
        manager_shapes: true,
        bare_member_ids: true,
        lenient_paths: true,
        ignore_unknown_attributes: true,
    };

    /// What Okta sends.
    pub const OKTA: Self = Self {
        op_any_case: true,
        coerce_values: false,
        path_keys: false,
        remove_listed_values: false,
        create_missing_element: false,
        ignore_unchanged_read_only: true,
        manager_shapes: false,
        bare_member_ids: false,
        lenient_paths: true,
        ignore_unknown_attributes: false,
    };

    /// Every known deviation accepted: the engine's default, since identity providers
    /// do not announce themselves.
    pub const LENIENT: Self = Self {
        op_any_case: true,
        coerce_values: true,
        path_keys: true,
        remove_listed_values: true,
        create_missing_element: true,
        ignore_unchanged_read_only: true,
        manager_shapes: true,
        bare_member_ids: true,
        lenient_paths: true,
        ignore_unknown_attributes: true,
    };

    const PROFILES: [(&'static str, Self); 4] = [
        ("strict", Self::STRICT),
        ("entra", Self::ENTRA),
        ("okta", Self::OKTA),
        ("lenient", Self::LENIENT),
    ];

    /// The profile's name, if this is one of the four profiles.
    pub fn profile_name(&self) -> Option<&'static str> {
        Self::PROFILES
            .iter()
            .find(|(_, profile)| profile == self)
            .map(|(name, _)| *name)
    }
}

impl Default for Compat {
    /// [`Compat::LENIENT`], as the engine uses by default.
    fn default() -> Self {
        Self::LENIENT
    }
}

/// A profile name that is none of `strict`, `entra`, `okta`, `lenient`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProfile(pub String);

impl fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown compatibility profile {:?}: expected strict, entra, okta or lenient",
            self.0
        )
    }
}

impl std::error::Error for UnknownProfile {}

impl FromStr for Compat {
    type Err = UnknownProfile;

    /// Reads a profile name, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::PROFILES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, profile)| *profile)
            .ok_or_else(|| UnknownProfile(name.to_owned()))
    }
}

impl fmt::Display for Compat {
    /// The profile name, or `custom` for another combination of switches.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.profile_name().unwrap_or("custom"))
    }
}
