//! Random operation sequences applied by the applier and by a deliberately simple
//! reference model of the same rules; the results must agree, errors included, and a
//! failed request must leave the resource untouched.

use proptest::prelude::*;
use scimitar_patch::{Compat, OpKind, PatchOperation, apply};
use scimitar_schema::{Resource, SchemaRegistry};
use serde_json::{Map, Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[derive(Clone, Debug, PartialEq)]
struct Email {
    value: String,
    kind: String,
    primary: Option<bool>,
}

/// A user as plain fields, with the RFC 7644 rules written out one by one.
#[derive(Clone, Debug, PartialEq)]
struct Model {
    user_name: String,
    display_name: Option<String>,
    active: Option<bool>,
    given_name: Option<String>,
    family_name: Option<String>,
    emails: Vec<Email>,
    department: Option<String>,
}

#[derive(Clone, Debug)]
enum Op {
    SetDisplayName(OpKind, String),
    RemoveDisplayName,
    SetActive(bool),
    SetGivenName(String),
    RemoveGivenName,
    MergeName(Option<String>, Option<String>),
    AddEmails(Vec<Email>),
    ReplaceEmails(Vec<Email>),
    RemoveEmailsOfType(String),
    ReplaceValueOfType(String, String),
    RemoveUserName,
    SetUserName(String),
    SetDepartment(String),
    RemoveDepartment,
    ReplaceId,
}

#[derive(Debug, PartialEq)]
struct Rejected;

fn same_text(left: &str, right: &str) -> bool {
    left.eq_ignore_ascii_case(right)
}

impl Model {
    fn step(&mut self, op: &Op) -> Result<(), Rejected> {
        match op {
            Op::SetDisplayName(_, name) => self.display_name = Some(name.clone()),
            Op::RemoveDisplayName => self.display_name = None,
            Op::SetActive(active) => self.active = Some(*active),
            Op::SetGivenName(name) => self.given_name = Some(name.clone()),
            Op::RemoveGivenName => self.given_name = None,
            Op::MergeName(given, family) => {
                if given.is_some() {
                    self.given_name.clone_from(given);
                }
                if family.is_some() {
                    self.family_name.clone_from(family);
                }
            }
            Op::AddEmails(added) => {
                if added
                    .iter()
                    .filter(|email| email.primary == Some(true))
                    .count()
                    > 1
                {
                    return Err(Rejected);
                }
                let mut new_primary = None;
                for email in added {
                    let present = self
                        .emails
                        .iter()
                        .any(|known| same_text(&known.value, &email.value));
                    if !present {
                        self.emails.push(email.clone());
                        if email.primary == Some(true) {
                            new_primary = Some(self.emails.len() - 1);
                        }
                    }
                }
                if let Some(primary) = new_primary {
                    self.keep_primary(primary);
                }
            }
            Op::ReplaceEmails(emails) => {
                if emails
                    .iter()
                    .filter(|email| email.primary == Some(true))
                    .count()
                    > 1
                {
                    return Err(Rejected);
                }
                self.emails = emails.clone();
            }
            Op::RemoveEmailsOfType(kind) => {
                self.emails.retain(|email| !same_text(&email.kind, kind))
            }
            Op::ReplaceValueOfType(kind, value) => {
                let mut matched = false;
                for email in self
                    .emails
                    .iter_mut()
                    .filter(|email| same_text(&email.kind, kind))
                {
                    email.value = value.clone();
                    matched = true;
                }
                if !matched {
                    return Err(Rejected);
                }
            }
            Op::RemoveUserName | Op::ReplaceId => return Err(Rejected),
            Op::SetUserName(name) => self.user_name = name.clone(),
            Op::SetDepartment(department) => self.department = Some(department.clone()),
            Op::RemoveDepartment => self.department = None,
        }
        Ok(())
    }

    fn keep_primary(&mut self, keep: usize) {
        for (index, email) in self.emails.iter_mut().enumerate() {
            if index != keep && email.primary == Some(true) {
                email.primary = Some(false);
            }
        }
    }

    fn to_json(&self) -> Value {
        let mut user = Map::new();
        let mut schemas = vec![json!(USER)];
        user.insert("id".into(), json!("u1"));
        user.insert("userName".into(), json!(self.user_name));
        if let Some(name) = &self.display_name {
            user.insert("displayName".into(), json!(name));
        }
        if let Some(active) = self.active {
            user.insert("active".into(), json!(active));
        }
        let mut name = Map::new();
        if let Some(given) = &self.given_name {
            name.insert("givenName".into(), json!(given));
        }
        if let Some(family) = &self.family_name {
            name.insert("familyName".into(), json!(family));
        }
        if !name.is_empty() {
            user.insert("name".into(), Value::Object(name));
        }
        if !self.emails.is_empty() {
            user.insert(
                "emails".into(),
                Value::Array(self.emails.iter().map(email_json).collect()),
            );
        }
        if let Some(department) = &self.department {
            schemas.push(json!(ENTERPRISE));
            user.insert(ENTERPRISE.into(), json!({"department": department}));
        }
        user.insert("schemas".into(), Value::Array(schemas));
        Value::Object(user)
    }
}

fn email_json(email: &Email) -> Value {
    let mut object = json!({"value": email.value, "type": email.kind});
    if let Some(primary) = email.primary {
        object["primary"] = json!(primary);
    }
    object
}

fn operation(op: &Op) -> PatchOperation {
    let path = |text: &str| Some(text.parse().unwrap());
    let emails = |emails: &[Email]| Value::Array(emails.iter().map(email_json).collect());
    match op {
        Op::SetDisplayName(kind, name) => {
            PatchOperation::new(*kind, path("displayName"), Some(json!(name)))
        }
        Op::RemoveDisplayName => PatchOperation::new(OpKind::Remove, path("displayName"), None),
        Op::SetActive(active) => {
            PatchOperation::new(OpKind::Replace, None, Some(json!({"active": active})))
        }
        Op::SetGivenName(name) => {
            PatchOperation::new(OpKind::Replace, path("name.givenName"), Some(json!(name)))
        }
        Op::RemoveGivenName => PatchOperation::new(OpKind::Remove, path("name.givenName"), None),
        Op::MergeName(given, family) => {
            let mut name = Map::new();
            if let Some(given) = given {
                name.insert("givenName".into(), json!(given));
            }
            if let Some(family) = family {
                name.insert("familyName".into(), json!(family));
            }
            PatchOperation::new(OpKind::Add, path("name"), Some(Value::Object(name)))
        }
        Op::AddEmails(added) => {
            PatchOperation::new(OpKind::Add, path("emails"), Some(emails(added)))
        }
        Op::ReplaceEmails(replacement) => {
            PatchOperation::new(OpKind::Replace, path("emails"), Some(emails(replacement)))
        }
        Op::RemoveEmailsOfType(kind) => PatchOperation::new(
            OpKind::Remove,
            path(&format!("emails[type eq \"{kind}\"]")),
            None,
        ),
        Op::ReplaceValueOfType(kind, value) => PatchOperation::new(
            OpKind::Replace,
            path(&format!("emails[type eq \"{kind}\"].value")),
            Some(json!(value)),
        ),
        Op::RemoveUserName => PatchOperation::new(OpKind::Remove, path("userName"), None),
        Op::SetUserName(name) => {
            PatchOperation::new(OpKind::Replace, path("userName"), Some(json!(name)))
        }
        Op::SetDepartment(department) => PatchOperation::new(
            OpKind::Add,
            path(&format!("{ENTERPRISE}:department")),
            Some(json!(department)),
        ),
        Op::RemoveDepartment => PatchOperation::new(
            OpKind::Remove,
            path(&format!("{ENTERPRISE}:department")),
            None,
        ),
        Op::ReplaceId => PatchOperation::new(OpKind::Replace, path("id"), Some(json!("u2"))),
    }
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "Babs", "babs", "Jensen"]).prop_map(str::to_owned)
}

