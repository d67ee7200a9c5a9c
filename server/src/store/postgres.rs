//! The PostgreSQL store: several stateless server instances on one database.
//!
//! Each sync is one transaction that locks the member's row (`SELECT … FOR UPDATE`), so a
//! member's operations are decided one batch at a time across every instance; a redemption
//! takes stock with a conditional update (`taken < stock`), so no instance can oversell; the
//! commit is durable before the answer (PostgreSQL's own WAL group commit batches concurrent
//! commits). Member states are cached per instance and checked against the member row's
//! sequence number: a stale cache catches up from the log.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use lru::LruCache;
use siyu_core::ids::{CampaignId, RewardId, TenantId};
use siyu_core::op::{Actor, ClientOp, Context, StockTaken};
use siyu_core::protocol::{OpResult, OpStatus};
use siyu_core::{Campaign, MemberState, Rejection, Timestamp};
use tokio_postgres::NoTls;

use super::member_log::{LogRow, MemberLog};
use super::{
    is_anonymous, merge_rows, BrandJob, CampaignCache, DeviceRecord, MemberExport, MemberKey,
    PublishedCampaign, Store, StoreError, StoreResult, SyncJob, SyncOutcome, TenantRecord,
    TenantUpdate,
};
use crate::clock::{Clock, SystemClock};

/// Connections per instance.
const POOL_CONNECTIONS_MAX: usize = 48;
/// Member states cached per instance.
const MEMBER_CACHE_ENTRIES_MAX: usize = 8_192;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_erased_members.sql"),
    ),
];

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: Pool,
    campaigns: CampaignCache,
    members: Mutex<LruCache<MemberKey, MemberLog>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.status())
            .finish_non_exhaustive()
    }
}

fn pool_error(e: impl std::error::Error) -> StoreError {
    // The pool's own words ("error connecting to server") say nothing of why; the causes do
    // ("Connection refused", "password authentication failed").
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors already end with their cause's words.
        if !message.ends_with(&cause_text) {
            message.push_str(": ");
            message.push_str(&cause_text);
        }
        source = cause.source();
    }
    StoreError::Pool(message)
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl PostgresStore {
    /// Connects, runs migrations (serialised across instances by an advisory lock) and makes
    /// sure the session secret exists.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_CONNECTIONS_MAX)
            .build()
            .map_err(pool_error)?;
        let store = Self {
            pool,
            campaigns: CampaignCache::default(),
            members: Mutex::new(LruCache::new(
                NonZeroUsize::new(MEMBER_CACHE_ENTRIES_MAX).expect("non-zero"),
            )),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await?;
        tx.batch_execute("SELECT pg_advisory_xact_lock(7373); CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)").await?;
        for (version, sql) in MIGRATIONS {
            let done = tx
                .query_opt(
                    "SELECT 1 FROM schema_migrations WHERE version = $1",
                    &[version],
                )
                .await?
                .is_some();
            if !done {
                tx.batch_execute(sql).await?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[version, &SystemClock.now().as_millis()],
                )
                .await?;
            }
        }
        let secret = crate::auth::random_secret(32).into_bytes();
        tx.execute("INSERT INTO server_secrets (id, session_secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", &[&secret]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_error)
    }

    fn take_cached(&self, key: &MemberKey) -> Option<MemberLog> {
        self.members.lock().expect("member cache").pop(key)
    }

    fn put_cached(&self, log: MemberLog) {
        let mut cache = self.members.lock().expect("member cache");
        // Two requests of one member may race to put back; keep the newer.
        if cache
            .peek(&log.key)
            .is_none_or(|cached| (cached.epoch, cached.seq) < (log.epoch, log.seq))
        {
            cache.put(log.key.clone(), log);
        }
    }

    /// Locks the member's row and returns its log brought up to date.
    async fn lock_member(
        &self,
        tx: &impl GenericClient,
        key: &MemberKey,
    ) -> StoreResult<MemberLog> {
        tx.execute(
            "INSERT INTO members (campaign, member, seq) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
            &[&key.campaign.as_str(), &key.member],
        )
        .await?;
        let row = tx
            .query_one(
                "SELECT seq, epoch, erased FROM members WHERE campaign = $1 AND member = $2 FOR UPDATE",
                &[&key.campaign.as_str(), &key.member],
            )
            .await?;
        let (seq, epoch): (i64, i64) = (row.get(0), row.get(1));
        let cached = self
            .take_cached(key)
            .filter(|log| log.epoch == epoch && log.seq as i64 <= seq);
        let mut log = match cached {
            Some(log) => log,
            None => {
                let erased: Option<&str> = row.get(2);
                let mut log = MemberLog::replay_after_erasure(key.clone(), erased, [])?;
                log.epoch = epoch;
                log
            }
        };
        if (log.seq as i64) < seq {
            let rows = load_rows(tx, key, log.seq as i64).await?;
            log.catch_up(rows)?;
        }
        Ok(log)
    }

    async fn run_ops(
        &self,
        campaign: &PublishedCampaign,
        key: &MemberKey,
        ops: Vec<ClientOp>,
        actor: Actor,
        device: Option<&DeviceRecord>,
        now: Timestamp,
    ) -> StoreResult<SyncOutcome> {
        let campaign = &campaign.campaign;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut log = self.lock_member(&tx, key).await?;
        let mut stock = load_stock(&tx, &campaign.id).await?;
        let mut results: Vec<OpResult> = Vec::with_capacity(ops.len());
        let mut rows = Vec::new();
        let drained = ops.len() < siyu_core::protocol::SYNC_BATCH_OPS_MAX;
        for op in ops {
            let ctx = Context {
                now,
                actor,
                last_contact: device.map(DeviceRecord::earliest_claim),
                stock_taken: &stock,
                handed_over: false,
            };
            let mut decided = log.decide(campaign, op, &ctx);
            if let Some(reward) = decided
                .applied
                .as_ref()
                .and_then(|a| a.stock_taken())
                .cloned()
            {
                let limit = campaign.reward(&reward).and_then(|r| r.stock);
                if take_stock(&tx, &campaign.id, &reward, limit).await? {
                    *stock.get_or_insert_with(reward, || 0) += 1;
                } else {
                    // Another instance took the last unit since our snapshot.
                    decided.applied = None;
                    decided.status = OpStatus::rejected(Rejection::OutOfStock { reward });
                }
            }
            let (result, row) = log.record(decided, now, device.map(|d| d.device.as_str()));
            results.push(result);
            rows.extend(row);
        }
        write_rows(&tx, key, &rows).await?;
        if let Some(device) = device {
            if drained {
                tx.execute(
                    "UPDATE devices SET last_contact = $3 WHERE campaign = $1 AND device = $2",
                    &[&campaign.id.as_str(), &device.device, &now.as_millis()],
                )
                .await?;
            }
        }
        tx.commit().await?;
        let outcome = SyncOutcome {
            results,
            state: Arc::clone(&log.state),
            stock_taken: Arc::new(stock),
            cursor: log.seq,
            member: key.clone(),
        };
        self.put_cached(log);
        Ok(outcome)
    }
}

