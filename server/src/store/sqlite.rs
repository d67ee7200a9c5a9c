//! The SQLite store: one file, one writer thread with group commit, reader connections for
//! everything else.
//!
//! **Group commit.** Requests queue their writes for the writer thread. It takes every job
//! waiting (up to [`GROUP_COMMIT_JOBS_MAX`]), runs them one after another inside one
//! transaction — each in a savepoint, so one job's failure does not touch the others — and
//! commits once. The commit goes to the write-ahead log; a second thread, the *syncer*, then
//! fsyncs the log and only then sends that group's replies: an acknowledged operation is on
//! disk. While the syncer waits for the disk, the writer already runs the next group, so the
//! fsync latency is overlapped rather than paid in series (the syncer covers every group
//! committed before its fsync started). A third thread, the *checkpointer*, copies the log
//! into the database ahead of the writer, so that the writer's own checkpoint (which lets the
//! log restart) only tops up the last frames. Checkpoints (`synchronous = NORMAL` in WAL
//! mode) sync the log before copying it into the database and the database before reusing
//! the log, so a commit is always durable in one of the two.
//!
//! **Per-member serialisation** comes free: one writer. Member states, stock and device
//! contacts are cached in the writer; the log stays the truth (a cache miss replays it), and a
//! failed commit drops every cache.
//!
//! **Other processes on the same file** (`siyu-server campaign publish` or `tenant create`
//! while the server runs, a second `serve` during a rolling restart) are noticed through
//! SQLite's `PRAGMA data_version`, which changes when another connection commits. The writer
//! reads it inside every group's transaction, which it opens `IMMEDIATE` (holding the file's
//! write lock, so nobody commits between the check and the group's own writes), and, when idle,
//! once a second; on a change every cache — members, stock, devices, campaigns, tenants — is
//! dropped and re-read from the file. Two servers on one file therefore never sell the same
//! unit twice; they only take turns at the lock (PostgreSQL is the store for several
//! instances).

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use lru::LruCache;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use siyu_core::ids::{CampaignId, RewardId, TenantId};
use siyu_core::op::{Actor, Context, StockTaken};
use siyu_core::{Campaign, MemberState, Timestamp};
use tokio::sync::oneshot;

use super::member_log::{Decided, LogRow, MemberLog};
use super::{
    BrandJob, CampaignCache, DeviceRecord, MemberExport, MemberKey, PublishedCampaign, Store,
    StoreError, StoreResult, SyncJob, SyncOutcome, TenantRecord, TenantUpdate,
};
use crate::clock::{Clock, SystemClock};

/// Jobs committed together at most.
pub const GROUP_COMMIT_JOBS_MAX: usize = 512;
/// Jobs that may wait for the writer before requests wait for room.
const WRITE_QUEUE_JOBS_MAX: usize = 8_192;
/// Member states kept in the writer's cache (bounded so memory stays flat under load).
const MEMBER_CACHE_ENTRIES_MAX: usize = 4_096;
/// Devices kept in the writer's cache.
const DEVICE_CACHE_ENTRIES_MAX: usize = 32_768;
/// Reader connections: at most this many exist; readers beyond wait for one (opening a
/// connection per read would cost more than the read).
const READERS_MAX: usize = 8;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_ops_without_id_index.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_erased_members.sql"),
    ),
];

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: SyncSender<Job>,
    readers: Mutex<Vec<Connection>>,
    reader_permits: tokio::sync::Semaphore,
    /// Shared with the writer, which drops them when another process writes the file.
    shared: Arc<SharedCaches>,
    /// The checkpointer thread runs while this lives.
    _alive: Arc<()>,
}

type Reply<T> = oneshot::Sender<StoreResult<T>>;

/// What the request side caches; the writer clears it when another process commits.
#[derive(Debug, Default)]
struct SharedCaches {
    campaigns: CampaignCache,
    /// Every session asks for its tenant.
    tenants: RwLock<HashMap<TenantId, TenantRecord>>,
}

impl SharedCaches {
    fn clear(&self) {
        self.campaigns.clear();
        self.tenants.write().expect("tenant cache").clear();
    }
}

enum Job {
    Sync {
        campaign: Arc<PublishedCampaign>,
        job: SyncJob,
        clock: Arc<dyn Clock>,
        reply: Reply<SyncOutcome>,
    },
    Brand {
        campaign: Arc<PublishedCampaign>,
        job: BrandJob,
        clock: Arc<dyn Clock>,
        reply: Reply<SyncOutcome>,
    },
    Bind {
        campaign: Arc<PublishedCampaign>,
        device: String,
        member: MemberKey,
        now: Timestamp,
        reply: Reply<()>,
    },
    RegisterDevice {
        campaign: CampaignId,
        device: String,
        member: MemberKey,
        now: Timestamp,
        reply: Reply<()>,
    },
    Erase {
        key: MemberKey,
        now: Timestamp,
        reply: Reply<()>,
    },
    CreateTenant {
        tenant: TenantRecord,
        now: Timestamp,
        reply: Reply<()>,
    },
    UpdateTenant {
        id: TenantId,
        update: TenantUpdate,
        reply: Reply<()>,
    },
    Publish {
        campaign: Box<Campaign>,
        reply: Reply<Arc<PublishedCampaign>>,
    },
}

