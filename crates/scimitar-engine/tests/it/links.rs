//! The links in responses (`Location`, `meta.location`, `$ref`): from the public URL,
//! from forwarded headers only when trusted, else from the request.

use bytes::Bytes;
use serde_json::{Value, json};

use pollster::block_on;
use scimitar_engine::EngineConfig;

use crate::support::{Harness, urn, user};

/// Posts a user and a group holding it as `h`'s tenant, with `headers` on every
/// request and a path relative to the host; returns every link the answers hold: the
/// `Location` and `meta.location` of both, the member's `$ref`, the user's group `$ref`
/// and the `ServiceProviderConfig`'s `meta.location`.
fn links(h: &Harness, base: &str, headers: &[(&str, &str)]) -> Vec<String> {
    let send = |method: &str, path: &str, body: Option<Value>| {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{base}{path}"))
            .header("Authorization", format!("Bearer {}", h.key.secret))
            .header("Content-Type", "application/scim+json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = body.map_or_else(Bytes::new, |body| Bytes::from(body.to_string()));
        let response = block_on(h.engine.handle(request.body(body).expect("request")));
        let location = response
            .headers()
            .get("location")
            .map(|value| value.to_str().expect("text").to_owned());
        let body: Value = serde_json::from_slice(response.body()).expect("JSON");
        (location, body)
    };
    // Names of their own, for several calls on one harness.
    let name = format!("user-{}", links_made(h));
    let (user_location, alice) = send("POST", "/Users", Some(user(&name)));
    let id = alice["id"].as_str().expect("an id");
    let group = json!({"schemas": [urn::GROUP], "displayName": name, "members": [{"value": id}]});
    let (group_location, staff) = send("POST", "/Groups", Some(group));
    let (_, alice) = send("GET", &format!("/Users/{id}"), None);
    let (_, config) = send("GET", "/ServiceProviderConfig", None);
    let text = |value: &Value| value.as_str().expect("a link").to_owned();
    vec![
        user_location.expect("a Location"),
        text(&alice["meta"]["location"]),
        group_location.expect("a Location"),
        text(&staff["meta"]["location"]),
        text(&staff["members"][0]["$ref"]),
        text(&alice["groups"][0]["$ref"]),
        text(&config["meta"]["location"]),
    ]
}

/// How many users the harness's tenant holds.
fn links_made(h: &Harness) -> u64 {
    h.get("/Users?count=0").2["totalResults"]
        .as_u64()
        .expect("a count")
}

/// Asserts that every link starts with `prefix`.
#[track_caller]
fn all_start_with(links: &[String], prefix: &str) {
    assert_eq!(links.len(), 7);
    for link in links {
        assert!(link.starts_with(prefix), "{link} under {prefix}");
    }
}

const FORWARDED: [(&str, &str); 3] = [
    ("Host", "internal:8080"),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "app.example.com"),
];

#[test]
fn links_follow_the_host_header_by_default() {
    let h = Harness::new();
    let links = links(&h, "/scim/v2", &[("Host", "tenant.example.org")]);
    all_start_with(&links, "http://tenant.example.org/scim/v2/");
    assert!(links[0].starts_with("http://tenant.example.org/scim/v2/Users/"));
}

#[test]
fn forwarded_headers_are_ignored_unless_trusted() {
    let h = Harness::new();
    all_start_with(
        &links(&h, "/scim/v2", &FORWARDED),
        "http://internal:8080/scim/v2/",
    );
}

#[test]
fn trusted_forwarded_headers_give_scheme_and_host() {
    let h = Harness::with_config(EngineConfig::default().trust_forwarded_headers(true));
    all_start_with(
        &links(&h, "/scim/v2", &FORWARDED),
        "https://app.example.com/scim/v2/",
    );
    // The proxy nearest the client comes first in a list.
    let listed = [
        ("Host", "internal:8080"),
        ("X-Forwarded-Proto", "https, http"),
        ("X-Forwarded-Host", "app.example.com:8443, internal"),
    ];
    all_start_with(
        &links(&h, "/scim/v2", &listed),
        "https://app.example.com:8443/scim/v2/",
    );
    // Values that are not a scheme or a host are ignored, one by one.
    let malformed = [
        ("Host", "internal:8080"),
        ("X-Forwarded-Proto", "javascript"),
        ("X-Forwarded-Host", "evil.example/path"),
    ];
    all_start_with(
        &links(&h, "/scim/v2", &malformed),
        "http://internal:8080/scim/v2/",
    );
    let user_info = [
        ("Host", "internal:8080"),
        ("X-Forwarded-Host", "user@evil.example"),
    ];
    all_start_with(
        &links(&h, "/scim/v2", &user_info),
        "http://internal:8080/scim/v2/",
    );
}

#[test]
fn the_public_url_wins_over_everything() {
    let config = EngineConfig::default()
        .public_url("https://scim.example.com/tenant-a/scim/v2/")
        .trust_forwarded_headers(true);
    let h = Harness::with_config(config);
    all_start_with(
        &links(&h, "/scim/v2", &FORWARDED),
        "https://scim.example.com/tenant-a/scim/v2/",
    );
}
