//! Properties of the change records and the pick-up merge.

use proptest::prelude::*;
use scimitar_policy::{changes, pick_up};
use scimitar_schema::Resource;
use serde_json::{Map, Value};

/// Attribute names, distinct whatever their case, bookkeeping ones included.
const NAMES: [&str; 10] = [
    "userName",
    "title",
    "nickName",
    "active",
    "locale",
    "password",
    "externalId",
    "id",
    "schemas",
    "meta",
];

/// The same names as a client might spell them.
const SPELLINGS: [&str; 6] = ["USERNAME", "Title", "nickname", "Active", "PASSWORD", "ID"];

const EXTENSION: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..3).prop_map(Value::from),
        "[ab]{0,2}".prop_map(Value::String),
    ]
}

fn flat(names: &'static [&'static str]) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(prop::sample::select(names), scalar(), 0..names.len()).prop_map(
        |map| {
            map.into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect()
        },
    )
}

fn without_bookkeeping(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(key, _)| !["id", "schemas", "meta"].contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// Pairs of flat objects: equal, equal but for bookkeeping, or independent.
fn pairs() -> impl Strategy<Value = (Map<String, Value>, Map<String, Value>)> {
    (flat(&NAMES), flat(&NAMES), 0..3u8).prop_map(|(a, b, how)| match how {
        0 => (a.clone(), a),
        1 => {
            let mut b = without_bookkeeping(&a);
            b.insert("id".into(), Value::from("other"));
            b.insert("meta".into(), Value::from("other"));
            (a, b)
        }
        _ => (a, b),
    })
}

fn extension() -> impl Strategy<Value = Option<Map<String, Value>>> {
    prop::option::of(flat(&["department", "costCenter", "manager"]))
}

proptest! {
    #[test]
    fn no_changes_iff_equal_but_for_bookkeeping((a, b) in pairs()) {
        let equal = without_bookkeeping(&a) == without_bookkeeping(&b);
        let found = changes(Some(&Resource::from(a.clone())), Some(&Resource::from(b.clone())));
        prop_assert_eq!(found.is_empty(), equal, "{:?}", found);
        for change in &found {
            if change.path != "password" {
                prop_assert_ne!(&change.before, &change.after);
            }
            prop_assert!(a.contains_key(&change.path) || b.contains_key(&change.path));
        }
    }

    #[test]
    fn a_create_records_each_attribute_once(a in flat(&NAMES)) {
        let found = changes(None, Some(&Resource::from(a.clone())));
        let kept = without_bookkeeping(&a);
        prop_assert_eq!(found.len(), kept.len());
        for change in found {
            prop_assert!(change.before.is_none());
            prop_assert!(kept.contains_key(&change.path));
        }
    }

    #[test]
    fn a_pick_up_carries_every_request_attribute(
        account in flat(&NAMES),
        account_spelled in flat(&SPELLINGS),
        account_extension in extension(),
        request in flat(&NAMES),
        request_extension in extension(),
    ) {
        let mut account: Map<String, Value> = account.into_iter().chain(account_spelled).collect();
        if let Some(extension) = account_extension {
            account.insert(EXTENSION.to_uppercase(), Value::Object(extension));
        }
        let mut request = request;
        if let Some(extension) = request_extension.clone() {
            request.insert(EXTENSION.into(), Value::Object(extension));
        }
        let account = Resource::from(account);
        let request = Resource::from(request);
        let merged = pick_up(&account, &request);

        for (key, value) in request.as_map() {
            if ["id", "schemas", "meta"].contains(&key.as_str()) {
                continue;
            }
            let carried = merged.as_map().get(key);
            prop_assert!(carried.is_some(), "{} is missing", key);
            if key == EXTENSION {
                for (sub, sub_value) in value.as_object().into_iter().flatten() {
                    let merged_extension = carried.and_then(Value::as_object);
                    prop_assert_eq!(
                        merged_extension.and_then(|extension| extension.get(sub)),
                        Some(sub_value)
                    );
                }
            } else {
                prop_assert_eq!(carried, Some(value));
            }
        }
        for (key, value) in account.as_map() {
            let lower = key.to_lowercase();
            if ["id", "schemas", "meta"].contains(&lower.as_str()) {
                continue;
            }
            let overridden = request.as_map().keys().any(|name| name.eq_ignore_ascii_case(key));
            if !overridden {
                prop_assert_eq!(merged.as_map().get(key), Some(value));
            }
        }
        prop_assert!(merged.id().is_none());
        prop_assert!(merged.get_attr("meta").is_none());
    }
}