fn open_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path)?;
    // WAL: readers never block the writer. NORMAL: commits are not fsynced by SQLite; the
    // syncer thread fsyncs the log before any reply (see the module docs).
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // A larger page cache keeps the log's index pages in memory (under load, reads of them
    // were a sixth of the writer's time); checkpoints every 4,000 pages instead of 1,000
    // copy the log into the database less often.
    conn.pragma_update(None, "cache_size", -16_384)?;
    conn.pragma_update(None, "wal_autocheckpoint", 4_000)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")?;
    for (version, sql) in MIGRATIONS {
        let done: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !done {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, strftime('%s','now'))", [version])?;
            tx.commit()?;
        }
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, runs migrations, starts the writer.
    pub fn open(path: impl Into<PathBuf>) -> StoreResult<Self> {
        let path = path.into();
        let mut conn = open_connection(&path)?;
        migrate(&mut conn)?;
        let secret_exists: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM server_secrets)", [], |r| {
                r.get(0)
            })?;
        if !secret_exists {
            let secret = crate::auth::random_secret(32).into_bytes();
            conn.execute(
                "INSERT OR IGNORE INTO server_secrets (id, session_secret) VALUES (1, ?1)",
                [secret],
            )?;
        }
        let (writer, jobs) = mpsc::sync_channel(WRITE_QUEUE_JOBS_MAX);
        let (to_syncer, committed) = mpsc::channel();
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let shared = Arc::new(SharedCaches::default());
        let mut worker = Writer::new(conn, to_syncer, shared.clone())?;
        std::thread::Builder::new()
            .name("siyu-sqlite-writer".into())
            .spawn(move || worker.run(jobs))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        std::thread::Builder::new()
            .name("siyu-sqlite-syncer".into())
            .spawn(move || sync_log(&wal, committed))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let checkpoints = open_connection(&path)?;
        let alive = Arc::new(());
        let store_alive = Arc::downgrade(&alive);
        std::thread::Builder::new()
            .name("siyu-sqlite-checkpointer".into())
            .spawn(move || copy_log_ahead(&checkpoints, &store_alive))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self {
            path,
            writer,
            readers: Mutex::new(Vec::new()),
            reader_permits: tokio::sync::Semaphore::new(READERS_MAX),
            shared,
            _alive: alive,
        })
    }

    async fn submit<T>(&self, make: impl FnOnce(Reply<T>) -> Job) -> StoreResult<T> {
        let (reply, answer) = oneshot::channel();
        let job = make(reply);
        let writer = self.writer.clone();
        // The queue is bounded: when full, wait for room off the async threads.
        match writer.try_send(job) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(job)) => {
                tokio::task::spawn_blocking(move || writer.send(job).map_err(|_| ()))
                    .await
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?
                    .map_err(|_| StoreError::Unavailable("the writer stopped".into()))?
            }
            Err(mpsc::TrySendError::Disconnected(_)) => {
                return Err(StoreError::Unavailable("the writer stopped".into()))
            }
        }
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the writer dropped the job".into()))?
    }

    async fn read<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let _permit = self
            .reader_permits
            .acquire()
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let pooled = self.readers.lock().expect("reader pool").pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => open_connection(&self.path)?,
        };
        let (result, conn) = tokio::task::spawn_blocking(move || {
            let result = query(&conn);
            (result, conn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        self.readers.lock().expect("reader pool").push(conn);
        result
    }
}

fn load_rows(conn: &Connection, key: &MemberKey) -> StoreResult<Vec<LogRow>> {
    let mut stmt = conn
        .prepare_cached("SELECT row FROM ops WHERE campaign = ?1 AND member = ?2 ORDER BY seq")?;
    let rows = stmt.query_map(params![key.campaign.as_str(), key.member], |r| {
        r.get::<_, String>(0)
    })?;
    rows.map(|row| serde_json::from_str(&row?).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

fn load_member(conn: &Connection, key: &MemberKey) -> StoreResult<MemberLog> {
    let erased = load_erased(conn, key)?;
    MemberLog::replay_after_erasure(key.clone(), erased.as_deref(), load_rows(conn, key)?)
}

/// What the member's last erasure kept, if it was ever erased.
fn load_erased(conn: &Connection, key: &MemberKey) -> StoreResult<Option<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT erased FROM members WHERE campaign = ?1 AND member = ?2")?;
    let erased = stmt
        .query_row(params![key.campaign.as_str(), key.member], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?;
    Ok(erased.flatten())
}

fn load_stock(conn: &Connection, campaign: &CampaignId) -> StoreResult<StockTaken> {
    let mut stmt = conn.prepare_cached("SELECT reward, taken FROM stock WHERE campaign = ?1")?;
    let rows = stmt.query_map([campaign.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })?;
    let mut stock = StockTaken::new();
    for row in rows {
        let (reward, taken) = row?;
        let reward = RewardId::parse(&reward).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        stock.insert(reward, taken);
    }
    Ok(stock)
}

fn load_device(
    conn: &Connection,
    campaign: &CampaignId,
    device: &str,
) -> StoreResult<Option<DeviceRecord>> {
    conn.prepare_cached(
        "SELECT member, last_contact, created_at FROM devices WHERE campaign = ?1 AND device = ?2",
    )?
    .query_row(params![campaign.as_str(), device], |r| {
        Ok(DeviceRecord {
            device: device.to_owned(),
            member: r.get(0)?,
            last_contact: r.get::<_, Option<i64>>(1)?.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(r.get(2)?),
        })
    })
    .optional()
    .map_err(Into::into)
}

fn write_rows(tx: &Transaction<'_>, key: &MemberKey, rows: &[LogRow]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO ops (campaign, member, seq, op_id, fingerprint, device, received_at, row, accepted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for row in rows {
        let json = serde_json::to_string(row).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        insert.execute(params![
            key.campaign.as_str(),
            key.member,
            row.seq as i64,
            row.op.id.as_str(),
            row.fingerprint as i64,
            row.device,
            row.received_at.as_millis(),
            json,
            row.applied.is_some()
        ])?;
    }
    // No per-member row to update: the single writer serialises members, and the log's
    // highest sequence is the cursor.
    Ok(())
}

/// The writer thread's state.
struct Writer {
    conn: Connection,
    caches: Caches,
    syncer: mpsc::Sender<Vec<Finish>>,
    shared: Arc<SharedCaches>,
    /// `PRAGMA data_version` when last read: it changes when another connection commits.
    data_version: i64,
}

/// How long an idle writer waits before checking whether another process wrote the file.
const IDLE_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The answer to every job of a group that a storage error broke (rolled back, nothing kept).
const GROUP_BROKEN: &str = "a storage error interrupted the write; nothing of it was kept";

/// What a job leaves to do after the commit.
type Finish = Box<dyn FnOnce(StoreResult<()>) + Send>;

/// How often the checkpointer copies the log into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// The checkpointer: copies committed log frames into the database file, off the writer.
///
/// The writer's own automatic checkpoint is what lets the log restart from its beginning (it
/// runs between transactions, so nothing new arrives while it finishes the copy); alone, it
/// copied thousands of pages while every request waited, the long tail of commit latency. This
/// thread does the bulk of that copying concurrently (a PASSIVE checkpoint never blocks the
/// writer or readers), so the writer's checkpoint only tops up the last frames. A checkpoint
/// from this thread alone would not do: under steady writes the log never gets fully copied,
/// so it never restarts and grows without bound. Stops when the store is dropped.
fn copy_log_ahead(conn: &Connection, store_alive: &std::sync::Weak<()>) {
    loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        if store_alive.strong_count() == 0 {
            return;
        }
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "background checkpoint failed; the writer's own checkpoint still runs");
        }
    }
}

