//! Durable state: versioned documents, the event outbox and its deliveries, idempotency records.
//!
//! SQLite in WAL mode with `synchronous=FULL` (an acknowledged write survives a power cut), or
//! PostgreSQL for several gateways on one database ([`Location`]), behind the same statements.
//! Reads go through a small pool of read-only connections and never wait for writers.
//! Writes go to one writer thread that owns the write connection and applies the queued jobs of
//! many requests in one transaction, each inside its own savepoint so that one job's conflict
//! rolls back only that job, then commits once: one fsync for the whole batch (group commit).
//! A job's caller hears of its outcome only after the commit is durable.
//!
//! A SQLite file belongs to one gateway process: [`Db::connect`] takes an exclusive lock on
//! `<file>.lock`, which the writer thread holds until it has finished its last job, and a
//! second gateway on the same file refuses to start. The kernel frees the lock when the process ends, however it ends, so a
//! gateway that holds it knows that no predecessor is still running (what lets it take over
//! the predecessor's idempotency leases at once, [`crate::idempotency::take_over`]).
//!
//! # Layout
//! - [`Db`], [`Location`], [`StoreError`] (here): the connections, the group-commit writer and
//!   its [`CommitStats`] (batches and the writes they held), the readers' pool.
//! - [`clock`]: the wall clock the rows are stamped with, one per database ([`Db::now`]),
//!   injectable so that tests move time on instead of waiting.
//! - [`schema`]: migrations (`store/migrations/<backend>/V<n>__<name>.sql`).
//! - [`txn`]: the runtime's `Documents` over this database, so a request's view reads the
//!   committed state plus its own writes.
//! - [`ops`]: the SQL of each operation the platform performs, a request's write set among them.
//! - [`idempotency`]: `Idempotency-Key` records, committed with the request's writes.
//! - [`sql`]: the statements' common dialect, and SQLite behind it.
//! - [`postgres`]: PostgreSQL behind the same statements, for several gateways on one database.
//!
//! Dependencies point down only: [`txn`] commits through [`ops`], which knows the write set
//! from `welfare-runtime`, never the other way.

pub mod clock;
pub mod idempotency;
pub mod ops;
pub mod postgres;
pub mod schema;
pub mod sql;
pub mod txn;

pub use clock::{Now, WallClock};
pub use sql::Sql;

use secrecy::ExposeSecret;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};

/// Jobs applied in one transaction at most. Bounds the latency the first job of a batch waits
/// for the last one; a few hundred small writes commit in well under a millisecond after fsync.
pub const MAX_BATCH: usize = 256;
/// Idle read connections kept open.
pub const MAX_IDLE_READERS: usize = 16;
/// Read connections open at once. SQLite's are cheap files handles; a PostgreSQL server has a
/// fixed `max_connections` (100 by default) shared by every gateway replica, so each replica
/// keeps to this many and a burst of reads waits for one instead of being refused.
pub const MAX_OPEN_READERS: usize = 24;
/// How long a connection waits on a lock before failing (only checkpoints contend here).
const BUSY_TIMEOUT_MS: u64 = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("postgres: {0}")]
    Postgres(::postgres::Error),
    #[error("a document changed since it was read")]
    Conflict,
    #[error("the event was already processed by this consumer")]
    AlreadyProcessed,
    /// The request's `Idempotency-Key` was saved by another request that committed first (on
    /// another gateway sharing the database): this one's writes roll back.
    #[error("another request with this Idempotency-Key committed first")]
    KeyUsed,
    #[error("database: {0}")]
    Database(rusqlite::Error),
    #[error("the commit failed: {0}")]
    CommitFailed(String),
    /// The database could not be reached or its connection set up (TLS, CA file).
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// Another gateway's transaction held what this one needed (a deadlock, a serialization
    /// failure): worth running again.
    #[error("a concurrent transaction got in the way: {0}")]
    Busy(String),
    #[error("the store is shut down")]
    Closed,
}

