//! What callers get wrong is refused precisely and changes nothing; call-back requests become
//! contact-centre tasks.

use serde_json::json;
use welfare_tests::{LAURA, MARIO};

use super::*;

fn campaign(template: serde_json::Value) -> serde_json::Value {
    json!({
        "name": "Artigiani e commercianti: nuova scadenza",
        "service": "contributions",
        "segment": { "category": "self-employed" },
        "template": template,
        "windows": [{ "from": "10:00", "to": "12:00" }, { "from": "16:00", "to": "18:00" }],
        "max_attempts": 3,
        "rate_per_minute": 46
    })
}

fn body80() -> String {
    "Gentile contribuente, ti ricordiamo la scadenza dei contributi fissi del prossimo trimestre."
        .into()
}

#[tokio::test]
async fn invalid_templates_payment_notices_and_preferences_are_refused_and_change_nothing() {
    let n = spawn_notifying(accept_all(), accept_all()).await;
    let app = &n.app;
    let manager = app.operator("campaign-manager");
    let cases = [
        (
            json!({ "subject": "Breve", "body": body80() }),
            "template.subject",
        ),
        (
            json!({ "subject": "Scadenza contributi", "body": "Troppo corto." }),
            "template.body",
        ),
        (
            json!({ "subject": "Scadenza contributi", "body": format!("{} <a href=\"x\">qui</a>", body80()) }),
            "template.body",
        ),
        (
            json!({ "subject": "Scadenza contributi", "body": format!("{} ![logo](https://inps.it/l.png)", body80()) }),
            "template.body",
        ),
        (
            // Check digits 85 instead of 84 (3020000000000001 mod 93 = 84).
            json!({ "subject": "Scadenza contributi", "body": body80(),
                    "payment": { "amount_cents": 113034, "notice_number": "302000000000000185" } }),
            "template.payment.notice_number",
        ),
        (
            json!({ "subject": "Scadenza contributi", "body": body80(),
                    "payment": { "amount_cents": 113034, "notice_number": "30200000000000018" } }),
            "template.payment.notice_number",
        ),
        (
            json!({ "subject": "Scadenza contributi", "body": body80(),
                    "payment": { "amount_cents": 0, "notice_number": "302000000000000184" } }),
            "template.payment.amount_cents",
        ),
    ];
    for (i, (template, field)) in cases.into_iter().enumerate() {
        let (status, problem) = app
            .post_idem(
                CAMPAIGNS,
                &manager,
                &format!("bad-{i}"),
                &campaign(template),
            )
            .await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(problem["type"], "urn:welfare:problem:validation");
        let fields: Vec<_> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert!(fields.contains(&field.to_string()), "{field}: {problem}");
    }
    // Campaign settings out of range, each named.
    let good = json!({ "subject": "Scadenza contributi", "body": body80() });
    for (patch, field) in [
        (json!({ "max_attempts": 0 }), "max_attempts"),
        (json!({ "max_attempts": 11 }), "max_attempts"),
        (json!({ "rate_per_minute": 0 }), "rate_per_minute"),
        (json!({ "retry_after_seconds": 0 }), "retry_after_seconds"),
        (
            json!({ "windows": [{ "from": "12:00", "to": "10:00" }] }),
            "windows",
        ),
        (
            json!({ "windows": [{ "from": "10:00", "to": "12:00" }, { "from": "11:00", "to": "13:00" }] }),
            "windows",
        ),
        (
            json!({ "windows": [{ "from": "25:00", "to": "26:00" }] }),
            "windows[0].from",
        ),
        (
            json!({ "segment": { "region": "atlantide" } }),
            "segment.region",
        ),
    ] {
        let mut body = campaign(good.clone());
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let key = format!("bad-setting-{patch}");
        let (status, problem) = app.post_idem(CAMPAIGNS, &manager, &key, &body).await;
        assert_eq!(status, 400, "{patch}: {problem}");
        let named = problem["errors"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(named.starts_with(field), "{patch}: {problem}");
    }
    // Only a campaign manager starts campaigns.
    for token in [app.citizen(MARIO), app.operator("editor")] {
        let (status, _) = app
            .post_idem(CAMPAIGNS, &token, "not-yours", &campaign(good.clone()))
            .await;
        assert_eq!(status, 403);
    }

    // Preferences: a malformed contact, or a preferred channel without its contact.
    let mario = app.citizen(MARIO);
    for (body, field) in [
        (
            json!({ "preferred_channel": "email", "email": "mario@" }),
            "email",
        ),
        (
            json!({ "preferred_channel": "sms", "phone": "3331234567" }),
            "phone",
        ),
        (json!({ "preferred_channel": "email" }), "preferred_channel"),
        (json!({ "preferred_channel": "pec" }), "preferred_channel"),
        (
            json!({ "preferred_channel": "inbox", "opt_outs": ["pensions-typo"] }),
            "opt_outs[0]",
        ),
        (
            json!({ "preferred_channel": "inbox", "quiet_hours": { "from": "22:00", "to": "8" } }),
            "quiet_hours",
        ),
        (
            json!({ "preferred_channel": "inbox", "quiet_hours": { "from": "00:00", "to": "24:00" } }),
            "quiet_hours",
        ),
    ] {
        let (status, problem) = app.put(PREFS, &mario, &body).await;
        assert_eq!(status, 400, "{body}: {problem}");
        let named = problem["errors"][0]["field"].as_str().unwrap_or_default();
        assert!(named.starts_with(field), "{body}: {problem}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM documents WHERE domain = 'notifications'"),
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 0);

    // An If-Match that no longer holds is 412.
    let (status, _) = app
        .put(PREFS, &mario, &json!({ "preferred_channel": "inbox" }))
        .await;
    assert_eq!(status, 200);
    let (status, _) = welfare_tests::send(
        app.request(reqwest::Method::PUT, PREFS, Some(&mario))
            .header("If-Match", "\"41\"")
            .json(&json!({ "preferred_channel": "inbox", "region": "lazio" })),
    )
    .await;
    assert_eq!(status, 412);
    let (_, prefs) = app.get(PREFS, &mario).await;
    assert_eq!(prefs["region"], serde_json::Value::Null);

    // If-Match as RFC 9110 §13.1.1 reads it: the ETag of the version read holds, alone or in
    // a list, and so does `*` while preferences exist; a weak tag never does (strong
    // comparison); a value that is no list of tags is refused. A refused replace changes
    // nothing, so the ETag moves only with the replaces that held.
    let etag =
        |response: &reqwest::Response| response.headers()["etag"].to_str().unwrap().to_string();
    let read = app
        .request(reqwest::Method::GET, PREFS, Some(&mario))
        .send()
        .await
        .unwrap();
    let mut current = etag(&read);
    for (if_match, status) in [
        ("{current}".to_string(), 200),
        ("\"0\", {current}".to_string(), 200),
        ("*".to_string(), 200),
        ("W/{current}".to_string(), 412),
        ("\"0\", \"41\"".to_string(), 412),
        ("{bare}".to_string(), 400),
        ("*, {current}".to_string(), 400),
    ] {
        let bare = current.trim_matches('"').to_string();
        let if_match = if_match
            .replace("{current}", &current)
            .replace("{bare}", &bare);
        let response = app
            .request(reqwest::Method::PUT, PREFS, Some(&mario))
            .header("If-Match", &if_match)
            .json(&json!({ "preferred_channel": "inbox" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "If-Match: {if_match}");
        if status == 200 {
            let moved = etag(&response);
            assert_ne!(moved, current, "If-Match: {if_match}");
            current = moved;
        } else {
            let problem: serde_json::Value = response.json().await.unwrap();
            let slug = if status == 412 {
                "precondition-failed"
            } else {
                "invalid-if-match"
            };
            assert_eq!(
                problem["type"],
                format!("urn:welfare:problem:{slug}"),
                "{if_match}"
            );
        }
    }
    let (_, after) =
        welfare_tests::send(app.request(reqwest::Method::GET, PREFS, Some(&mario))).await;
    assert_eq!(after["preferred_channel"], "inbox");
    // Someone with no preferences yet: no tag and no `*` holds.
    let laura = app.citizen(LAURA);
    for if_match in ["\"1\"", "*"] {
        let (status, _) = welfare_tests::send(
            app.request(reqwest::Method::PUT, PREFS, Some(&laura))
                .header("If-Match", if_match)
                .json(&json!({ "preferred_channel": "inbox" })),
        )
        .await;
        assert_eq!(status, 412, "If-Match: {if_match} with nothing to match");
    }
}

#[tokio::test]
async fn a_call_back_request_becomes_a_contact_centre_task() {
    let n = spawn_notifying(accept_all(), accept_all()).await;
    let app = &n.app;
    let laura = app.citizen(LAURA);
    let callbacks = "/api/v1/notifications/callbacks";
    // Without a verified number on file, the number is required.
    let (status, problem) = app
        .post_idem(
            callbacks,
            &laura,
            "cb-0",
            &json!({ "service": "income-support" }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "phone");
    let (status, created) = app
        .post_idem(
            callbacks,
            &laura,
            "cb-1",
            &json!({ "service": "income-support", "phone": "+39 06 1234 5678",
                     "note": "Domanda NASpI: vorrei capire la durata.", "preferred_slot": "morning" }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["state"], "open");
    assert_eq!(created["phone"], "+390612345678");
    let id = created["id"].as_str().unwrap();

    // The contact centre sees it; a citizen does not reach the queue.
    let centre = app.operator("contact-centre");
    let tasks = "/api/v1/notifications/contact-centre/tasks";
    let (status, queue) = app.get(tasks, &centre).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["items"][0]["id"], id);
    assert_eq!(queue["items"][0]["subject"], LAURA);
    let (status, _) = app.get(tasks, &laura).await;
    assert_eq!(status, 403);

    let outcome = format!("{tasks}/{id}/outcome");
    let (status, problem) = app
        .post(&outcome, &centre, &json!({ "outcome": "open" }))
        .await;
    assert_eq!(status, 400, "{problem}");
    let (status, closed) = app
        .post(
            &outcome,
            &centre,
            &json!({ "outcome": "reached", "note": "Spiegata la durata." }),
        )
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["state"], "reached");
    let (status, _) = app
        .post(&outcome, &centre, &json!({ "outcome": "reached" }))
        .await;
    assert_eq!(status, 404, "closed once");
    let (_, queue) = app.get(tasks, &centre).await;
    assert_eq!(queue["items"], json!([]));
    let (_, mine) = app.get(callbacks, &laura).await;
    assert_eq!(mine["items"][0]["state"], "reached");
    assert!(
        app.topics_about(LAURA)
            .contains(&"notifications.callback-requested".to_string())
    );
}

#[tokio::test]
async fn a_campaign_text_with_a_hidden_javascript_link_is_refused_and_changes_nothing() {
    let app = welfare_tests::spawn_app().await;
    let manager = app.operator("campaign-manager");
    let body = |markdown: &str| json!({ "subject": "Scadenza contributi", "body": format!("{} {markdown}", body80()) });
    // Each looks like prose with a link; each link goes somewhere other than an https page.
    for (i, markdown) in [
        // Reference-style: the `javascript:` is in the definition, not in the link.
        "Paga [qui][pagamento].\n\n[pagamento]: javascript:alert(document.cookie)",
        "Paga [qui][p].\n\n[p]: JaVaScRiPt:alert(1)",
        "Paga [qui](javascript&#58;alert(1)).",
        "Paga <javascript:alert(1)>.",
    ]
    .into_iter()
    .enumerate()
    {
        let (status, problem) = app
            .post_idem(
                CAMPAIGNS,
                &manager,
                &format!("js-{i}"),
                &campaign(body(markdown)),
            )
            .await;
        assert_eq!(status, 400, "{markdown}: {problem}");
        assert_eq!(problem["type"], "urn:welfare:problem:validation");
        assert_eq!(problem["errors"][0]["field"], "template.body", "{problem}");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.ends_with("links must be https:// addresses"),
            "{markdown}: {message}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) FROM documents WHERE domain = 'notifications'"),
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 0);
    // The same text with an https reference is a campaign.
    let ok = body("Paga [qui][p].\n\n[p]: https://www.inps.it/pagamenti");
    let (status, created) = app
        .post_idem(CAMPAIGNS, &manager, "https", &campaign(ok))
        .await;
    assert_eq!(status, 201, "{created}");
    app.stop().await;
}