/// The syncer: fsyncs the write-ahead log, then releases the replies of every group committed
/// before that fsync began.
fn sync_log(wal: &Path, committed: Receiver<Vec<Finish>>) {
    let mut log: Option<std::fs::File> = None;
    while let Ok(first) = committed.recv() {
        let mut groups = vec![first];
        groups.extend(committed.try_iter());
        let started = std::time::Instant::now();
        let synced = (|| -> std::io::Result<()> {
            if log.is_none() {
                log = Some(std::fs::File::open(wal)?);
            }
            log.as_ref().expect("opened above").sync_data()
        })();
        metrics::histogram!("siyu_log_sync_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("siyu_log_syncs_groups").record(groups.len() as f64);
        if let Err(e) = &synced {
            tracing::error!(error = %e, "fsync of the write-ahead log failed");
            log = None;
        }
        for finish in groups.into_iter().flatten() {
            finish(
                synced
                    .as_ref()
                    .map(|_| ())
                    .map_err(|e| StoreError::Unavailable(format!("fsync failed: {e}"))),
            );
        }
    }
}

impl Writer {
    fn new(
        conn: Connection,
        syncer: mpsc::Sender<Vec<Finish>>,
        shared: Arc<SharedCaches>,
    ) -> StoreResult<Self> {
        let capacity = NonZeroUsize::new(MEMBER_CACHE_ENTRIES_MAX).expect("non-zero");
        let data_version = read_data_version(&conn)?;
        Ok(Self {
            conn,
            shared,
            data_version,
            caches: Caches {
                members: LruCache::new(capacity),
                stock: HashMap::new(),
                devices: LruCache::new(
                    NonZeroUsize::new(DEVICE_CACHE_ENTRIES_MAX).expect("non-zero"),
                ),
            },
            syncer,
        })
    }

    fn run(&mut self, jobs: Receiver<Job>) {
        loop {
            let first = match jobs.recv_timeout(IDLE_CHECK_EVERY) {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // Idle: a campaign published by the CLI shows without waiting for a write.
                    if let Err(e) = self.notice_other_writers() {
                        tracing::warn!(error = %e, "could not check the database for other writers");
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            let mut group = vec![first];
            while group.len() < GROUP_COMMIT_JOBS_MAX {
                match jobs.try_recv() {
                    Ok(job) => group.push(job),
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            self.commit_group(group);
        }
    }

    fn commit_group(&mut self, group: Vec<Job>) {
        metrics::histogram!("siyu_group_commit_jobs").record(group.len() as f64);
        let started = std::time::Instant::now();
        let mut finishes: Vec<Finish> = Vec::with_capacity(group.len());
        // IMMEDIATE: the file's write lock is held from here, so what another process
        // committed before is seen below and nothing it commits can slip in before ours.
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(StoreError::from)
            .and_then(|tx| {
                if other_writers_committed(&tx, &mut self.data_version)? {
                    forget_for_other_writers(&mut self.caches, &self.shared);
                }
                Ok(tx)
            });
        let tx = match tx {
            Ok(tx) => tx,
            Err(e) => {
                let message = e.to_string();
                for job in group {
                    fail(job, StoreError::Unavailable(message.clone()));
                }
                return;
            }
        };
        let mut broken = false;
        for job in group {
            if broken {
                fail(job, StoreError::Unavailable(GROUP_BROKEN.into()));
                continue;
            }
            let ran = run_job(&tx, &mut self.caches, job);
            finishes.push(ran.finish);
            broken = ran.breaks_group;
        }
        let committed = if broken {
            // Dropping the transaction rolls back what the group wrote; nobody was answered yet.
            drop(tx);
            tracing::error!("a storage error broke a group commit; it was rolled back");
            Err(StoreError::Unavailable(GROUP_BROKEN.into()))
        } else {
            tx.commit().map_err(StoreError::from)
        };
        // Writer time per group (decisions, statements, commit): where the write path's time goes.
        metrics::histogram!("siyu_group_commit_seconds").record(started.elapsed().as_secs_f64());
        match committed {
            // Durable only once the syncer has fsynced the log: it sends the replies.
            Ok(()) => {
                if let Err(mpsc::SendError(finishes)) = self.syncer.send(finishes) {
                    for finish in finishes {
                        finish(Err(StoreError::Unavailable("the syncer stopped".into())));
                    }
                }
            }
            Err(e) => {
                // Cached states may include uncommitted changes: forget them all; the log is the truth.
                self.caches.clear();
                for finish in finishes {
                    finish(Err(StoreError::Unavailable(e.to_string())));
                }
            }
        }
    }

    /// Drops every cache when another connection committed since the last look.
    fn notice_other_writers(&mut self) -> StoreResult<()> {
        if other_writers_committed(&self.conn, &mut self.data_version)? {
            forget_for_other_writers(&mut self.caches, &self.shared);
        }
        Ok(())
    }
}

/// Whether another connection (another process) committed since `last` was read.
fn other_writers_committed(conn: &Connection, last: &mut i64) -> StoreResult<bool> {
    let version = read_data_version(conn)?;
    let changed = version != *last;
    *last = version;
    Ok(changed)
}

fn read_data_version(conn: &Connection) -> StoreResult<i64> {
    // Read once per group commit: the statement is prepared once.
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?)
}

/// Forgets what the writer and the request side cached: the file is read again. (A free
/// function: inside a group the transaction borrows the writer's connection.)
fn forget_for_other_writers(caches: &mut Caches, shared: &SharedCaches) {
    caches.clear();
    shared.clear();
    metrics::counter!("siyu_other_writers_seen_total").increment(1);
    tracing::info!("another process wrote the database; cached states are read again");
}

/// What the writer caches: member states, stock taken, device contacts.
struct Caches {
    members: LruCache<MemberKey, MemberLog>,
    stock: HashMap<CampaignId, Arc<StockTaken>>,
    devices: LruCache<(CampaignId, String), DeviceRecord>,
}

impl Caches {
    /// Forgets everything; the log is the truth.
    fn clear(&mut self) {
        self.members.clear();
        self.stock.clear();
        self.devices.clear();
    }

    fn member(&mut self, conn: &Connection, key: &MemberKey) -> StoreResult<MemberLog> {
        match self.members.pop(key) {
            Some(log) => Ok(log),
            None => load_member(conn, key),
        }
    }

    /// Shared with the answers that carry it; a change copies it only while one still does.
    fn stock(
        &mut self,
        conn: &Connection,
        campaign: &CampaignId,
    ) -> StoreResult<&mut Arc<StockTaken>> {
        if !self.stock.contains_key(campaign) {
            let stock = load_stock(conn, campaign)?;
            self.stock.insert(campaign.clone(), Arc::new(stock));
        }
        Ok(self.stock.get_mut(campaign).expect("just inserted"))
    }

    fn device(
        &mut self,
        conn: &Connection,
        campaign: &CampaignId,
        device: &str,
    ) -> StoreResult<Option<DeviceRecord>> {
        let key = (campaign.clone(), device.to_owned());
        if let Some(record) = self.devices.get(&key) {
            return Ok(Some(record.clone()));
        }
        let record = load_device(conn, campaign, device)?;
        if let Some(record) = &record {
            self.devices.put(key, record.clone());
        }
        Ok(record)
    }
}

fn fail(job: Job, error: StoreError) {
    match job {
        Job::Sync { reply, .. } | Job::Brand { reply, .. } => drop(reply.send(Err(error))),
        Job::Bind { reply, .. }
        | Job::RegisterDevice { reply, .. }
        | Job::Erase { reply, .. }
        | Job::CreateTenant { reply, .. }
        | Job::UpdateTenant { reply, .. } => drop(reply.send(Err(error))),
        Job::Publish { reply, .. } => drop(reply.send(Err(error))),
    }
}

/// What running a job leaves: what to do once the group's commit is known, and whether the
/// job left the group's transaction unusable (it must be rolled back, not committed).
struct Ran {
    finish: Finish,
    breaks_group: bool,
}

impl Ran {
    /// A job that ran to `outcome`: its reply waits for the group's commit.
    fn new<T: Send + 'static>(
        reply: Reply<T>,
        outcome: StoreResult<T>,
        breaks_group: bool,
    ) -> Self {
        Self {
            finish: Box::new(move |committed: StoreResult<()>| {
                let _ = reply.send(committed.and(outcome));
            }),
            breaks_group,
        }
    }
}

/// Runs one job in the group's transaction.
///
/// Syncs and purchase credits, nearly all the traffic, run directly in it: they make every
/// check that can refuse before their first write, so a refusal leaves the transaction as it
/// was, and a failure once they write is a storage error that breaks the whole group. A
/// savepoint each would cost a statement before and after every job and a copy of every page
/// it touches. The rare jobs (sessions, binds, erasures, tenants, campaigns) keep a savepoint:
/// one that fails halfway through its writes then costs only itself, not its group.
fn run_job(tx: &Transaction<'_>, caches: &mut Caches, job: Job) -> Ran {
    macro_rules! directly {
        ($reply:ident, $body:expr) => {{
            let changes_before = tx.total_changes();
            let outcome = $body;
            // A failure after a write, or one after which SQLite rolled the whole transaction
            // back itself (it does so on some I/O errors), leaves the group unusable.
            let breaks_group =
                outcome.is_err() && (tx.total_changes() != changes_before || tx.is_autocommit());
            Ran::new($reply, outcome, breaks_group)
        }};
    }
    macro_rules! in_savepoint {
        ($reply:ident, $body:expr) => {{
            let mut rolled_back = true;
            let outcome = (|| -> StoreResult<_> {
                tx.prepare_cached("SAVEPOINT job")?.execute([])?;
                let value = $body;
                match value {
                    Ok(v) => {
                        tx.prepare_cached("RELEASE job")?.execute([])?;
                        Ok(v)
                    }
                    Err(e) => {
                        rolled_back = tx.execute_batch("ROLLBACK TO job; RELEASE job").is_ok();
                        Err(e)
                    }
                }
            })();
            Ran::new($reply, outcome, !rolled_back || tx.is_autocommit())
        }};
    }
    match job {
        Job::Sync {
            campaign,
            job,
            clock,
            reply,
        } => directly!(reply, sync(tx, caches, &campaign, job, clock.now())),
        Job::Brand {
            campaign,
            job,
            clock,
            reply,
        } => directly!(reply, brand(tx, caches, &campaign, job, clock.now())),
        Job::Bind {
            campaign,
            device,
            member,
            now,
            reply,
        } => in_savepoint!(reply, bind(tx, caches, &campaign, &device, &member, now)),
        Job::RegisterDevice {
            campaign,
            device,
            member,
            now,
            reply,
        } => in_savepoint!(
            reply,
            register_device(tx, caches, &campaign, &device, &member, now)
        ),
        Job::Erase { key, now, reply } => in_savepoint!(reply, erase(tx, caches, &key, now)),
        Job::CreateTenant { tenant, now, reply } => {
            in_savepoint!(reply, create_tenant(tx, &tenant, now))
        }
        Job::UpdateTenant { id, update, reply } => {
            in_savepoint!(reply, update_tenant(tx, &id, &update))
        }
        Job::Publish { campaign, reply } => in_savepoint!(reply, publish(tx, *campaign)),
    }
}

fn resolve_member(
    tx: &Transaction<'_>,
    caches: &mut Caches,
    campaign: &CampaignId,
    device: &str,
) -> StoreResult<DeviceRecord> {
    caches.device(tx, campaign, device)?.ok_or_else(|| {
        StoreError::Conflict(format!("unknown device {device}; create a session first"))
    })
}

fn sync(
    tx: &Transaction<'_>,
    caches: &mut Caches,
    published: &PublishedCampaign,
    job: SyncJob,
    now: Timestamp,
) -> StoreResult<SyncOutcome> {
    let campaign = &published.campaign;
    let device = resolve_member(tx, caches, &campaign.id, &job.device)?;
    let key = MemberKey {
        campaign: campaign.id.clone(),
        member: device.member.clone(),
    };
    let mut log = caches.member(tx, &key)?;
    let drained = job.ops.len() < siyu_core::protocol::SYNC_BATCH_OPS_MAX;
    let ops = job.ops;
    let result = (|| {
        let stock = caches.stock(tx, &campaign.id)?;
        let mut taken: Vec<RewardId> = Vec::new();
        let mut rows = Vec::new();
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            let ctx = Context {
                now,
                actor: job.actor,
                last_contact: Some(device.earliest_claim()),
                stock_taken: stock,
                handed_over: false,
            };
            let decided: Decided = log.decide(campaign, op, &ctx);
            if let Some(reward) = decided.applied.as_ref().and_then(|a| a.stock_taken()) {
                *Arc::make_mut(stock).get_or_insert_with(reward.clone(), || 0) += 1;
                taken.push(reward.clone());
            }
            let (result, row) = log.record(decided, now, Some(&job.device));
            results.push(result);
            rows.extend(row);
        }
        write_rows(tx, &key, &rows)?;
        for reward in &taken {
            tx.prepare_cached("INSERT INTO stock (campaign, reward, taken) VALUES (?1, ?2, 1) ON CONFLICT (campaign, reward) DO UPDATE SET taken = taken + 1")?
                .execute(params![campaign.id.as_str(), reward.as_str()])?;
        }
        if drained {
            tx.prepare_cached(
                "UPDATE devices SET last_contact = ?3 WHERE campaign = ?1 AND device = ?2",
            )?
            .execute(params![campaign.id.as_str(), job.device, now.as_millis()])?;
        }
        Ok((results, Arc::clone(stock)))
    })();
    match result {
        Ok((results, stock_taken)) => {
            if drained {
                caches.devices.put(
                    (campaign.id.clone(), job.device.clone()),
                    DeviceRecord {
                        last_contact: Some(now),
                        ..device
                    },
                );
            }
            let outcome = SyncOutcome {
                results,
                state: Arc::clone(&log.state),
                stock_taken,
                cursor: log.seq,
                member: key.clone(),
            };
            caches.members.put(key, log);
            Ok(outcome)
        }
        Err(e) => {
            // The savepoint rolls the rows back; forget the member and the stock figures too.
            caches.stock.remove(&campaign.id);
            Err(e)
        }
    }
}

fn brand(
    tx: &Transaction<'_>,
    caches: &mut Caches,
    published: &PublishedCampaign,
    job: BrandJob,
    now: Timestamp,
) -> StoreResult<SyncOutcome> {
    let campaign = &published.campaign;
    let mut log = caches.member(tx, &job.key)?;
    let stock = Arc::clone(caches.stock(tx, &campaign.id)?);
    let ctx = Context {
        now,
        actor: Actor::Brand,
        last_contact: None,
        stock_taken: &stock,
        handed_over: false,
    };
    let decided = log.decide(campaign, job.op, &ctx);
    let (result, row) = log.record(decided, now, None);
    let rows: Vec<LogRow> = row.into_iter().collect();
    write_rows(tx, &job.key, &rows)?;
    let outcome = SyncOutcome {
        results: vec![result],
        state: Arc::clone(&log.state),
        stock_taken: stock,
        cursor: log.seq,
        member: job.key.clone(),
    };
    caches.members.put(job.key, log);
    Ok(outcome)
}

fn bind(
    tx: &Transaction<'_>,
    caches: &mut Caches,
    published: &PublishedCampaign,
    device: &str,
    member: &MemberKey,
    now: Timestamp,
) -> StoreResult<()> {
    let campaign = &published.campaign;
    let record = resolve_member(tx, caches, &campaign.id, device)?;
    if record.member == member.member {
        return Ok(());
    }
    let from = MemberKey {
        campaign: campaign.id.clone(),
        member: record.member.clone(),
    };
    if super::is_anonymous(&from) {
        // The anonymous device's history moves to the member (merge rules: `merge_rows`).
        let mut target = caches.member(tx, member)?;
        caches.members.pop(&from);
        let rows = load_rows(tx, &from)?;
        let merged = super::merge_rows(campaign, &mut target, &rows);
        write_rows(tx, member, &merged)?;
        tx.execute(
            "DELETE FROM ops WHERE campaign = ?1 AND member = ?2",
            params![campaign.id.as_str(), from.member],
        )?;
        tx.execute(
            "DELETE FROM members WHERE campaign = ?1 AND member = ?2",
            params![campaign.id.as_str(), from.member],
        )?;
        tx.execute(
            "UPDATE devices SET member = ?3 WHERE campaign = ?1 AND member = ?2",
            params![campaign.id.as_str(), from.member, member.member],
        )?;
        caches.members.put(member.clone(), target);
    } else {
        // A device signed in as another member: it switches accounts; nothing merges.
        tx.execute(
            "UPDATE devices SET member = ?3 WHERE campaign = ?1 AND device = ?2",
            params![campaign.id.as_str(), device, member.member],
        )?;
    }
    // Signing in counts as a contact (trust rule 4): the device acts as the member from now
    // on and claims no earlier time as the member. Otherwise a fresh session of the member's
    // could check in on the days the member's own devices were refused for being late.
    tx.execute(
        "UPDATE devices SET last_contact = MAX(COALESCE(last_contact, 0), ?3) WHERE campaign = ?1 AND device = ?2",
        params![campaign.id.as_str(), device, now.as_millis()],
    )?;
    // Devices that acted as the merged member now act as the target: forget them all.
    caches.devices.clear();
    Ok(())
}

fn register_device(
    tx: &Transaction<'_>,
    caches: &mut Caches,
    campaign: &CampaignId,
    device: &str,
    member: &MemberKey,
    now: Timestamp,
) -> StoreResult<()> {
    tx.prepare_cached("INSERT INTO devices (campaign, device, member, last_contact, created_at) VALUES (?1, ?2, ?3, NULL, ?4)")?
        .execute(params![campaign.as_str(), device, member.member, now.as_millis()])?;
    // A new device's first sync follows at once: warm the caches so it reads nothing. A new
    // anonymous member has no operations yet.
    let record = DeviceRecord {
        device: device.to_owned(),
        member: member.member.clone(),
        last_contact: None,
        created_at: now,
    };
    caches
        .devices
        .put((campaign.clone(), device.to_owned()), record);
    if super::is_anonymous(member) && !caches.members.contains(member) {
        caches
            .members
            .put(member.clone(), MemberLog::empty(member.clone()));
    }
    Ok(())
}

fn erase(
    tx: &Transaction<'_>,
    caches: &mut Caches,
    key: &MemberKey,
    now: Timestamp,
) -> StoreResult<()> {
    // Only what the trust rules need stays: the operation ids and the redemptions per reward
    // (`MemberState::erased`).
    let kept = caches.member(tx, key)?.state.erased();
    tx.execute(
        "DELETE FROM ops WHERE campaign = ?1 AND member = ?2",
        params![key.campaign.as_str(), key.member],
    )?;
    let kept = serde_json::to_string(&kept).expect("states serialise");
    tx.execute(
        "INSERT INTO members (campaign, member, seq, erased) VALUES (?1, ?2, 0, ?3)
         ON CONFLICT (campaign, member) DO UPDATE SET seq = 0, erased = excluded.erased",
        params![key.campaign.as_str(), key.member, kept],
    )?;
    // Devices keep acting as the (now empty) member: the customer's phone still works, and
    // holds nothing of the past, not even when it was first or last seen.
    tx.execute(
        "UPDATE devices SET created_at = ?3, last_contact = ?3 WHERE campaign = ?1 AND member = ?2",
        params![key.campaign.as_str(), key.member, now.as_millis()],
    )?;
    caches.devices.clear();
    caches.members.pop(key);
    Ok(())
}

fn create_tenant(tx: &Transaction<'_>, tenant: &TenantRecord, now: Timestamp) -> StoreResult<()> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1)",
        [tenant.id.as_str()],
        |r| r.get(0),
    )?;
    if exists {
        return Err(StoreError::Conflict(format!(
            "tenant {} already exists",
            tenant.id
        )));
    }
    let origins = serde_json::to_string(&tenant.origins).expect("strings serialise");
    tx.execute(
        "INSERT INTO tenants (id, name, admin_key_hash, member_secret, origins, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![tenant.id.as_str(), tenant.name, tenant.admin_key_hash, tenant.member_secret, origins, now.as_millis()],
    )?;
    Ok(())
}

fn update_tenant(tx: &Transaction<'_>, id: &TenantId, update: &TenantUpdate) -> StoreResult<()> {
    let origins = update
        .origins
        .as_ref()
        .map(|o| serde_json::to_string(o).expect("strings serialise"));
    let changed = tx.execute(
        "UPDATE tenants SET origins = COALESCE(?2, origins), admin_key_hash = COALESCE(?3, admin_key_hash) WHERE id = ?1",
        params![id.as_str(), origins, update.admin_key_hash],
    )?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!("there is no tenant {id}")));
    }
    Ok(())
}

