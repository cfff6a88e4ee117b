//! The daily event: each day once, none ahead of time.

use super::*;

#[tokio::test]
async fn days_are_run_once_and_not_ahead_of_time() {
    let app = welfare_tests::spawn_with(|c| c.clock.allow_future_days = false).await;
    let operator = app.operator("platform-operator");
    let run = |date: Date| {
        welfare_tests::send(app.request(
            reqwest::Method::POST,
            &format!("/api/v1/admin/days/{date}"),
            Some(&operator),
        ))
    };
    let (status, body) = run(today() + 1.day()).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = run(today()).await;
    assert_eq!((status, &body["published"]), (202, &json!(true)), "{body}");
    let (status, body) = run(today()).await;
    assert_eq!((status, &body["published"]), (200, &json!(false)), "{body}");
    let (status, _) = welfare_tests::send(app.request(
        reqwest::Method::POST,
        &format!("/api/v1/admin/days/{}", today()),
        Some(&app.operator("auditor")),
    ))
    .await;
    assert_eq!(status, 403);
    app.stop().await;
}
