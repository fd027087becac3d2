//! Look-alike names: values that differ only in case, width or Unicode normalisation
//! form are one name to uniqueness and to filters, unless the attribute is case-exact.

use serde_json::json;

use scimitar_engine::{ListQuery, ResourceStore, StoreError, TenantId};
use scimitar_schema::{SchemaRegistry, fold_for_comparison, matches};

use crate::fixtures::{create, filter, group, list_all, ok, user};
use crate::lists::check_listed;

/// `José Müller` in NFC, as most clients send it.
const NFC: &str = "Jos\u{E9}.M\u{FC}ller";
/// The same name in NFD: `e` and `u` followed by combining marks.
const NFD: &str = "Jose\u{301}.Mu\u{308}ller";

/// Names are unique and found by their fold ([`fold_for_comparison`]), as the engine
/// gives it in the unique keys and as filters compare: a user named in NFD or in
/// fullwidth letters takes the key of the same name in NFC or ASCII, and a filter in
/// either form finds both (through the equality index, a conjunction and a scan alike);
/// a case-exact attribute (`externalId`) is compared as stored.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn look_alike_names<S: ResourceStore>(store: &S, tenant: &TenantId) {
    let mut jose = user("u1", NFC);
    let map = jose.resource.as_map_mut();
    map.insert("externalId".to_owned(), json!(NFC));
    map.insert("active".to_owned(), json!(true));
    map.insert("name".to_owned(), json!({"familyName": "M\u{FC}ller"}));
    ok(create(store, tenant, jose).await, "create a user in NFC");
    ok(
        create(store, tenant, user("u2", "alice")).await,
        "create a user in ASCII",
    );
    let conflict = |value: &str| {
        Err(StoreError::Conflict {
            attribute: "userName".to_owned(),
            value: fold_for_comparison(value).into_owned(),
        })
    };
    assert_eq!(
        create(store, tenant, user("u3", NFD)).await,
        conflict(NFC),
        "the name in NFD is the one in NFC"
    );
    assert_eq!(
        create(store, tenant, user("u3", "\u{FF21}lice")).await,
        conflict("alice"),
        "the name in fullwidth letters is the one in ASCII"
    );
    ok(
        create(
            store,
            tenant,
            group("g1", "\u{FF33}\u{FF54}\u{FF41}\u{FF46}\u{FF46}", &[]),
        )
        .await,
        "create a group in fullwidth letters",
    );

    let everything = list_all(store, tenant, "User").await.into_resources();
    let groups = list_all(store, tenant, "Group").await.into_resources();
    let registry = SchemaRegistry::core();
    let cases: [(&str, &str, &[&str]); 13] = [
        ("User", "userName eq \"JOSE\u{301}.MU\u{308}LLER\"", &["u1"]),
        ("User", "userName eq \"jos\u{E9}.m\u{FC}ller\"", &["u1"]),
        (
            "User",
            "userName eq \"jose\u{301}.mu\u{308}ller\" and active eq true",
            &["u1"],
        ),
        ("User", "userName sw \"JOSE\u{301}\"", &["u1"]),
        (
            "User",
            "userName eq \"\u{FF41}\u{FF4C}\u{FF49}\u{FF43}\u{FF45}\"",
            &["u2"],
        ),
        ("User", "userName co \"\u{FF2C}\u{FF29}\"", &["u2"]),
        ("User", "name.familyName eq \"MU\u{308}LLER\"", &["u1"]),
        ("User", "userName ne \"JOSE\u{301}.MU\u{308}LLER\"", &["u2"]),
        // Case-exact: neither case, nor the normalisation form, is folded.
        ("User", &format!("externalId eq \"{NFC}\""), &["u1"]),
        ("User", &format!("externalId eq \"{NFD}\""), &[]),
        ("User", "externalId eq \"jos\u{E9}.m\u{FC}ller\"", &[]),
        ("Group", "displayName eq \"staff\"", &["g1"]),
        ("Group", "displayName eq \"\u{FF53}TAFF\"", &["g1"]),
    ];
    for (resource_type, text, expected) in cases {
        let stored = if resource_type == "User" {
            &everything
        } else {
            &groups
        };
        let filter = filter(text);
        let matching: Vec<&str> = stored
            .iter()
            .filter(|stored| matches(&filter, &stored.resource, &registry))
            .map(|stored| stored.id.as_str())
            .collect();
        assert_eq!(matching, expected, "evaluation of {text}");
        for page in [None, Some((0, 1))] {
            let query = ListQuery::new(Some(&filter), page);
            let found = ok(store.list(tenant, resource_type, query).await, "list");
            let context = format!("{resource_type}s with filter {text} and page {page:?}");
            check_listed(&found, stored, expected, page, &context);
        }
    }
}