fn publish(tx: &Transaction<'_>, campaign: Campaign) -> StoreResult<Arc<PublishedCampaign>> {
    let published = PublishedCampaign::new(campaign);
    let campaign = &published.campaign;
    let tenant_exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1)",
        [campaign.tenant.as_str()],
        |r| r.get(0),
    )?;
    if !tenant_exists {
        return Err(StoreError::Conflict(format!(
            "tenant {} does not exist; create it first",
            campaign.tenant
        )));
    }
    let current: Option<(String, u32, String)> = tx
        .query_row(
            "SELECT tenant, revision, body FROM campaigns WHERE id = ?1",
            [campaign.id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((tenant, revision, body)) = current {
        if tenant != campaign.tenant.as_str() {
            return Err(StoreError::Conflict(format!(
                "campaign id {} is taken",
                campaign.id
            )));
        }
        if revision > campaign.revision || (revision == campaign.revision && body != published.json)
        {
            return Err(StoreError::Conflict(format!(
                "campaign {} is at revision {revision}; publish a higher revision to change it",
                campaign.id
            )));
        }
        if revision == campaign.revision {
            return Ok(Arc::new(published));
        }
    }
    let now = SystemClock.now().as_millis();
    tx.execute(
        "INSERT INTO campaigns (id, tenant, revision, body, published_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, body = excluded.body, published_at = excluded.published_at",
        params![campaign.id.as_str(), campaign.tenant.as_str(), campaign.revision, published.json, now],
    )?;
    tx.execute(
        "INSERT INTO campaign_revisions (id, revision, body, published_at) VALUES (?1, ?2, ?3, ?4)",
        params![campaign.id.as_str(), campaign.revision, published.json, now],
    )?;
    Ok(Arc::new(published))
}

fn tenant_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, Vec<u8>, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(Into::into)
        })
        .await
    }

    async fn server_secret(&self) -> StoreResult<Vec<u8>> {
        self.read(|conn| {
            conn.query_row(
                "SELECT session_secret FROM server_secrets WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .map_err(Into::into)
        })
        .await
    }

    async fn create_tenant(&self, tenant: &TenantRecord) -> StoreResult<()> {
        let tenant = tenant.clone();
        let now = SystemClock.now();
        self.submit(|reply| Job::CreateTenant { tenant, now, reply })
            .await
    }

    async fn update_tenant(&self, id: &TenantId, update: &TenantUpdate) -> StoreResult<()> {
        let (key, update) = (id.clone(), update.clone());
        self.submit(|reply| Job::UpdateTenant {
            id: key,
            update,
            reply,
        })
        .await?;
        self.shared
            .tenants
            .write()
            .expect("tenant cache")
            .remove(id);
        Ok(())
    }

    async fn tenant(&self, id: &TenantId) -> StoreResult<Option<TenantRecord>> {
        if let Some(tenant) = self.shared.tenants.read().expect("tenant cache").get(id) {
            return Ok(Some(tenant.clone()));
        }
        let key = id.clone();
        let found = self.read(move |conn| {
            let id = key;
            let row = conn
                .prepare_cached("SELECT id, name, admin_key_hash, member_secret, origins FROM tenants WHERE id = ?1")?
                .query_row([id.as_str()], tenant_from_row)
                .optional()?;
            row.map(|(id, name, admin_key_hash, member_secret, origins)| {
                Ok(TenantRecord {
                    id: TenantId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name,
                    admin_key_hash,
                    member_secret,
                    origins: serde_json::from_str(&origins).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .transpose()
        })
        .await?;
        if let Some(tenant) = &found {
            self.shared
                .tenants
                .write()
                .expect("tenant cache")
                .insert(id.clone(), tenant.clone());
        }
        Ok(found)
    }

    async fn publish_campaign(&self, campaign: &Campaign) -> StoreResult<Arc<PublishedCampaign>> {
        let campaign = Box::new(campaign.clone());
        let published = self
            .submit(|reply| Job::Publish { campaign, reply })
            .await?;
        self.shared.campaigns.put(published.clone());
        Ok(published)
    }

    async fn campaign(&self, id: &CampaignId) -> StoreResult<Option<Arc<PublishedCampaign>>> {
        if let Some(found) = self.shared.campaigns.get(id) {
            return Ok(Some(found));
        }
        let key = id.clone();
        let body: Option<String> = self
            .read(move |conn| {
                conn.query_row(
                    "SELECT body FROM campaigns WHERE id = ?1",
                    [key.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(Into::into)
            })
            .await?;
        body.map(|body| self.shared.campaigns.load(&body))
            .transpose()
    }

    async fn register_device(
        &self,
        campaign: &CampaignId,
        device: &str,
        member: &MemberKey,
        now: Timestamp,
    ) -> StoreResult<()> {
        let (campaign, device, member) = (campaign.clone(), device.to_owned(), member.clone());
        self.submit(|reply| Job::RegisterDevice {
            campaign,
            device,
            member,
            now,
            reply,
        })
        .await
    }

    async fn device(
        &self,
        campaign: &CampaignId,
        device: &str,
    ) -> StoreResult<Option<DeviceRecord>> {
        let (campaign, device) = (campaign.clone(), device.to_owned());
        self.read(move |conn| load_device(conn, &campaign, &device))
            .await
    }

    async fn bind_device(
        &self,
        campaign: &PublishedCampaign,
        device: &str,
        member: &MemberKey,
        clock: &dyn Clock,
    ) -> StoreResult<()> {
        let (campaign, device, member, now) = (
            Arc::new(campaign.clone()),
            device.to_owned(),
            member.clone(),
            clock.now(),
        );
        self.submit(|reply| Job::Bind {
            campaign,
            device,
            member,
            now,
            reply,
        })
        .await
    }

    async fn sync(
        &self,
        campaign: Arc<PublishedCampaign>,
        job: SyncJob,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<SyncOutcome> {
        self.submit(|reply| Job::Sync {
            campaign,
            job,
            clock,
            reply,
        })
        .await
    }

    async fn brand(
        &self,
        campaign: Arc<PublishedCampaign>,
        job: BrandJob,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<SyncOutcome> {
        self.submit(|reply| Job::Brand {
            campaign,
            job,
            clock,
            reply,
        })
        .await
    }

    async fn export(&self, key: &MemberKey) -> StoreResult<MemberExport> {
        let key = key.clone();
        self.read(move |conn| {
            let rows = load_rows(conn, &key)?;
            let operations = rows.iter().map(|r| serde_json::to_value(r).expect("rows serialise")).collect();
            let erased = load_erased(conn, &key)?;
            let log = MemberLog::replay_after_erasure(key.clone(), erased.as_deref(), rows)?;
            let mut stmt = conn.prepare_cached("SELECT device, member, last_contact, created_at FROM devices WHERE campaign = ?1 AND member = ?2")?;
            let devices = stmt
                .query_map(params![key.campaign.as_str(), key.member], |r| {
                    Ok(DeviceRecord {
                        device: r.get(0)?,
                        member: r.get(1)?,
                        last_contact: r.get::<_, Option<i64>>(2)?.map(Timestamp::from_millis),
                        created_at: Timestamp::from_millis(r.get(3)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(MemberExport { member: key.member.clone(), campaign: key.campaign.clone(), state: Arc::unwrap_or_clone(log.state), operations, devices })
        })
        .await
    }

    async fn erase(&self, key: &MemberKey, now: Timestamp) -> StoreResult<()> {
        let key = key.clone();
        self.submit(|reply| Job::Erase { key, now, reply }).await
    }

    async fn member_states(
        &self,
        campaign: &PublishedCampaign,
    ) -> StoreResult<Vec<(String, MemberState)>> {
        let id = campaign.campaign.id.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare("SELECT member, row FROM ops WHERE campaign = ?1 ORDER BY member, seq")?;
            let rows = stmt.query_map([id.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            super::states_by_member(
                &id,
                rows.map(|row| {
                    let (member, json) = row?;
                    Ok((
                        member,
                        serde_json::from_str(&json)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    ))
                }),
            )
        })
        .await
    }

    async fn stock(&self, campaign: &CampaignId) -> StoreResult<StockTaken> {
        let campaign = campaign.clone();
        self.read(move |conn| load_stock(conn, &campaign)).await
    }
}
