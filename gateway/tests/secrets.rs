//! Secrets given to the `welfare` command stay out of what it prints: the help shows no value
//! of `WELFARE_DATABASE_URL`, and a start-up that fails on a database URL does not repeat it.

use std::process::Command;

const PASSWORD: &str = "s3cret-db-password";

#[test]
fn the_help_hides_the_database_url() {
    let out = Command::new(env!("CARGO_BIN_EXE_welfare"))
        .args(["serve", "--help"])
        .env(
            "WELFARE_DATABASE_URL",
            format!("postgres://welfare:{PASSWORD}@db/welfare"),
        )
        .output()
        .expect("running welfare serve --help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("WELFARE_DATABASE_URL"), "{help}");
    assert!(!help.contains(PASSWORD), "{help}");
}

#[test]
fn a_refused_database_url_is_not_repeated() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_welfare"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data.path())
        .env(
            "WELFARE_DATABASE_URL",
            format!("mysql://welfare:{PASSWORD}@db/welfare"),
        )
        .output()
        .expect("running welfare serve");
    assert!(!out.status.success(), "a MySQL URL must stop the start");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("not a postgres:// URL"), "{printed}");
    assert!(!printed.contains(PASSWORD), "{printed}");
}