/// A unique key that a concurrent writer took first is a conflict like a moved version: the
/// request is refused (409) or the delivery retried, never half-applied.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation)
                if matches!(
                    e.sqlite_error().map(|f| f.extended_code),
                    Some(
                        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    )
                ) =>
            {
                StoreError::Conflict
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        use ::postgres::error::SqlState;
        match e.code() {
            Some(&SqlState::UNIQUE_VIOLATION) => StoreError::Conflict,
            Some(&SqlState::T_R_DEADLOCK_DETECTED | &SqlState::T_R_SERIALIZATION_FAILURE) => {
                StoreError::Busy(e.to_string())
            }
            _ => StoreError::Postgres(e),
        }
    }
}

type Finish = Box<dyn FnOnce(Option<StoreError>) + Send>;
/// A write job: applies itself inside a savepoint; `true` keeps its changes. The returned
/// closure hears whether the transaction then committed.
type Job = Box<dyn FnMut(&dyn Sql) -> Ran + Send>;

/// The writer's job for `f`: run again after a lost deadlock (up to [`MAX_RUNS`] times), then
/// `done` hears `f`'s result, or the commit's error when `f` succeeded but the transaction did
/// not commit.
fn job<R: Send + 'static>(
    f: impl Fn(&dyn Sql) -> Result<R, StoreError> + Send + 'static,
    done: impl FnOnce(Result<R, StoreError>) + Send + 'static,
) -> Job {
    let mut done = Some(done);
    let mut runs = 0;
    Box::new(move |conn| {
        runs += 1;
        let result = f(conn);
        if matches!(result, Err(StoreError::Busy(_))) && runs < MAX_RUNS {
            return Ran::Again;
        }
        let keep = result.is_ok();
        let done = done.take().expect("a job finishes once");
        let finish: Finish = Box::new(move |commit_error| {
            done(match commit_error {
                Some(e) => Err(e),
                None => result,
            })
        });
        Ran::Done(keep, finish)
    })
}

/// What one run of a job came to.
enum Ran {
    /// Its changes are kept (`true`) or rolled back, and `Finish` tells its caller.
    Done(bool, Finish),
    /// It lost a deadlock to another gateway's transaction: roll it back and run it again in
    /// the next transaction, once this one has committed and released its locks.
    Again,
}

/// Runs of one job before a lost deadlock is reported to its caller.
const MAX_RUNS: u32 = 4;
/// A connection a thread can own.
type Conn = Box<dyn Sql + Send>;

/// Where the data lives.
/// Where the data lives. Not `Debug`: a PostgreSQL URL carries a password, which must not
/// reach a log.
#[derive(Clone)]
pub enum Location {
    /// A SQLite file: the embedded default.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database, by `postgres://` URL: several gateways may share it. The URL
    /// may carry the password, so it is kept as a secret.
    Postgres(secrecy::SecretString),
}

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

/// The read pool: idle connections, and how many are open in all.
#[derive(Default)]
struct Readers {
    idle: Vec<Conn>,
    open: usize,
}

struct Inner {
    location: Location,
    /// Whether this process holds the SQLite file's ownership lock (the writer thread does,
    /// until it has finished its last job).
    exclusive: bool,
    readers: Mutex<Readers>,
    /// Signalled when a reader is returned or closed.
    reader_freed: std::sync::Condvar,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    /// What time it is for this database's rows ([`Db::now`]).
    clock: Arc<dyn WallClock>,
    /// The writer's batches ([`Db::commit_stats`]).
    stats: Arc<CommitStats>,
    /// The `Idempotency-Key`s this process is running a request for.
    running: idempotency::Running,
}

impl Drop for Inner {
    /// Idle readers are dropped on a thread of their own: a PostgreSQL client owns a small
    /// runtime, which must not be dropped on an async worker (where the last handle on the
    /// database may go).
    fn drop(&mut self) {
        let readers = std::mem::take(&mut self.readers.get_mut().unwrap().idle);
        if !readers.is_empty() {
            let _ = std::thread::Builder::new()
                .name("store-close".into())
                .spawn(move || drop(readers));
        }
    }
}