async fn load_rows(
    client: &impl GenericClient,
    key: &MemberKey,
    after: i64,
) -> StoreResult<Vec<LogRow>> {
    let rows = client
        .query(
            "SELECT row FROM ops WHERE campaign = $1 AND member = $2 AND seq > $3 ORDER BY seq",
            &[&key.campaign.as_str(), &key.member, &after],
        )
        .await?;
    rows.iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(corrupt))
        .collect()
}

async fn load_stock(client: &impl GenericClient, campaign: &CampaignId) -> StoreResult<StockTaken> {
    let rows = client
        .query(
            "SELECT reward, taken FROM stock WHERE campaign = $1",
            &[&campaign.as_str()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                RewardId::parse(r.get::<_, &str>(0)).map_err(corrupt)?,
                u32::try_from(r.get::<_, i64>(1)).map_err(corrupt)?,
            ))
        })
        .collect()
}

/// Takes one unit of stock if any is left; `None` stock means unlimited (still counted).
async fn take_stock(
    client: &impl GenericClient,
    campaign: &CampaignId,
    reward: &RewardId,
    limit: Option<u32>,
) -> StoreResult<bool> {
    client
        .execute(
            "INSERT INTO stock (campaign, reward, taken) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
            &[&campaign.as_str(), &reward.as_str()],
        )
        .await?;
    let limit = limit.map_or(i64::MAX, i64::from);
    let updated = client
        .execute(
            "UPDATE stock SET taken = taken + 1 WHERE campaign = $1 AND reward = $2 AND taken < $3",
            &[&campaign.as_str(), &reward.as_str(), &limit],
        )
        .await?;
    Ok(updated == 1)
}

