//! The database schema: numbered migrations (`store/migrations/<backend>/V<n>__<name>.sql`),
//! embedded in the binary and applied at start-up by refinery, which records them in its
//! history table. One migration per step for each backend, the same tables on both.
//!
//! Data directories made before refinery recorded their version in SQLite's `user_version`:
//! those migrations are marked applied without running them again.

mod sqlite {
    refinery::embed_migrations!("migrations/sqlite");
}

mod postgres {
    refinery::embed_migrations!("migrations/postgres");
}

/// Brings the SQLite database at `conn` to the newest schema.
pub fn migrate_sqlite(conn: &mut rusqlite::Connection) -> anyhow::Result<()> {
    let legacy: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let recorded: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')",
        [],
        |r| r.get(0),
    )?;
    if legacy > 0 && !recorded {
        sqlite::migrations::runner()
            .set_target(refinery::Target::FakeVersion(legacy as i32))
            .run(conn)?;
    }
    sqlite::migrations::runner().run(conn)?;
    Ok(())
}

/// Brings the PostgreSQL database behind `client` to the newest schema. Several gateways
/// starting at once are serialised by an advisory lock, so each migration runs once.
pub fn migrate_postgres(client: &mut ::postgres::Client) -> anyhow::Result<()> {
    /// Any constant both sides agree on: the advisory lock's key.
    const LOCK: i64 = 0x7765_6c66_6172_65;
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK])?;
    let result = postgres::migrations::runner().run(client);
    client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK])?;
    result?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |runner: refinery::Runner| -> Vec<(i32, String)> {
            runner
                .get_migrations()
                .iter()
                .map(|m| (m.version(), m.name().to_string()))
                .collect()
        };
        assert_eq!(
            names(super::sqlite::migrations::runner()),
            names(super::postgres::migrations::runner())
        );
    }
}
