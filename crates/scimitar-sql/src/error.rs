//! The crate's error.

use scimitar_schema::ScimError;

/// Why a filter could not be translated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The schemas reject the filter, as [`scimitar_schema::CompiledFilter::compile`]
    /// does: an operator the attribute's type does not support (`gt` on a boolean, any
    /// comparison of a complex attribute without a `value`), or `null` with an operator
    /// other than `eq` and `ne`.
    #[error("invalid filter: {detail}")]
    InvalidFilter {
        /// What is wrong, for a person to read.
        detail: String,
    },
}

impl From<ScimError> for SqlError {
    fn from(error: ScimError) -> Self {
        Self::InvalidFilter {
            detail: error
                .detail
                .unwrap_or_else(|| "rejected by the schemas".to_owned()),
        }
    }
}

impl From<SqlError> for ScimError {
    /// `400 invalidFilter` (RFC 7644 §3.12).
    fn from(error: SqlError) -> Self {
        match error {
            SqlError::InvalidFilter { detail } => ScimError::invalid_filter(detail),
        }
    }
}