async fn write_rows(
    client: &impl GenericClient,
    key: &MemberKey,
    rows: &[LogRow],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let insert = client
        .prepare("INSERT INTO ops (campaign, member, seq, op_id, fingerprint, device, received_at, row, accepted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .await?;
    for row in rows {
        let json = serde_json::to_string(row).map_err(corrupt)?;
        client
            .execute(
                &insert,
                &[
                    &key.campaign.as_str(),
                    &key.member,
                    &(row.seq as i64),
                    &row.op.id.as_str(),
                    &(row.fingerprint as i64),
                    &row.device,
                    &row.received_at.as_millis(),
                    &json,
                    &row.applied.is_some(),
                ],
            )
            .await?;
    }
    let last = rows.last().map_or(0, |r| r.seq) as i64;
    client
        .execute(
            "UPDATE members SET seq = $3 WHERE campaign = $1 AND member = $2",
            &[&key.campaign.as_str(), &key.member, &last],
        )
        .await?;
    Ok(())
}

fn device_from_row(row: &tokio_postgres::Row) -> DeviceRecord {
    DeviceRecord {
        device: row.get(0),
        member: row.get(1),
        last_contact: row.get::<_, Option<i64>>(2).map(Timestamp::from_millis),
        created_at: Timestamp::from_millis(row.get(3)),
    }
}

async fn load_device(
    client: &impl GenericClient,
    campaign: &CampaignId,
    device: &str,
) -> StoreResult<Option<DeviceRecord>> {
    let row = client.query_opt("SELECT device, member, last_contact, created_at FROM devices WHERE campaign = $1 AND device = $2", &[&campaign.as_str(), &device]).await?;
    Ok(row.as_ref().map(device_from_row))
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        self.client().await?.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    async fn server_secret(&self) -> StoreResult<Vec<u8>> {
        Ok(self
            .client()
            .await?
            .query_one(
                "SELECT session_secret FROM server_secrets WHERE id = 1",
                &[],
            )
            .await?
            .get(0))
    }

    async fn create_tenant(&self, tenant: &TenantRecord) -> StoreResult<()> {
        let origins = serde_json::to_string(&tenant.origins).expect("strings serialise");
        let inserted = self
            .client()
            .await?
            .execute(
                "INSERT INTO tenants (id, name, admin_key_hash, member_secret, origins, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                &[&tenant.id.as_str(), &tenant.name, &tenant.admin_key_hash, &tenant.member_secret, &origins, &SystemClock.now().as_millis()],
            )
            .await?;
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "tenant {} already exists",
                tenant.id
            )));
        }
        Ok(())
    }

    async fn update_tenant(&self, id: &TenantId, update: &TenantUpdate) -> StoreResult<()> {
        let origins = update
            .origins
            .as_ref()
            .map(|o| serde_json::to_string(o).expect("strings serialise"));
        let changed = self
            .client()
            .await?
            .execute(
                "UPDATE tenants SET origins = COALESCE($2, origins), admin_key_hash = COALESCE($3, admin_key_hash) WHERE id = $1",
                &[&id.as_str(), &origins, &update.admin_key_hash],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!("there is no tenant {id}")));
        }
        Ok(())
    }

    async fn tenant(&self, id: &TenantId) -> StoreResult<Option<TenantRecord>> {
        let row = self.client().await?.query_opt("SELECT id, name, admin_key_hash, member_secret, origins FROM tenants WHERE id = $1", &[&id.as_str()]).await?;
        row.map(|r| {
            Ok(TenantRecord {
                id: TenantId::parse(r.get::<_, &str>(0)).map_err(corrupt)?,
                name: r.get(1),
                admin_key_hash: r.get(2),
                member_secret: r.get(3),
                origins: serde_json::from_str(r.get::<_, &str>(4)).map_err(corrupt)?,
            })
        })
        .transpose()
    }

    async fn publish_campaign(&self, campaign: &Campaign) -> StoreResult<Arc<PublishedCampaign>> {
        let published = Arc::new(PublishedCampaign::new(campaign.clone()));
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let id = campaign.id.as_str();
        if tx
            .query_opt(
                "SELECT 1 FROM tenants WHERE id = $1",
                &[&campaign.tenant.as_str()],
            )
            .await?
            .is_none()
        {
            return Err(StoreError::Conflict(format!(
                "tenant {} does not exist; create it first",
                campaign.tenant
            )));
        }
        let current = tx
            .query_opt(
                "SELECT tenant, revision, body FROM campaigns WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await?;
        let revision = i64::from(campaign.revision);
        if let Some(row) = current {
            let (tenant, live, body): (String, i64, String) = (row.get(0), row.get(1), row.get(2));
            if tenant != campaign.tenant.as_str() {
                return Err(StoreError::Conflict(format!("campaign id {id} is taken")));
            }
            if live > revision || (live == revision && body != published.json) {
                return Err(StoreError::Conflict(format!(
                    "campaign {id} is at revision {live}; publish a higher revision to change it"
                )));
            }
            if live == revision {
                return Ok(published);
            }
        }
        let now = SystemClock.now().as_millis();
        tx.execute(
            "INSERT INTO campaigns (id, tenant, revision, body, published_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, body = excluded.body, published_at = excluded.published_at",
            &[&id, &campaign.tenant.as_str(), &revision, &published.json, &now],
        )
        .await?;
        tx.execute("INSERT INTO campaign_revisions (id, revision, body, published_at) VALUES ($1, $2, $3, $4)", &[&id, &revision, &published.json, &now]).await?;
        tx.commit().await?;
        self.campaigns.put(published.clone());
        Ok(published)
    }

    async fn campaign(&self, id: &CampaignId) -> StoreResult<Option<Arc<PublishedCampaign>>> {
        // Other instances may publish: the cached revision is checked in one round trip, and
        // the document is sent only when it changed.
        let cached = self.campaigns.get(id);
        let cached_revision = cached
            .as_ref()
            .map_or(-1, |c| i64::from(c.campaign.revision));
        let row = self
            .client()
            .await?
            .query_opt("SELECT CASE WHEN revision = $2 THEN NULL ELSE body END FROM campaigns WHERE id = $1", &[&id.as_str(), &cached_revision])
            .await?;
        let Some(row) = row else { return Ok(None) };
        match row.get::<_, Option<String>>(0) {
            None => Ok(cached),
            Some(body) => self.campaigns.load(&body).map(Some),
        }
    }

    async fn register_device(
        &self,
        campaign: &CampaignId,
        device: &str,
        member: &MemberKey,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.client()
            .await?
            .execute("INSERT INTO devices (campaign, device, member, last_contact, created_at) VALUES ($1, $2, $3, NULL, $4)", &[&campaign.as_str(), &device, &member.member, &now.as_millis()])
            .await?;
        Ok(())
    }

    async fn device(
        &self,
        campaign: &CampaignId,
        device: &str,
    ) -> StoreResult<Option<DeviceRecord>> {
        load_device(&self.client().await?, campaign, device).await
    }

    async fn bind_device(
        &self,
        campaign: &PublishedCampaign,
        device: &str,
        member: &MemberKey,
        clock: &dyn Clock,
    ) -> StoreResult<()> {
        let id = &campaign.campaign.id;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let record = tx
            .query_opt("SELECT device, member, last_contact, created_at FROM devices WHERE campaign = $1 AND device = $2 FOR UPDATE", &[&id.as_str(), &device])
            .await?
            .map(|r| device_from_row(&r))
            .ok_or_else(|| StoreError::Conflict(format!("unknown device {device}")))?;
        if record.member == member.member {
            return Ok(());
        }
        // Signing in counts as a contact (trust rule 4; see the SQLite store's `bind`).
        tx.execute(
            "UPDATE devices SET last_contact = GREATEST(COALESCE(last_contact, 0), $3) WHERE campaign = $1 AND device = $2",
            &[&id.as_str(), &device, &clock.now().as_millis()],
        )
        .await?;
        let from = MemberKey {
            campaign: id.clone(),
            member: record.member.clone(),
        };
        if is_anonymous(&from) {
            // Lock both members in a fixed order so two binds cannot deadlock.
            let (first, second) = if from < *member {
                (&from, member)
            } else {
                (member, &from)
            };
            let mut first_log = self.lock_member(&tx, first).await?;
            let mut second_log = self.lock_member(&tx, second).await?;
            let (source, target) = if first == &from {
                (&mut first_log, &mut second_log)
            } else {
                (&mut second_log, &mut first_log)
            };
            let rows = load_rows(&tx, &from, 0).await?;
            let merged = merge_rows(&campaign.campaign, target, &rows);
            write_rows(&tx, member, &merged).await?;
            tx.execute(
                "DELETE FROM ops WHERE campaign = $1 AND member = $2",
                &[&id.as_str(), &from.member],
            )
            .await?;
            tx.execute(
                "DELETE FROM members WHERE campaign = $1 AND member = $2",
                &[&id.as_str(), &from.member],
            )
            .await?;
            tx.execute(
                "UPDATE devices SET member = $3 WHERE campaign = $1 AND member = $2",
                &[&id.as_str(), &from.member, &member.member],
            )
            .await?;
            let _ = source;
            tx.commit().await?;
            self.members.lock().expect("member cache").pop(&from);
            self.put_cached(target.clone());
        } else {
            tx.execute(
                "UPDATE devices SET member = $3 WHERE campaign = $1 AND device = $2",
                &[&id.as_str(), &device, &member.member],
            )
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    async fn sync(
        &self,
        campaign: Arc<PublishedCampaign>,
        job: SyncJob,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<SyncOutcome> {
        let id = &campaign.campaign.id;
        let device = self.device(id, &job.device).await?.ok_or_else(|| {
            StoreError::Conflict(format!(
                "unknown device {}; create a session first",
                job.device
            ))
        })?;
        let key = MemberKey {
            campaign: id.clone(),
            member: device.member.clone(),
        };
        self.run_ops(
            &campaign,
            &key,
            job.ops,
            job.actor,
            Some(&device),
            clock.now(),
        )
        .await
    }

    async fn brand(
        &self,
        campaign: Arc<PublishedCampaign>,
        job: BrandJob,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<SyncOutcome> {
        self.run_ops(
            &campaign,
            &job.key,
            vec![job.op],
            Actor::Brand,
            None,
            clock.now(),
        )
        .await
    }

    async fn export(&self, key: &MemberKey) -> StoreResult<MemberExport> {
        let client = self.client().await?;
        let rows = load_rows(&client, key, 0).await?;
        let operations = rows
            .iter()
            .map(|r| serde_json::to_value(r).expect("rows serialise"))
            .collect();
        let erased: Option<String> = client
            .query_opt(
                "SELECT erased FROM members WHERE campaign = $1 AND member = $2",
                &[&key.campaign.as_str(), &key.member],
            )
            .await?
            .and_then(|row| row.get(0));
        let log = MemberLog::replay_after_erasure(key.clone(), erased.as_deref(), rows)?;
        let devices = client
            .query("SELECT device, member, last_contact, created_at FROM devices WHERE campaign = $1 AND member = $2", &[&key.campaign.as_str(), &key.member])
            .await?
            .iter()
            .map(device_from_row)
            .collect();
        Ok(MemberExport {
            member: key.member.clone(),
            campaign: key.campaign.clone(),
            state: Arc::unwrap_or_clone(log.state),
            operations,
            devices,
        })
    }

    async fn erase(&self, key: &MemberKey, now: Timestamp) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Only what the trust rules need stays: the operation ids and the redemptions per
        // reward (`MemberState::erased`); the epoch tells other instances their copy is stale.
        let log = self.lock_member(&tx, key).await?;
        let kept = serde_json::to_string(&log.state.erased()).expect("states serialise");
        tx.execute(
            "DELETE FROM ops WHERE campaign = $1 AND member = $2",
            &[&key.campaign.as_str(), &key.member],
        )
        .await?;
        tx.execute(
            "UPDATE members SET seq = 0, erased = $3, epoch = epoch + 1 WHERE campaign = $1 AND member = $2",
            &[&key.campaign.as_str(), &key.member, &kept],
        )
        .await?;
        // The devices keep working, and keep no time of the past (see `Store::erase`).
        tx.execute(
            "UPDATE devices SET created_at = $3, last_contact = $3 WHERE campaign = $1 AND member = $2",
            &[&key.campaign.as_str(), &key.member, &now.as_millis()],
        )
        .await?;
        tx.commit().await?;
        self.members.lock().expect("member cache").pop(key);
        Ok(())
    }

    async fn member_states(
        &self,
        campaign: &PublishedCampaign,
    ) -> StoreResult<Vec<(String, MemberState)>> {
        let id = &campaign.campaign.id;
        let rows = self
            .client()
            .await?
            .query(
                "SELECT member, row FROM ops WHERE campaign = $1 ORDER BY member, seq",
                &[&id.as_str()],
            )
            .await?;
        super::states_by_member(
            id,
            rows.iter().map(|row| {
                Ok((
                    row.get::<_, String>(0),
                    serde_json::from_str(row.get::<_, &str>(1)).map_err(corrupt)?,
                ))
            }),
        )
    }

    async fn stock(&self, campaign: &CampaignId) -> StoreResult<StockTaken> {
        load_stock(&self.client().await?, campaign).await
    }
}
