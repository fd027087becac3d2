//! The typed model against every JSON example of RFC 7643 §8.1–§8.6, kept as fixture
//! files in `tests/fixtures/rfc7643/`: each parses into its struct and is written back
//! as the same JSON, and a round trip through [`Resource`] loses nothing.

use scimitar_schema::{
    Address, AuthenticationScheme, Email, EnterpriseUser, Group, ListResponse, Manager, Member,
    Meta, Name, Resource, ResourceType, ScimType, ServiceProviderConfig, User,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const MINIMAL_USER: &str = include_str!("../fixtures/rfc7643/8.1-user-minimal.json");
const FULL_USER: &str = include_str!("../fixtures/rfc7643/8.2-user-full.json");
const ENTERPRISE_USER: &str = include_str!("../fixtures/rfc7643/8.3-user-enterprise.json");
const GROUP: &str = include_str!("../fixtures/rfc7643/8.4-group.json");
const SERVICE_PROVIDER_CONFIG: &str =
    include_str!("../fixtures/rfc7643/8.5-service-provider-config.json");
const RESOURCE_TYPES: &str = include_str!("../fixtures/rfc7643/8.6-resource-types.json");

const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// Parses `fixture` as a `T`, checks that it is written back as the same JSON value, and
/// returns it.
fn round_trip<T: Serialize + DeserializeOwned>(fixture: &str) -> T {
    let expected: Value = serde_json::from_str(fixture).expect("fixture is JSON");
    let typed: T = serde_json::from_str(fixture).expect("fixture parses into its type");
    let written = serde_json::to_value(&typed).expect("serialises");
    assert_eq!(written, expected, "written back differently");
    typed
}

fn user(fixture: &str) -> User {
    let user: User = round_trip(fixture);
    let resource = user.to_resource();
    assert_eq!(
        resource.clone().into_value(),
        serde_json::from_str::<Value>(fixture).unwrap()
    );
    assert_eq!(User::from_resource(&resource).unwrap(), user);
    assert_eq!(User::try_from(Resource::from(user.clone())).unwrap(), user);
    user
}

fn group(fixture: &str) -> Group {
    let group: Group = round_trip(fixture);
    let resource = group.to_resource();
    assert_eq!(
        resource.clone().into_value(),
        serde_json::from_str::<Value>(fixture).unwrap()
    );
    assert_eq!(Group::from_resource(&resource).unwrap(), group);
    assert_eq!(
        Group::try_from(Resource::from(group.clone())).unwrap(),
        group
    );
    group
}

#[test]
fn rfc7643_8_1_minimal_user() {
    let user = user(MINIMAL_USER);
    assert_eq!(user.schemas, [USER_URN]);
    assert_eq!(
        user.id.as_deref(),
        Some("2819c223-7f76-453a-919d-413861904646")
    );
    assert_eq!(user.user_name, "bjensen@example.com");
    assert!(user.name.is_none() && user.emails.is_empty() && user.enterprise.is_none());
    assert!(user.extra.is_empty());
    let meta = user.meta.as_ref().unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("User"));
    // The RFC writes the ETag as "W\/\"3694e05e9dff590\"": an escaped solidus and quotes.
    assert_eq!(meta.version.as_deref(), Some(r#"W/"3694e05e9dff590""#));
    assert_eq!(
        meta.location.as_deref(),
        Some("https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646")
    );
}

#[test]
fn rfc7643_8_2_full_user() {
    let user = user(FULL_USER);
    assert_eq!(user.external_id.as_deref(), Some("701984"));
    let name = user.name.as_ref().unwrap();
    assert_eq!(name.formatted.as_deref(), Some("Ms. Barbara J Jensen, III"));
    assert_eq!(name.middle_name.as_deref(), Some("Jane"));
    assert_eq!(name.honorific_prefix.as_deref(), Some("Ms."));
    assert_eq!(name.honorific_suffix.as_deref(), Some("III"));
    assert_eq!(user.display_name.as_deref(), Some("Babs Jensen"));
    assert_eq!(user.nick_name.as_deref(), Some("Babs"));
    assert_eq!(
        user.profile_url.as_deref(),
        Some("https://login.example.com/bjensen")
    );
    assert_eq!(user.user_type.as_deref(), Some("Employee"));
    assert_eq!(user.title.as_deref(), Some("Tour Guide"));
    assert_eq!(user.preferred_language.as_deref(), Some("en-US"));
    assert_eq!(user.locale.as_deref(), Some("en-US"));
    assert_eq!(user.timezone.as_deref(), Some("America/Los_Angeles"));
    assert_eq!(user.active, Some(true));
    assert_eq!(user.password.as_deref(), Some("t1meMa$heen"));

    assert_eq!(
        user.emails,
        [
            Email::new("bjensen@example.com")
                .with_type("work")
                .with_primary(true),
            Email::new("babs@jensen.org").with_type("home"),
        ]
    );
    assert_eq!(user.primary_email().unwrap().kind.as_deref(), Some("work"));
    let work = &user.addresses[0];
    assert_eq!(work.kind.as_deref(), Some("work"));
    assert_eq!(
        work.street_address.as_deref(),
        Some("100 Universal City Plaza")
    );
    assert_eq!(work.postal_code.as_deref(), Some("91608"));
    assert_eq!(
        work.formatted.as_deref(),
        Some("100 Universal City Plaza\nHollywood, CA 91608 USA")
    );
    assert_eq!(work.primary, Some(true));
    assert_eq!(user.addresses[1].primary, None);
    assert_eq!(user.phone_numbers[1].kind.as_deref(), Some("mobile"));
    assert_eq!(user.ims[0].value.as_deref(), Some("someaimhandle"));
    assert_eq!(user.photos[1].kind.as_deref(), Some("thumbnail"));
    assert_eq!(user.groups.len(), 3);
    assert_eq!(
        user.groups[0].reference.as_deref(),
        Some("https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a")
    );
    assert_eq!(user.groups[2].display.as_deref(), Some("US Employees"));
    let certificate = user.x509_certificates[0].value.as_deref().unwrap();
    assert!(certificate.starts_with("MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"));
    assert!(certificate.ends_with("+GFiBZ+GNF/cAYKcMtGcrs2i97ZkJMo="));
    assert!(user.entitlements.is_empty() && user.roles.is_empty());
    assert!(user.enterprise.is_none() && user.extra.is_empty());

    let meta = user.meta.as_ref().unwrap();
    assert_eq!(meta.version.as_deref(), Some(r#"W/"a330bc54f0671c9""#));
    assert_eq!(meta.created_at().unwrap().timestamp(), 1_264_222_582);
    assert_eq!(meta.last_modified_at().unwrap().timestamp(), 1_305_261_754);
}

#[test]
fn rfc7643_8_3_enterprise_user() {
    let user = user(ENTERPRISE_USER);
    assert_eq!(user.schemas, [USER_URN, ENTERPRISE_URN]);
    // This example's references are relative; they are kept as written.
    assert_eq!(
        user.groups[1].reference.as_deref(),
        Some("../Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5")
    );
    let enterprise = user.enterprise.as_ref().unwrap();
    assert_eq!(enterprise.employee_number.as_deref(), Some("701984"));
    assert_eq!(enterprise.cost_center.as_deref(), Some("4130"));
    assert_eq!(
        enterprise.organization.as_deref(),
        Some("Universal Studios")
    );
    assert_eq!(enterprise.division.as_deref(), Some("Theme Park"));
    assert_eq!(enterprise.department.as_deref(), Some("Tour Operations"));
    let manager = enterprise.manager.as_ref().unwrap();
    assert_eq!(
        manager.value.as_deref(),
        Some("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(
        manager.reference.as_deref(),
        Some("../Users/26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(manager.display_name.as_deref(), Some("John Smith"));
    assert!(enterprise.extra.is_empty() && user.extra.is_empty());
    assert_eq!(
        user.meta.unwrap().version.as_deref(),
        Some(r#"W/"3694e05e9dff591""#)
    );
}

#[test]
fn rfc7643_8_4_group() {
    let group = group(GROUP);
    assert_eq!(group.schemas, [GROUP_URN]);
    assert_eq!(
        group.id.as_deref(),
        Some("e9e30dba-f08f-4109-8486-d5c6a331660a")
    );
    assert_eq!(group.display_name, "Tour Guides");
    assert_eq!(group.members.len(), 2);
    let member = &group.members[1];
    assert_eq!(
        member.value.as_deref(),
        Some("902c246b-6245-4190-8e05-00816be7344a")
    );
    assert_eq!(
        member.reference.as_deref(),
        Some("https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a")
    );
    assert_eq!(member.display.as_deref(), Some("Mandy Pepperidge"));
    assert_eq!(member.kind, None);
    assert!(group.extra.is_empty());
    let meta = group.meta.unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("Group"));
    assert_eq!(meta.version.as_deref(), Some(r#"W/"3694e05e9dff592""#));
}

#[test]
fn rfc7643_8_5_service_provider_config() {
    let config: ServiceProviderConfig = round_trip(SERVICE_PROVIDER_CONFIG);
    assert_eq!(
        config.schemas,
        ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
    );
    assert_eq!(
        config.documentation_uri.as_deref(),
        Some("http://example.com/help/scim.html")
    );
    assert!(config.patch.supported);
    assert!(config.bulk.supported);
    assert_eq!(config.bulk.max_operations, 1000);
    assert_eq!(config.bulk.max_payload_size, 1_048_576);
    assert!(config.filter.supported);
    assert_eq!(config.filter.max_results, 200);
    assert!(config.change_password.supported && config.sort.supported && config.etag.supported);

    let [oauth, basic] = &config.authentication_schemes[..] else {
        panic!("two authentication schemes expected");
    };
    assert_eq!(oauth.kind, "oauthbearertoken");
    assert_eq!(oauth.primary, Some(true));
    assert_eq!(
        oauth.documentation_uri.as_deref(),
        Some("http://example.com/help/oauth.html")
    );
    assert_eq!(basic.kind, "httpbasic");
    assert_eq!(basic.primary, None);
    // The presets reproduce the RFC's descriptions.
    let mut preset = AuthenticationScheme::oauth_bearer_token();
    preset.documentation_uri = oauth.documentation_uri.clone();
    preset.primary = Some(true);
    assert_eq!(&preset, oauth);
    let mut preset = AuthenticationScheme::http_basic();
    preset.documentation_uri = basic.documentation_uri.clone();
    assert_eq!(&preset, basic);

    let meta = config.meta.unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("ServiceProviderConfig"));
    assert_eq!(meta.version.as_deref(), Some(r#"W/"3694e05e9dff594""#));
}

#[test]
fn rfc7643_8_6_resource_types() {
    let types: Vec<ResourceType> = round_trip(RESOURCE_TYPES);
    let [user, group] = &types[..] else {
        panic!("two resource types expected");
    };
    assert_eq!(user.id.as_deref(), Some("User"));
    assert_eq!(user.name, "User");
    assert_eq!(user.endpoint, "/Users");
    assert_eq!(user.description.as_deref(), Some("User Account"));
    assert_eq!(user.schema, USER_URN);
    assert_eq!(user.schema_extensions.len(), 1);
    assert_eq!(user.schema_extensions[0].schema, ENTERPRISE_URN);
    assert!(user.schema_extensions[0].required);
    assert_eq!(
        user.meta.as_ref().unwrap().location.as_deref(),
        Some("https://example.com/v2/ResourceTypes/User")
    );
    assert_eq!(group.schema, GROUP_URN);
    assert!(group.schema_extensions.is_empty());
    assert_eq!(
        group.meta.as_ref().unwrap().resource_type.as_deref(),
        Some("ResourceType")
    );

    // The constructor gives the same document, less what the RFC's example adds.
    let mut built = ResourceType::new("Group", "/Groups", GROUP_URN);
    built.description = Some("Group".into());
    built.meta = group.meta.clone();
    assert_eq!(&built, group);
}

#[test]
fn unknown_attributes_and_extensions_survive_a_round_trip() {
    let input = json!({
        "schemas": [USER_URN, ENTERPRISE_URN, "urn:example:params:scim:schemas:extension:acme:2.0:User"],
        "userName": "bjensen",
        "favoriteColor": "blue",
        "loginCount": 42,
        "name": {"givenName": "Barbara"},
        ENTERPRISE_URN: {"department": "Tour Operations", "badge": {"id": 7}},
        "urn:example:params:scim:schemas:extension:acme:2.0:User": {
            "costCode": "X-1",
            "tags": ["a", "b"],
            "nested": {"deep": [1, 2.5, null, true]},
        },
    });
    let user: User = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(user.extra["favoriteColor"], "blue");
    assert_eq!(user.extra["loginCount"], 42);
    assert_eq!(
        user.extra["urn:example:params:scim:schemas:extension:acme:2.0:User"]["costCode"],
        "X-1"
    );
    assert_eq!(user.extra.len(), 3);
    let enterprise = user.enterprise.as_ref().unwrap();
    assert_eq!(enterprise.extra["badge"], json!({"id": 7}));
    assert_eq!(serde_json::to_value(&user).unwrap(), input);

    let resource = Resource::from_value(input.clone()).unwrap();
    let user = User::from_resource(&resource).unwrap();
    assert_eq!(user.to_resource(), resource);
    assert_eq!(user.to_resource().into_value(), input);

    let group_input = json!({
        "schemas": [GROUP_URN, "urn:example:params:scim:schemas:extension:acme:2.0:Group"],
        "displayName": "Tour Guides",
        "urn:example:params:scim:schemas:extension:acme:2.0:Group": {"owner": "bjensen"},
        "description": "people who guide tours",
    });
    let group = Group::from_resource(&Resource::from_value(group_input.clone()).unwrap()).unwrap();
    assert_eq!(group.extra.len(), 2);
    assert_eq!(group.to_resource().into_value(), group_input);
}

#[test]
fn constructors_write_only_what_is_set() {
    assert_eq!(
        serde_json::to_value(User::new("bjensen")).unwrap(),
        json!({"schemas": [USER_URN], "userName": "bjensen"})
    );
    assert_eq!(
        serde_json::to_value(Group::new("Tour Guides")).unwrap(),
        json!({"schemas": [GROUP_URN], "displayName": "Tour Guides"})
    );
    assert_eq!(
        serde_json::to_value(Meta::new("User")).unwrap(),
        json!({"resourceType": "User"})
    );
    assert_eq!(serde_json::to_value(Name::new()).unwrap(), json!({}));
    assert_eq!(serde_json::to_value(Address::new()).unwrap(), json!({}));
    assert_eq!(
        serde_json::to_value(EnterpriseUser::new()).unwrap(),
        json!({})
    );
    assert_eq!(
        serde_json::to_value(Manager::new("26118915")).unwrap(),
        json!({"value": "26118915"})
    );
    assert_eq!(
        serde_json::to_value(Member::new("2819c223")).unwrap(),
        json!({"value": "2819c223"})
    );

    let mut name = Name::given_family("Barbara", "Jensen");
    name.formatted = Some("Barbara Jensen".into());
    let mut user = User::new("bjensen");
    user.name = Some(name);
    user.active = Some(false);
    let mut enterprise = EnterpriseUser::new();
    enterprise.manager = Some(Manager::new("26118915"));
    let user = user
        .with_enterprise(enterprise.clone())
        .with_enterprise(enterprise);
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
            "active": false,
            ENTERPRISE_URN: {"manager": {"value": "26118915"}},
        })
    );
}

#[test]
fn a_service_provider_config_writes_every_feature() {
    let config = ServiceProviderConfig::new();
    assert_eq!(
        serde_json::to_value(&config).unwrap(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": false},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": false, "maxResults": 0},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [],
        })
    );
    // Tolerant in: missing features read as unsupported.
    let read: ServiceProviderConfig =
        serde_json::from_value(json!({"patch": {"supported": true}})).unwrap();
    assert!(read.patch.supported && !read.bulk.supported && !read.etag.supported);
}

#[test]
fn an_empty_list_response_writes_resources_and_an_integer_total() {
    let empty = ListResponse::<User>::new(Vec::new(), 0);
    let json = serde_json::to_value(&empty).unwrap();
    assert_eq!(
        json,
        json!({"schemas": [LIST_RESPONSE_URN], "totalResults": 0, "Resources": []})
    );
    assert!(json["totalResults"].is_u64());
    assert_eq!(json["Resources"], json!([]));
    let text = serde_json::to_string(&empty).unwrap();
    assert!(text.contains(r#""Resources":[]"#) && text.contains(r#""totalResults":0"#));

    // RFC 7644 lets a server leave `Resources` out when there are no results.
    let read: ListResponse<User> =
        serde_json::from_value(json!({"schemas": [LIST_RESPONSE_URN], "totalResults": 0})).unwrap();
    assert_eq!(read, empty);
}

#[test]
fn a_list_response_round_trips_its_resources() {
    let users: Vec<User> = [MINIMAL_USER, FULL_USER, ENTERPRISE_USER]
        .into_iter()
        .map(|fixture| serde_json::from_str(fixture).unwrap())
        .collect();
    let list = ListResponse::new(users, 10).with_page(1);
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json["totalResults"], 10);
    assert_eq!(json["startIndex"], 1);
    assert_eq!(json["itemsPerPage"], 3);
    assert_eq!(
        json["Resources"][2],
        serde_json::from_str::<Value>(ENTERPRISE_USER).unwrap()
    );
    assert_eq!(
        serde_json::from_value::<ListResponse<User>>(json).unwrap(),
        list
    );

    let mut cursor = ListResponse::new(vec![Group::new("Tour Guides")], 1);
    cursor.next_cursor = Some("VZUTiyhEQJ94IR".into());
    let json = serde_json::to_value(&cursor).unwrap();
    assert_eq!(json["nextCursor"], "VZUTiyhEQJ94IR");
    assert!(json.get("previousCursor").is_none() && json.get("startIndex").is_none());

    // A lower-case `resources` is read too.
    let read: ListResponse<Value> = serde_json::from_value(json!({
        "totalResults": 1,
        "resources": [{"id": "1"}],
    }))
    .unwrap();
    assert_eq!(read.resources, [json!({"id": "1"})]);
    assert_eq!(read.schemas, [LIST_RESPONSE_URN]);
}

#[test]
fn a_resource_that_is_not_a_user_is_invalid_value() {
    let resource =
        Resource::from_value(json!({"schemas": [USER_URN], "displayName": "Babs"})).unwrap();
    let error = User::from_resource(&resource).unwrap_err();
    assert_eq!(error.status, 400);
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(
        error.detail.as_deref().unwrap().contains("userName"),
        "{error}"
    );

    let resource = Resource::from_value(json!({"userName": "bjensen", "active": "yes"})).unwrap();
    let error = User::try_from(resource).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));

    let resource = Resource::from_value(json!({"members": []})).unwrap();
    let error = Group::from_resource(&resource).unwrap_err();
    assert!(
        error.detail.as_deref().unwrap().contains("displayName"),
        "{error}"
    );
}

#[test]
fn tolerant_input() {
    // No `schemas`: the core schema is assumed. `null` multi-valued attributes are empty.
    let user: User = serde_json::from_value(json!({
        "userName": "bjensen",
        "emails": null,
        "groups": null,
    }))
    .unwrap();
    assert_eq!(user.schemas, [USER_URN]);
    assert!(user.emails.is_empty() && user.groups.is_empty());
    let group: Group =
        serde_json::from_value(json!({"displayName": "Tour Guides", "members": null})).unwrap();
    assert_eq!(group.schemas, [GROUP_URN]);
    assert!(group.members.is_empty());
}