impl Db {
    /// Opens (creating and migrating) the SQLite database at `path` and starts its writer
    /// thread.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        Self::connect(&Location::Sqlite(path.to_path_buf()))
    }

    /// Opens the database at `location`, brings its schema up to date and starts the writer.
    pub fn connect(location: &Location) -> anyhow::Result<Self> {
        Self::connect_with(location, Arc::new(clock::System))
    }

    /// [`Db::connect`], with the rows stamped by `clock` (a test's [`clock::Manual`]).
    pub fn connect_with(location: &Location, clock: Arc<dyn WallClock>) -> anyhow::Result<Self> {
        // The writer's connection, how it opens a transaction, and how it replaces a
        // connection the server closed.
        let mut owner = None;
        let mut exclusive = false;
        let (conn, begin, reopen): (Conn, _, Option<Reopen>) = match location {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                owner = Some(own(path)?);
                exclusive = true;
                let mut conn = open_sqlite(path, OpenFlags::default())?;
                configure(&conn)?;
                schema::migrate_sqlite(&mut conn)?;
                // IMMEDIATE: take the write lock at BEGIN, not at the first write, so that a
                // batch never fails half-way on a lock upgrade. A SQLite file does not go away.
                (Box::new(conn), "BEGIN IMMEDIATE", None)
            }
            Location::Postgres(url) => {
                let mut client = postgres::connect(url.expose_secret())?;
                schema::migrate_postgres(&mut client)?;
                // A PostgreSQL server restarts or fails over: the writer opens a new
                // connection instead of failing every write from then on.
                let url = url.clone();
                let reopen: Reopen = Box::new(move || postgres::open(url.expose_secret()));
                (
                    Box::new(postgres::PgConn::new(client)),
                    "BEGIN",
                    Some(reopen),
                )
            }
        };
        let (tx, rx) = mpsc::channel::<Job>();
        let stats = Arc::new(CommitStats::default());
        let writer_stats = stats.clone();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                writer_loop(conn, reopen, begin, rx, writer_stats);
                // Only now may another gateway write: every job this one accepted is done.
                drop(owner);
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                location: location.clone(),
                exclusive,
                readers: Mutex::new(Readers::default()),
                reader_freed: std::sync::Condvar::new(),
                writer: Mutex::new(Some(tx)),
                clock,
                stats,
                running: idempotency::Running::default(),
            }),
        })
    }

    fn running(&self) -> &idempotency::Running {
        &self.inner.running
    }

    /// The group commits so far: `(batches, jobs)`.
    pub fn commit_stats(&self) -> (u64, u64) {
        self.inner.stats.read()
    }

    /// The time by this database's clock: read once per operation and passed down, so that
    /// one request's checks and rows agree on it.
    pub fn now(&self) -> Now {
        self.inner.clock.now()
    }

    /// An idle reader, a new one while fewer than [`MAX_OPEN_READERS`] are open, or the next
    /// one returned.
    fn reader(&self) -> Result<Conn, StoreError> {
        let mut pool = self.inner.readers.lock().unwrap();
        loop {
            if let Some(conn) = pool.idle.pop() {
                if !conn.is_closed() {
                    return Ok(conn);
                }
                // Its server went away: close it and open another.
                pool.open -= 1;
                drop(conn);
                continue;
            }
            if pool.open < MAX_OPEN_READERS {
                pool.open += 1;
                break;
            }
            pool = self.inner.reader_freed.wait(pool).unwrap();
        }
        drop(pool);
        let opened = self.open_reader();
        if opened.is_err() {
            self.closed_reader();
        }
        opened
    }

    fn open_reader(&self) -> Result<Conn, StoreError> {
        Ok(match &self.inner.location {
            Location::Sqlite(path) => {
                let conn = open_sqlite(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
                Box::new(conn)
            }
            Location::Postgres(url) => postgres::open(url.expose_secret())?,
        })
    }

    fn closed_reader(&self) {
        self.inner.readers.lock().unwrap().open -= 1;
        self.inner.reader_freed.notify_one();
    }

    /// Runs `f` on a read connection (blocking; call from a blocking thread).
    pub fn read<R>(
        &self,
        f: impl FnOnce(&dyn Sql) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let conn = self.reader()?;
        let result = f(conn.as_ref());
        // A connection that failed may be broken (a PostgreSQL server restart): close it. One
        // beyond the idle limit is closed too.
        let mut pool = self.inner.readers.lock().unwrap();
        if result.is_ok() && pool.idle.len() < MAX_IDLE_READERS {
            pool.idle.push(conn);
        } else {
            pool.open -= 1;
            drop(pool);
            drop(conn);
        }
        self.inner.reader_freed.notify_one();
        result
    }

    /// [`Db::read`] from async code.
    pub async fn read_async<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Sql) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read(f))
            .await
            .map_err(|_| StoreError::Closed)?
    }

    /// Applies `f` in the writer's next transaction; resolves once it is durably committed
    /// (or with `f`'s error, in which case none of its changes were kept).
    ///
    /// `f` may run more than once: on PostgreSQL, a transaction that loses a deadlock to
    /// another gateway's is rolled back and `f` runs again in the next one.
    pub async fn write<R: Send + 'static>(
        &self,
        f: impl Fn(&dyn Sql) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.submit(job(f, move |result| {
            let _ = tx.send(result);
        }))?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    fn submit(&self, job: Job) -> Result<(), StoreError> {
        let writer = self.inner.writer.lock().unwrap();
        writer
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(job)
            .map_err(|_| StoreError::Closed)
    }

    /// Stops accepting writes; the writer thread finishes the queued ones and exits.
    pub fn close(&self) {
        self.inner.writer.lock().unwrap().take();
    }

    /// Whether this process owns its database alone: a SQLite file, locked by
    /// [`Db::connect`]. PostgreSQL is shared by replicas, none of which may assume another
    /// is gone.
    pub fn exclusive(&self) -> bool {
        self.inner.exclusive
    }
}

