//! The attributes a PATCH reports as changed, and whether one of them is a given one.

/// Whether `touched` (top-level attribute names, extension attributes URN-qualified, as
/// a PATCH's `changed_attributes` has them) names the attribute `name` of the extension
/// `urn` (a core attribute when `None`), in any case.
pub(crate) fn names(touched: &[String], urn: Option<&str>, name: &str) -> bool {
    touched.iter().any(|touched| match urn {
        None => touched.eq_ignore_ascii_case(name),
        Some(urn) => attribute_of(touched, urn).is_some_and(|tail| tail.eq_ignore_ascii_case(name)),
    })
}

/// Whether `touched` names an attribute of the extension `urn`, in any case.
pub(crate) fn names_in(touched: &[String], urn: &str) -> bool {
    touched
        .iter()
        .any(|touched| attribute_of(touched, urn).is_some())
}

/// The attribute name after `urn:` in the URN-qualified `touched` (`employeeNumber` of
/// `urn:…:User:employeeNumber`), when `touched` is of the extension `urn`.
fn attribute_of<'t>(touched: &'t str, urn: &str) -> Option<&'t str> {
    touched
        .get(..urn.len())
        .filter(|head| head.eq_ignore_ascii_case(urn))?;
    touched.get(urn.len()..)?.strip_prefix(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn core_and_extension_names_match_in_any_case() {
        let touched = vec![
            "displayName".to_owned(),
            format!("{}:EmployeeNumber", ENTERPRISE.to_uppercase()),
        ];
        assert!(names(&touched, None, "DISPLAYNAME"));
        assert!(!names(&touched, None, "title"));
        assert!(names(&touched, Some(ENTERPRISE), "employeeNumber"));
        assert!(!names(&touched, Some(ENTERPRISE), "manager"));
        assert!(!names(&touched, None, "employeeNumber"));
        assert!(names_in(&touched, ENTERPRISE));
        assert!(!names_in(
            &touched,
            "urn:ietf:params:scim:schemas:extension:other:2.0:User"
        ));
        assert!(!names_in(&[ENTERPRISE.to_owned()], ENTERPRISE));
        // An extension attribute is not a core one of the same name, nor the reverse.
        assert!(!names(
            &["employeeNumber".to_owned()],
            Some(ENTERPRISE),
            "employeeNumber"
        ));
    }
}
