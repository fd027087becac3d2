//! Look-alike names: a `userName` or group `displayName` in NFD, or in fullwidth
//! letters, is the same name as in NFC or ASCII (RFC 8265's comparison), to uniqueness
//! and to filters; case-exact attributes are compared as sent.

use serde_json::{Value, json};

use crate::support::{Harness, assert_error, group, id_of, ids, urn, user};

/// `José Müller` in NFC, as most clients send it, and in NFD.
const NFC: &str = "jos\u{E9}.m\u{FC}ller@example.com";
const NFD: &str = "Jose\u{301}.Mu\u{308}ller@example.com";

/// `filter` as an identity provider sends it: in the query, percent-encoded.
fn filtered(h: &Harness, filter: &str) -> Vec<String> {
    let encoded: String = filter.bytes().map(|byte| format!("%{byte:02X}")).collect();
    let (status, _, body) = h.get(&format!("/Users?filter={encoded}"));
    assert_eq!(status, 200, "{filter}: {body}");
    ids(&body)
}

/// `filter` in a POST `/.search`.
fn searched(h: &Harness, filter: &str) -> Vec<String> {
    let search = json!({"schemas": [urn::SEARCH_REQUEST], "filter": filter});
    let (status, _, body) = h.post("/Users/.search", search);
    assert_eq!(status, 200, "{filter}: {body}");
    ids(&body)
}

fn with_external_id(user_name: &str, external_id: &str) -> Value {
    let mut body = user(user_name);
    body["externalId"] = json!(external_id);
    body
}

#[test]
fn a_user_name_in_nfd_or_fullwidth_is_taken_by_its_nfc_or_ascii_form() {
    let h = Harness::new();
    h.create_user(NFC);
    h.create_user("alice");
    assert_error(&h.post("/Users", user(NFD)), 409, Some("uniqueness"));
    assert_error(
        &h.post("/Users", user("\u{FF21}\u{FF2C}\u{FF29}\u{FF23}\u{FF25}")),
        409,
        Some("uniqueness"),
    );
    let (_, _, list) = h.get("/Users");
    assert_eq!(list["totalResults"], 2);

    // Renaming another user to a look-alike is refused too; a user keeps its own name
    // in another form.
    let bob = h.create_user("bob");
    assert_error(
        &h.put(&format!("/Users/{bob}"), user(NFD)),
        409,
        Some("uniqueness"),
    );
    let (status, _, body) = h.put(&format!("/Users/{bob}"), user("\u{FF42}ob"));
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_group_name_in_fullwidth_is_taken_by_its_ascii_form() {
    let h = Harness::new();
    h.create_group("Engineering", &[]);
    assert_error(
        &h.post("/Groups", group("\u{FF25}ngineering", &[])),
        409,
        Some("uniqueness"),
    );
}

#[test]
fn filters_find_a_name_in_any_normalisation_form_or_width() {
    let h = Harness::new();
    let jose = h.create_user(NFC);
    let alice = h.create_user("alice");
    for filter in [
        format!("userName eq \"{NFD}\""),
        format!("userName eq \"{}\"", NFD.to_uppercase()),
        "userName sw \"JOSE\u{301}\"".to_owned(),
        "userName eq \"jos\u{E9}.m\u{FC}ller@example.com\" and active pr or userName co \"\u{FF4D}\u{FC}\"".to_owned(),
    ] {
        assert_eq!(filtered(&h, &filter), std::slice::from_ref(&jose), "{filter}");
        assert_eq!(searched(&h, &filter), std::slice::from_ref(&jose), "{filter}");
    }
    let fullwidth = "userName eq \"\u{FF41}\u{FF4C}\u{FF49}\u{FF43}\u{FF45}\"";
    assert_eq!(filtered(&h, fullwidth), [alice]);
}

#[test]
fn case_exact_attributes_are_compared_as_sent() {
    let h = Harness::new();
    let (status, _, body) = h.post("/Users", with_external_id("carol", NFC));
    assert_eq!(status, 201, "{body}");
    let carol = id_of(&body);
    assert_eq!(filtered(&h, &format!("externalId eq \"{NFC}\"")), [carol]);
    assert!(filtered(&h, &format!("externalId eq \"{NFD}\"")).is_empty());
    assert!(
        filtered(
            &h,
            "externalId eq \"\u{FF4A}os\u{E9}.m\u{FC}ller@example.com\""
        )
        .is_empty()
    );
    // Two users may hold one externalId in two forms: it is not a unique key.
    let (status, _, body) = h.post("/Users", with_external_id("dave", NFD));
    assert_eq!(status, 201, "{body}");
}
