//! One rule at a time, as the app's table sees it: pending managers, suspension, host
//! errors, custom mappings, deletes, invitations, and reverts.

use pollster::block_on;
use scimitar::serde_json::json;
use scimitar::{
    Action, Compat, DeleteRule, EngineConfig, HistoryQuery, HistoryStore, PatchRequest,
    Preconditions, Principal, TenantStore,
};
use scimitar_example_host_app::{COST_CENTER, Status as AppStatus};

use crate::entra::{Entra, PEOPLE, Step, assert_in_step, entra_user};
use crate::support::{App, ENTERPRISE, WORKSPACE, id_of, resources};

#[test]
fn a_manager_outside_the_scope_stays_pending_until_provisioned() {
    let app = App::new();
    let alice = id_of(&app.post("/Users", entra_user(&PEOPLE[3])));
    // Carol has an account in the app, but Entra has not provisioned her: SCIM does not
    // know her, so the reference (her user name) cannot be resolved yet.
    let reply = app.patch(
        &format!("/Users/{alice}"),
        json!([{"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": "cdavis@contoso.com"}]),
    );
    assert_eq!(reply.0, 200, "{}", reply.1);
    assert!(reply.1[ENTERPRISE].get("manager").is_none(), "{}", reply.1);
    let entry = app.last_entry();
    assert!(
        entry
            .warnings
            .iter()
            .any(|w| w.contains("not a provisioned user")),
        "{entry:?}"
    );
    assert_eq!(app.row("asmith@contoso.com").manager, None);

    // Carol's account is picked up: Alice's manager is set, in SCIM and in the app.
    let carol = id_of(&app.post(
        "/Users",
        json!({"schemas": [crate::support::USER], "userName": "cdavis@contoso.com", "active": true}),
    ));
    assert_eq!(carol, "user-4", "the app's id");
    let (_, alice_now) = app.get(&format!("/Users/{alice}"));
    assert_eq!(alice_now[ENTERPRISE]["manager"]["value"], carol);
    let row = app.row("asmith@contoso.com");
    assert_eq!(row.manager.as_deref(), Some("cdavis@contoso.com"));
    assert_eq!(row.manager_id, Some(4));
    let resolved = app.history();
    let resolved = resolved
        .iter()
        .rev()
        .find(|entry| entry.resource_id.as_deref() == Some(alice.as_str()))
        .expect("an entry of Alice's");
    assert_eq!(resolved.action, Action::Updated);
    assert_eq!(resolved.fields.get("manager"), Some(&Some(carol.clone())));
    assert!(
        resolved.warnings.iter().any(|w| w.contains("resolved")),
        "{resolved:?}"
    );
    assert_in_step(&app);
}

#[test]
fn active_false_suspends_the_row_and_true_reactivates_it() {
    let app = App::new();
    let mut entra = Entra::new(&app);
    entra.send(Step::User(2));
    let path = format!("/Users/{}", entra.users[&2]);
    // Entra without the feature flag: a string.
    let reply = app.patch(
        &path,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!((reply.0, &reply.1["active"]), (200, &json!(false)));
    assert_eq!(app.row("jdoe@contoso.com").status, AppStatus::Suspended);
    assert_eq!(app.last_entry().action, Action::Suspended);
    // Still listed by SCIM, still in the app: suspended, not gone.
    assert_eq!(resources(&app.get("/Users")).len(), 1);

    // Okta's path-less replace.
    let reply = app.patch(&path, json!([{"op": "replace", "value": {"active": true}}]));
    assert_eq!(reply.0, 200, "{}", reply.1);
    assert_eq!(app.row("jdoe@contoso.com").status, AppStatus::Active);
    assert_eq!(app.last_entry().action, Action::Reactivated);
    assert_in_step(&app);
}

#[test]
fn a_name_the_app_reserves_is_refused_and_leaves_nothing() {
    let app = App::new();
    let rows = app.rows();
    let body = json!({"schemas": [crate::support::USER], "userName": "Admin@contoso.com"});
    let (status, error) = app.post("/Users", body);
    assert_eq!(status, 400, "{error}");
    assert_eq!(
        error["detail"],
        "the user name \"Admin@contoso.com\" is reserved by the app"
    );
    assert_eq!(app.rows(), rows, "no row");
    assert_eq!(
        resources(&app.get("/Users?filter=userName+eq+%22admin%40contoso.com%22")).len(),
        0
    );
    let entry = app.last_entry();
    assert_eq!((entry.action, entry.status), (Action::Failed, 400));
    assert_eq!(entry.resource_id, None);
    assert!(
        entry
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("reserved")
    );

    // A rename to one is refused too, and the row keeps its name.
    let id = id_of(&app.post("/Users", entra_user(&PEOPLE[2])));
    let reply = app.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "userName", "value": "root"}]),
    );
    assert_eq!(reply.0, 400, "{}", reply.1);
    assert_eq!(
        app.row("jdoe@contoso.com").sync_id.as_deref(),
        Some(id.as_str())
    );
    assert_eq!(app.find_row("root"), None);
    let entry = app.last_entry();
    assert_eq!(
        (entry.action, entry.resource_id),
        (Action::Failed, Some(id))
    );
    assert_in_step(&app);
}

