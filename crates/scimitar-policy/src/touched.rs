//! The attributes a PATCH reports as changed, and whether one of them is a given one.

/// Whether `touched` (top-level attribute names, extension attributes URN-qualified, as
/// a PATCH's `changed_attributes` has them) names the attribute `name` of the extension
/// `urn` (a core attribute when `None`), in any case.
pub(crate) fn names(touched: &[String], urn: Option<&str>, name: &str) -> bool {
    touched.iter().any(|touched| match urn {
        None => touched.eq_ignore_ascii_case(name),
        Some(urn) => {
            touched.len() == urn.len() + 1 + name.len()
                && touched
                    .get(..urn.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(urn))
                && touched
                    .get(urn.len()..)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(name))
        }
    })
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
        // An extension attribute is not a core one of the same name, nor the reverse.
        assert!(!names(
            &["employeeNumber".to_owned()],
            Some(ENTERPRISE),
            "employeeNumber"
        ));
    }
}
