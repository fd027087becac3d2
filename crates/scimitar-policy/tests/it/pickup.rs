//! Picking up accounts that existed before provisioning.

use scimitar_policy::{match_key, pick_up};
use serde_json::json;

use crate::fixtures::{ENTERPRISE, GROUP, USER, entra_user, resource};

#[test]
fn an_entra_create_picks_up_a_local_account() {
    let account = resource(json!({
        "id": "local-9",
        "meta": {"created": "2019-02-03T10:00:00Z"},
        "schemas": [USER],
        "userName": "adelev@contoso.onmicrosoft.com",
        "displayName": "Adele",
        "nickName": "Dell",
        "title": "Clerk",
        ENTERPRISE.to_lowercase(): {"costCenter": "4130", "department": "Shop"},
    }));
    let request = entra_user();
    assert_eq!(match_key("User", &account), match_key("User", &request));
    let managed = pick_up(&account, &request);
    assert_eq!(managed.id(), None, "the caller sets the id");
    assert_eq!(managed.get_attr("meta"), None);
    assert_eq!(managed.schemas().collect::<Vec<_>>(), [USER, ENTERPRISE]);
    assert_eq!(
        managed.get_str("userName"),
        Some("AdeleV@contoso.onmicrosoft.com")
    );
    assert_eq!(managed.get_str("displayName"), Some("Adele Vance"));
    assert_eq!(managed.get_str("nickName"), Some("Dell"));
    assert_eq!(managed.get_str("title"), Some("Retail Manager"));
    assert_eq!(
        managed.get_attr(ENTERPRISE),
        Some(&json!({
            "costCenter": "4130",
            "employeeNumber": "701984",
            "department": "Retail",
            "manager": {"value": "8a2c6f3b-6f1e-4f51-9d8e-2bfb1d3e1c44"},
        }))
    );
    assert_eq!(
        managed.get_attr(&ENTERPRISE.to_lowercase()),
        managed.get_attr(ENTERPRISE)
    );
    assert_eq!(managed.as_map().len(), request.as_map().len() - 2 + 1);
}

#[test]
fn a_group_picks_up_by_display_name() {
    let account = resource(json!({"displayName": "SALES", "description": "Local"}));
    let request = resource(json!({"schemas": [GROUP], "displayName": "Sales", "members": []}));
    assert_eq!(match_key("Group", &account), match_key("Group", &request));
    assert_eq!(
        pick_up(&account, &request).into_value(),
        json!({"schemas": [GROUP], "displayName": "Sales", "members": [], "description": "Local"})
    );
}