#[test]
fn the_custom_mapping_lands_in_the_custom_fields_and_the_history() {
    let app = App::new();
    let id = id_of(&app.post("/Users", entra_user(&PEOPLE[2])));

    // Through the typed operations, as a host's own code would call them.
    let tenant = block_on(app.engine.store().tenant(&app.tenant.id))
        .expect("read")
        .expect("the tenant");
    assert!(tenant.policy.mappings.get(COST_CENTER).is_some());
    let principal = Principal::new(tenant, None);
    let scim = app.engine.operations(&principal).with_request_id("req-42");
    let request = PatchRequest::from_value(
        &crate::support::patch_op(json!([
            {"op": "Add", "path": format!("{ENTERPRISE}:costCenter"), "value": "4200"},
            {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": "Engineering"},
        ])),
        &Compat::LENIENT,
    )
    .expect("a PATCH");
    block_on(scim.patch("User", &id, &request, &Preconditions::none())).expect("patched");
    let row = app.row("jdoe@contoso.com");
    assert_eq!(
        row.custom.get(COST_CENTER).map(String::as_str),
        Some("4200")
    );
    assert_eq!(
        row.custom.len(),
        1,
        "department is not mapped: {:?}",
        row.custom
    );

    // The history, read from the store: each entry names the fields it changed.
    let query = HistoryQuery::new().resource(id.clone());
    let entries = block_on(app.engine.store().history(&app.tenant.id, &query)).expect("history");
    let actions: Vec<Action> = entries.iter().map(|entry| entry.action).collect();
    assert_eq!(actions, [Action::Created, Action::Updated]);
    let update = &entries[1];
    assert_eq!(update.request.as_deref(), Some("req-42"));
    assert_eq!(
        update.fields.get(COST_CENTER),
        Some(&Some("4200".to_owned()))
    );
    assert!(
        update
            .changes
            .iter()
            .any(|change| change.path.contains("costCenter")),
        "{update:?}"
    );

    // Removing it clears the field.
    let reply = app.patch(
        &format!("/Users/{id}"),
        json!([{"op": "Remove", "path": format!("{ENTERPRISE}:costCenter")}]),
    );
    assert_eq!(reply.0, 200, "{}", reply.1);
    assert!(app.row("jdoe@contoso.com").custom.is_empty());
    assert_eq!(app.last_entry().fields.get(COST_CENTER), Some(&None));
    assert_in_step(&app);
}

#[test]
fn a_delete_deletes_the_row_and_its_reports_lose_their_manager() {
    let app = App::new();
    let mut entra = Entra::new(&app);
    entra.run(&[
        Step::Group("Engineering"),
        Step::User(1),
        Step::User(2),
        Step::Manager(2),
        Step::Members("Engineering", &[1, 2]),
    ]);
    let mark = entra.users[&1].clone();
    assert_eq!(app.delete(&format!("/Users/{mark}")).0, 204);
    assert_eq!(app.find_row("mpeters@contoso.com"), None);
    let john = app.row("jdoe@contoso.com");
    assert_eq!(john.manager, None);
    let teams = app.db.teams(WORKSPACE).expect("teams");
    assert_eq!(teams[1].members, ["jdoe@contoso.com"]);
    assert_in_step(&app);
}

#[test]
fn suspend_and_unlink_keeps_the_row_for_a_later_pick_up() {
    let app = App::new();
    app.set_policy(
        app.app_policy()
            .with_on_delete(DeleteRule::SuspendAndUnlink),
    );
    let mut entra = Entra::new(&app);
    entra.run(&[
        Step::Group("Design"),
        Step::User(0),
        Step::Members("Design", &[0]),
    ]);
    assert_eq!(app.delete("/Users/user-1").0, 204);
    let barbara = app.row("bjensen@contoso.com");
    assert_eq!(
        (barbara.status, barbara.sync_id),
        (AppStatus::Suspended, None)
    );
    assert!(barbara.teams.is_empty());
    assert_eq!(app.get("/Users/user-1").0, 404);
    assert_in_step(&app);

    // Assigned again, the suspended row is picked up again: it keeps its id and
    // row, and is active once more.
    assert_eq!(id_of(&app.post("/Users", entra_user(&PEOPLE[0]))), "user-1");
    let barbara = app.row("bjensen@contoso.com");
    assert_eq!(barbara.sync_id.as_deref(), Some("user-1"));
    assert_eq!(barbara.status, AppStatus::Active);

    // The same for a user the identity provider created.
    let john = id_of(&app.post("/Users", entra_user(&PEOPLE[2])));
    assert_eq!(app.delete(&format!("/Users/{john}")).0, 204);
    assert_eq!(app.row("jdoe@contoso.com").sync_id, None);
    // Its row is picked up under the row's own id, which the app gives its accounts.
    let again = id_of(&app.post("/Users", entra_user(&PEOPLE[2])));
    assert_eq!(app.row("jdoe@contoso.com").sync_id, Some(again));
    assert_in_step(&app);
}

#[test]
fn invitations_go_only_to_users_and_only_when_the_policy_asks() {
    let app = App::new();
    app.post("/Users", entra_user(&PEOPLE[2]));
    assert_eq!(app.db.invitations(WORKSPACE).expect("read"), []);
    app.set_policy(app.app_policy().with_invitations(true));
    app.post("/Users", entra_user(&PEOPLE[3]));
    app.post("/Users", entra_user(&PEOPLE[0])); // a pick-up
    app.post("/Groups", crate::entra::entra_group("Engineering"));
    assert_eq!(
        app.db.invitations(WORKSPACE).expect("read"),
        [
            (
                "asmith@contoso.com".to_owned(),
                Some("asmith@contoso.com".to_owned())
            ),
            (
                "BJensen@contoso.com".to_owned(),
                Some("bjensen@contoso.com".to_owned())
            ),
        ]
    );
}

#[test]
fn a_write_the_store_refuses_is_reverted_in_the_app() {
    // With global user names, another workspace's user blocks the name in the store,
    // which the app (unique per workspace) cannot see: the host applies, the store
    // refuses, the host reverts.
    let app = App::with_config(EngineConfig::default().global_usernames(true));
    let globex = app.add_workspace("globex");
    for person in [&PEOPLE[0], &PEOPLE[2]] {
        let reply = app.send_as(&globex, "POST", "/Users", Some(entra_user(person)));
        assert_eq!(reply.0, 201, "{}", reply.1);
    }
    let rows = app.rows();

    // A create: the row goes again.
    let reply = app.post("/Users", entra_user(&PEOPLE[2]));
    assert_eq!((reply.0, &reply.1["scimType"]), (409, &json!("uniqueness")));
    // A pick-up: the account is unlinked again, its fields as they were.
    let reply = app.post("/Users", entra_user(&PEOPLE[0]));
    assert_eq!((reply.0, &reply.1["scimType"]), (409, &json!("uniqueness")));
    assert_eq!(app.rows(), rows);
    assert_eq!(app.db.users("globex").expect("read").len(), 2);
    let failed = app.history();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|entry| entry.action == Action::Failed));

    // An update: the rename goes back, the other fields of the same PATCH too.
    let mark = id_of(&app.post("/Users", entra_user(&PEOPLE[1])));
    let before = app.row("mpeters@contoso.com");
    let reply = app.patch(
        &format!("/Users/{mark}"),
        json!([
            {"op": "replace", "path": "userName", "value": "jdoe@contoso.com"},
            {"op": "replace", "path": "title", "value": "Engineer"},
        ]),
    );
    assert_eq!((reply.0, &reply.1["scimType"]), (409, &json!("uniqueness")));
    assert_eq!(app.row("mpeters@contoso.com"), before);
    assert_eq!(app.find_row("jdoe@contoso.com"), None);
    assert_in_step(&app);
}

