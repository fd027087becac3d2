//! `/Bulk` runs each operation as the same request sent alone would: same statuses,
//! same versions, same final state.

use serde_json::{Value, json};

use crate::support::{Harness, header, patch_op, urn, user};

/// One operation: method, path (with `bulkId:` references, resolved by hand for the
/// requests sent alone), body.
type Step = (&'static str, &'static str, Option<Value>);

fn steps() -> Vec<Step> {
    let group = json!({"schemas": [urn::GROUP], "displayName": "staff", "members": [{"value": "bulkId:alice"}]});
    vec![
        ("POST", "/Users", Some(user("alice"))),
        ("POST", "/Users", Some(user("bob"))),
        ("POST", "/Groups", Some(group)),
        (
            "PATCH",
            "/Groups/bulkId:staff",
            Some(patch_op(
                json!([{"op": "add", "path": "members", "value": [{"value": "bulkId:bob"}]}]),
            )),
        ),
        (
            "PUT",
            "/Users/bulkId:alice",
            Some(json!({"schemas": [urn::USER], "userName": "alice", "displayName": "Alice"})),
        ),
        (
            "PATCH",
            "/Users/bulkId:alice",
            Some(patch_op(
                json!([{"op": "replace", "path": "active", "value": false}]),
            )),
        ),
        // Changes nothing: the version stays.
        (
            "PATCH",
            "/Users/bulkId:alice",
            Some(patch_op(
                json!([{"op": "replace", "path": "active", "value": false}]),
            )),
        ),
        ("DELETE", "/Users/bulkId:bob", None),
        // Fails: a name taken.
        ("POST", "/Users", Some(user("ALICE"))),
    ]
}

/// The `bulkId` a step declares: the name it creates.
fn bulk_id(step: &Step) -> Option<String> {
    let body = step.2.as_ref()?;
    (step.0 == "POST").then(|| {
        body.get("userName")
            .or_else(|| body.get("displayName"))
            .and_then(Value::as_str)
            .expect("a name")
            .to_lowercase()
    })
}

/// Replaces `bulkId:x` in `text` by the id created for `x`.
fn resolve(text: &str, created: &[(String, String)]) -> String {
    created.iter().fold(text.to_owned(), |text, (bulk_id, id)| {
        text.replace(&format!("bulkId:{bulk_id}"), id)
    })
}

#[test]
fn bulk_matches_the_same_requests_sent_one_by_one() {
    // Same ids and clock on both sides: the engines must agree byte for byte.
    let alone = Harness::new();
    let mut created: Vec<(String, String)> = Vec::new();
    let mut one_by_one: Vec<(String, Option<String>)> = Vec::new();
    for step in steps() {
        let path = resolve(step.1, &created);
        let body = step
            .2
            .as_ref()
            .map(|body| serde_json::from_str(&resolve(&body.to_string(), &created)).expect("JSON"));
        let (status, headers, answer) = alone.send(step.0, &path, body, &[]);
        let version = headers
            .get("etag")
            .map(|_| header(&headers, "etag").to_owned());
        if let (Some(bulk_id), 201) = (bulk_id(&step), status) {
            created.push((bulk_id, answer["id"].as_str().expect("an id").to_owned()));
        }
        one_by_one.push((status.to_string(), version));
    }

    let bulk = Harness::new();
    let operations: Vec<Value> = steps()
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let mut operation = json!({"method": step.0, "path": step.1});
            if let Some(body) = &step.2 {
                operation["data"] = body.clone();
            }
            operation["bulkId"] = json!(bulk_id(step).unwrap_or_else(|| format!("op{index}")));
            operation
        })
        .collect();
    let (status, _, answer) = bulk.post(
        "/Bulk",
        json!({"schemas": [urn::BULK_REQUEST], "Operations": operations}),
    );
    assert_eq!(status, 200, "{answer}");
    let in_bulk: Vec<(String, Option<String>)> = answer["Operations"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            let version = result["version"].as_str().map(str::to_owned);
            (
                result["status"].as_str().expect("a status").to_owned(),
                version,
            )
        })
        .collect();
    assert_eq!(in_bulk, one_by_one);
    assert_eq!(
        in_bulk
            .iter()
            .map(|(status, _)| status.as_str())
            .collect::<Vec<_>>(),
        [
            "201", "201", "201", "200", "200", "200", "200", "204", "409"
        ]
    );

    // The same resources, in the same state.
    for path in ["/Users", "/Groups"] {
        assert_eq!(alone.get(path), bulk.get(path), "{path}");
    }
    // Each created resource that is still there is at its location.
    for result in answer["Operations"].as_array().expect("results") {
        if result["status"] == "201" && result["bulkId"] != "bob" {
            let location = result["location"].as_str().expect("a location");
            let path = location
                .strip_prefix(crate::support::BASE)
                .expect("under the base");
            assert_eq!(bulk.get(path).0, 200, "{location}");
        }
    }
}