fn email() -> impl Strategy<Value = Email> {
    (
        prop::sample::select(vec!["a@x.org", "A@X.org", "b@x.org", "c@y.org"]),
        prop::sample::select(vec!["work", "home", "Work"]),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(value, kind, primary)| Email {
            value: value.into(),
            kind: kind.into(),
            primary,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (
            prop::sample::select(vec![OpKind::Add, OpKind::Replace]),
            text()
        )
            .prop_map(|(kind, name)| Op::SetDisplayName(kind, name)),
        Just(Op::RemoveDisplayName),
        any::<bool>().prop_map(Op::SetActive),
        text().prop_map(Op::SetGivenName),
        Just(Op::RemoveGivenName),
        (prop::option::of(text()), prop::option::of(text()))
            .prop_filter("a name with something", |(given, family)| given.is_some()
                || family.is_some())
            .prop_map(|(given, family)| Op::MergeName(given, family)),
        prop::collection::vec(email(), 1..3).prop_map(Op::AddEmails),
        prop::collection::vec(email(), 0..3).prop_map(Op::ReplaceEmails),
        prop::sample::select(vec!["work", "home", "WORK"])
            .prop_map(|kind| Op::RemoveEmailsOfType(kind.into())),
        (
            prop::sample::select(vec!["work", "home"]),
            prop::sample::select(vec!["d@z.org", "a@x.org"])
        )
            .prop_map(|(kind, value)| Op::ReplaceValueOfType(kind.into(), value.into())),
        Just(Op::RemoveUserName),
        text().prop_map(Op::SetUserName),
        text().prop_map(Op::SetDepartment),
        Just(Op::RemoveDepartment),
        Just(Op::ReplaceId),
    ]
}

fn start() -> Model {
    Model {
        user_name: "bjensen".into(),
        display_name: None,
        active: Some(true),
        given_name: None,
        family_name: Some("Jensen".into()),
        emails: vec![Email {
            value: "a@x.org".into(),
            kind: "work".into(),
            primary: Some(true),
        }],
        department: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_applier_agrees_with_the_reference_model(requests in prop::collection::vec(prop::collection::vec(op(), 1..5), 1..4)) {
        let registry = SchemaRegistry::core();
        let users = registry.resource_type("User").unwrap();
        let mut model = start();
        let mut resource = Resource::from_value(model.to_json()).unwrap();
        for request in &requests {
            let mut next = model.clone();
            let expected = request.iter().try_for_each(|op| next.step(op));
            let before = resource.clone();
            let result = apply(&mut resource, request.iter().map(operation), &registry, users, &Compat::STRICT);
            match (expected, result) {
                (Ok(()), Ok(outcome)) => {
                    model = next;
                    prop_assert_eq!(resource.clone().into_value(), model.to_json(), "{:?}", request);
                    prop_assert_eq!(outcome.changed(), resource != before, "{:?}", request);
                }
                (Err(Rejected), Err(_)) => prop_assert_eq!(&resource, &before, "a failed request changed the resource: {:?}", request),
                (expected, result) => prop_assert!(false, "model {:?} but applier {:?} for {:?}", expected, result, request),
            }
        }
    }
}