#[test]
fn a_group_rename_and_member_removal_reach_the_team() {
    let app = App::new();
    let mut entra = Entra::new(&app);
    entra.run(&[
        Step::Group("Engineering"),
        Step::User(1),
        Step::User(2),
        Step::User(3),
        Step::Members("Engineering", &[1, 2, 3]),
    ]);
    let group = format!("/Groups/{}", entra.groups["Engineering"]);
    // Entra without the flag: remove the listed members only, and a rename.
    let reply = app.patch(
        &group,
        json!([
            {"op": "Remove", "path": "members", "value": [{"value": entra.users[&1]}]},
            {"op": "Replace", "path": "displayName", "value": "Platform"},
        ]),
    );
    assert_eq!(reply.0, 200, "{}", reply.1);
    let teams = app.db.teams(WORKSPACE).expect("teams");
    assert_eq!(teams[1].name, "Platform");
    assert_eq!(teams[1].members, ["asmith@contoso.com", "jdoe@contoso.com"]);
    // A team name the app has already is refused by the app.
    let reply = app.patch(
        &group,
        json!([{"op": "Replace", "path": "displayName", "value": "design"}]),
    );
    assert_eq!(reply.0, 409, "{}", reply.1);
    assert_eq!(app.db.teams(WORKSPACE).expect("teams")[1].name, "Platform");
    assert_in_step(&app);
}
