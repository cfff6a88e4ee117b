//! Messages from events: inbox and e-mail exactly once despite a refusal, verified contacts,
//! fallback to the next channel, opt-outs and quiet hours.

use std::sync::Arc;

use serde_json::json;
use welfare_tests::{LAURA, MARIO};

use super::*;

#[tokio::test]
async fn an_assessment_reaches_the_inbox_and_the_email_once_even_when_smtp_refuses_first() {
    let n = spawn_notifying(accept_all(), accept_all()).await;
    let app = &n.app;
    let mario = app.citizen(MARIO);
    let address = "mario.rossi@example.it";

    // Preferring e-mail: the address is kept unverified and a code is sent to it.
    let (status, prefs) = app
        .put(
            PREFS,
            &mario,
            &json!({ "preferred_channel": "email", "email": address }),
        )
        .await;
    assert_eq!(status, 200, "{prefs}");
    assert_eq!(
        prefs["email"],
        json!({ "address": address, "verified": false })
    );
    app.settled().await;
    let codes = n.smtp.mails_to(address);
    assert_eq!(codes.len(), 1, "one verification e-mail");
    assert_eq!(
        codes[0].header("Subject").as_deref(),
        Some("Codice di verifica INPS")
    );
    let code = code_in(&codes[0].body());

    // A wrong code is a 400 naming `code`; the right one verifies the address.
    let verify = format!("{PREFS}/verification");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, problem) = app
        .post(
            &verify,
            &mario,
            &json!({ "channel": "email", "code": wrong }),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "code");
    let (status, prefs) = app
        .post(
            &verify,
            &mario,
            &json!({ "channel": "email", "code": code }),
        )
        .await;
    assert_eq!(status, 200, "{prefs}");
    assert_eq!(prefs["email"]["verified"], true);

    // The SMTP server refuses the next transaction with a transient 451.
    n.smtp.refuse_next(1);
    assess(app, &mario, "202612345678901").await;
    let message = settled_message(app, &mario, "disability.assessed").await;
    app.settled().await;

    // Exactly one message in the inbox, delivered by e-mail at the second attempt.
    let all = inbox(app, &mario).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(message["status"], "delivered");
    assert_eq!(message["service"], "disability");
    assert_eq!(message["subject"], "Esito del tuo accertamento sanitario");
    assert!(
        message["body"]
            .as_str()
            .unwrap()
            .contains("contrassegno di parcheggio")
    );
    assert!(
        !message["body"].as_str().unwrap().contains("midollare"),
        "nothing medical"
    );
    let deliveries = message["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0]["channel"], "email");
    assert_eq!(deliveries[0]["status"], "delivered");
    assert_eq!(deliveries[0]["attempts"], 2);
    assert_eq!(n.smtp.refused(), 1);

    // Exactly one e-mail about it reached the server, carrying the message's id.
    let mails: Vec<_> = n
        .smtp
        .mails_to(address)
        .into_iter()
        .filter(|m| m.header("Subject").as_deref() == Some("Esito del tuo accertamento sanitario"))
        .collect();
    assert_eq!(mails.len(), 1);
    let id = message["id"].as_str().unwrap();
    assert!(mails[0].header("Message-ID").unwrap().contains(id));
    assert!(mails[0].body().contains("contrassegno di parcheggio"));

    // Reading it: marked once, and the unread filter no longer lists it.
    let (status, read) = app
        .post(&format!("{INBOX}/{id}/read"), &mario, &json!({}))
        .await;
    assert_eq!(status, 200, "{read}");
    assert!(read["read_at"].is_string());
    let (_, unread) = app.get(&format!("{INBOX}?unread=true"), &mario).await;
    assert_eq!(unread["items"], json!([]));

    // Another citizen sees none of it.
    let laura = app.citizen(LAURA);
    assert!(inbox(app, &laura).await.is_empty());
    let (status, _) = app.get(&format!("{INBOX}/{id}"), &laura).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_failing_channel_falls_back_to_the_next_after_n_failures() {
    // The SMS provider is down (503) for the assessment, not for the verification code.
    let sms_rule: Rule = Arc::new(|body, _| {
        if body["subject"] == "Codice di verifica INPS" {
            202
        } else {
            503
        }
    });
    let n = spawn_notifying(sms_rule, accept_all()).await;
    let app = &n.app;
    let laura = app.citizen(LAURA);
    let (phone, email) = ("+393331234567", "laura.bianchi@example.it");
    let (status, prefs) = app
        .put(
            PREFS,
            &laura,
            &json!({ "preferred_channel": "sms", "phone": "+39 333 1234567", "email": email }),
        )
        .await;
    assert_eq!(status, 200, "{prefs}");
    app.settled().await;
    let sms_code = code_in(n.sms.accepted_for(phone)[0]["body"].as_str().unwrap());
    let email_code = code_in(&n.smtp.mails_to(email)[0].body());
    let verify = format!("{PREFS}/verification");
    for (channel, code) in [("sms", sms_code), ("email", email_code)] {
        let (status, out) = app
            .post(
                &verify,
                &laura,
                &json!({ "channel": channel, "code": code }),
            )
            .await;
        assert_eq!(status, 200, "{out}");
    }

    assess(app, &laura, "202612345678902").await;
    let message = settled_message(app, &laura, "disability.assessed").await;
    // SMS failed twice (the configured N), then e-mail delivered; push was never given.
    let deliveries = message["deliveries"].as_array().unwrap();
    let summary: Vec<_> = deliveries
        .iter()
        .map(|d| {
            (
                d["channel"].clone(),
                d["status"].clone(),
                d["attempts"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!("sms"), json!("failed"), json!(2)),
            (json!("email"), json!("delivered"), json!(1)),
        ]
    );
    assert!(
        deliveries[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("503")
    );
    let attempts_on_sms = n
        .sms
        .received()
        .iter()
        .filter(|(b, _)| b["message_id"] == message["id"])
        .count();
    assert_eq!(attempts_on_sms, 2);
    assert_eq!(n.smtp.mails_to(email).len(), 2, "the code and the message");
}

#[tokio::test]
async fn opt_outs_and_quiet_hours_are_respected() {
    let n = spawn_notifying(accept_all(), accept_all()).await;
    let app = &n.app;
    let push_token = "app-install-token-0001";

    // Laura silenced disability messages: the inbox keeps it, no device gets it.
    let laura = app.citizen(LAURA);
    let (status, _) = app
        .put(
            PREFS,
            &laura,
            &json!({ "preferred_channel": "push", "push_token": push_token, "opt_outs": ["disability"] }),
        )
        .await;
    assert_eq!(status, 200);
    assess(app, &laura, "202612345678903").await;
    let message = settled_message(app, &laura, "disability.assessed").await;
    assert_eq!(message["opted_out"], true);
    assert_eq!(message["deliveries"], json!([]));
    app.settled().await;
    assert!(n.push.received().is_empty(), "nothing pushed");

    // Mario's quiet hours run from the current UTC hour to four hours on, in Italian time:
    // Italy is one or two hours ahead, so now is inside them and they end within 1 to 3 hours.
    // The push waits for the end, and nothing is sent now.
    let utc_hour = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .hour();
    let quiet = json!({ "from": format!("{:02}:00", utc_hour), "to": format!("{:02}:00", (utc_hour + 4) % 24) });
    let mario = app.citizen(MARIO);
    let (status, prefs) = app
        .put(
            PREFS,
            &mario,
            &json!({ "preferred_channel": "push", "push_token": "app-install-token-0002",
                     "quiet_hours": quiet }),
        )
        .await;
    assert_eq!(status, 200, "{prefs}");
    assess(app, &mario, "202612345678904").await;
    let message = app
        .eventually(std::time::Duration::from_secs(20), || async {
            inbox(app, &mario)
                .await
                .into_iter()
                .find(|m| m["origin"] == "disability.assessed")
        })
        .await;
    assert_eq!(message["status"], "sending");
    let next: jiff::Timestamp = message["deliveries"][0]["next_attempt_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = jiff::Timestamp::now();
    assert!(next > now, "{next} is after {now}");
    assert!(next < now + jiff::SignedDuration::from_hours(3));
    // The channel adapters hold the request until then without trying it.
    app.eventually(std::time::Duration::from_secs(20), || async {
        (app.count(
            "SELECT count(*) FROM deliveries WHERE consumer = 'channels' AND status = 'pending' AND attempts = 0",
        ) == 1)
            .then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        n.push.received().is_empty(),
        "nothing pushed in quiet hours"
    );
}