/// Takes the exclusive lock on `<path>.lock`, or fails when another process holds it.
fn own(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = std::path::PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| anyhow::anyhow!("opening the lock file {}: {e}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another gateway is using the database {} (it holds {}): a SQLite file serves one gateway; stop it first, or use PostgreSQL (`database`) for several",
            path.display(),
            lock_path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("locking {}: {e}", lock_path.display())
        }
    }
}

/// A connection to the SQLite file, reader or writer, as every one is opened: SQLite's
/// allocation statistics off before the first ([`without_memory_statistics`]), and its plans
/// independent of the values bound ([`plan_once`]).
fn open_sqlite(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    without_memory_statistics();
    let conn = Connection::open_with_flags(path, flags)?;
    plan_once(&conn)?;
    Ok(conn)
}

/// The query planner's stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`): a statement's
/// plan does not depend on the values bound to it. Without it, SQLite marks a statement whose
/// `LIMIT` (or a range bound) is a parameter as to be recompiled whenever that parameter's
/// value changes, so that a cached statement run with another limit was parsed and planned
/// again at every step: two thirds of the dossier's time in SQLite. No plan here gains from
/// the values (every query is an index range, and no statistics are gathered).
fn plan_once(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// SQLite's allocation statistics off, once per process and before the first connection (the
/// only time SQLite accepts it): with them on, every allocation SQLite makes takes one global
/// mutex to count it, and concurrent readers queued on it (a tenth of the dossier's time was
/// that mutex). Nothing reads those statistics. Refused when SQLite was already initialised
/// (another library opened a database first), which leaves them on and changes nothing else.
fn without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_config` is called before `sqlite3_initialize` (no connection of this
        // process is open yet, or it returns SQLITE_MISUSE and does nothing), with the one
        // integer argument SQLITE_CONFIG_MEMSTATUS takes.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            )
        };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite was initialised already: its memory statistics stay on"
            );
        }
    });
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: the WAL is fsynced at every commit, so an acknowledged write survives power loss.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    Ok(())
}

/// Opens a new write connection.
type Reopen = Box<dyn Fn() -> Result<Conn, StoreError> + Send>;

/// How many batches the writer has committed and how many jobs they held: the mean batch is
/// what group commit buys under a load (the bench prints it per scenario).
#[derive(Debug, Default)]
pub struct CommitStats {
    batches: std::sync::atomic::AtomicU64,
    jobs: std::sync::atomic::AtomicU64,
}

impl CommitStats {
    /// `(batches, jobs)` so far.
    pub fn read(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.batches.load(Relaxed), self.jobs.load(Relaxed))
    }

    fn count(&self, jobs: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.batches.fetch_add(1, Relaxed);
        self.jobs.fetch_add(jobs as u64, Relaxed);
    }
}

fn writer_loop(
    mut conn: Conn,
    reopen: Option<Reopen>,
    begin: &'static str,
    jobs: mpsc::Receiver<Job>,
    stats: Arc<CommitStats>,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.count(batch.len());
        // A connection that cannot begin a transaction is replaced before the batch runs.
        if let Some(reopen) = &reopen
            && conn.is_closed()
        {
            match reopen() {
                Ok(fresh) => conn = fresh,
                Err(e) => tracing::error!(error = %e, "could not reconnect to the database"),
            }
        }
        run_batch(conn.as_ref(), begin, batch);
    }
}

fn run_batch(conn: &dyn Sql, begin: &str, batch: Vec<Job>) {
    let mut pending = batch;
    while !pending.is_empty() {
        pending = run_transaction(conn, begin, pending);
    }
}

/// Runs `batch` in one transaction; returns the jobs to run again in the next.
fn run_transaction(conn: &dyn Sql, begin: &str, batch: Vec<Job>) -> Vec<Job> {
    if let Err(e) = conn.batch(begin) {
        // Dropping the jobs unblocks their callers with `Closed`: nothing was written.
        tracing::error!(error = %e, jobs = batch.len(), "could not begin a write transaction");
        let _ = conn.batch("ROLLBACK");
        return Vec::new();
    }
    let mut finishers = Vec::with_capacity(batch.len());
    let mut again = Vec::new();
    for mut job in batch {
        if conn.batch("SAVEPOINT job").is_err() {
            continue; // dropped: its caller sees `Closed`
        }
        let (keep, finish) = match job(conn) {
            Ran::Done(keep, finish) => (keep, Some(finish)),
            Ran::Again => (false, None),
        };
        let closed = if keep {
            conn.batch("RELEASE SAVEPOINT job")
        } else {
            conn.batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job")
        };
        match (closed, finish) {
            (Ok(()), Some(finish)) => finishers.push(finish),
            (Ok(()), None) => again.push(job),
            (Err(e), Some(finish)) => finish(Some(StoreError::CommitFailed(e.to_string()))),
            (Err(_), None) => {} // dropped: its caller sees `Closed`
        }
    }
    match conn.batch("COMMIT") {
        Ok(()) => finishers.into_iter().for_each(|finish| finish(None)),
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            tracing::error!(error = %e, "commit failed; the batch was rolled back");
            for finish in finishers {
                finish(Some(StoreError::CommitFailed(e.to_string())));
            }
        }
    }
    again
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// Inserts a token id named after the run, and fails with `Busy` on the runs in `busy`.
    fn job(
        runs: &Arc<AtomicU32>,
        busy: std::ops::RangeInclusive<u32>,
    ) -> impl Fn(&dyn Sql) -> Result<u32, StoreError> + Send + 'static {
        let runs = runs.clone();
        move |conn| {
            let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
            conn.exec(
                "INSERT INTO used_tokens (jti, expires_at) VALUES ($1, 0)",
                &[&format!("run-{n}")],
            )?;
            if busy.contains(&n) {
                return Err(StoreError::Busy("simulated deadlock".into()));
            }
            Ok(n)
        }
    }

    #[tokio::test]
    async fn a_job_that_loses_a_deadlock_runs_again_in_the_next_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.sqlite")).unwrap();
        let ids = |db: &Db| {
            let db = db.clone();
            async move {
                db.read_async(|c| c.rows("SELECT jti FROM used_tokens ORDER BY jti", &[]))
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.text(0))
                    .collect::<Vec<_>>()
            }
        };

        // Lost once: run again, and only the second run's write is kept.
        let runs = Arc::new(AtomicU32::new(0));
        assert_eq!(db.write(job(&runs, 1..=1)).await.unwrap(), 2);
        assert_eq!(ids(&db).await, ["run-2"]);

        // Lost every time: reported after MAX_RUNS runs, nothing kept.
        let runs = Arc::new(AtomicU32::new(10));
        let lost = db.write(job(&runs, 11..=99)).await;
        assert!(matches!(lost, Err(StoreError::Busy(_))), "{lost:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 10 + MAX_RUNS);
        assert_eq!(ids(&db).await, ["run-2"]);
    }
}
