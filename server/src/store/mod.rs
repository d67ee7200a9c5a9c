//! Storage: a [`Store`] trait with a SQLite implementation (the default: one file, a single
//! writer thread with group commit) and a PostgreSQL one (several stateless instances on one
//! database, row locks and conditional updates).
//!
//! Both keep an append-only log of every operation a member sent, with its result; a member's
//! state is the fold of its accepted operations' [`Applied`] records (`MemberState::commit`), so
//! the log is the truth and any cache can be checked against it.

pub mod member_log;
pub mod postgres;
pub mod sqlite;
pub mod sqlite_alloc;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use siyu_core::ids::{CampaignId, MemberId, TenantId};
use siyu_core::op::{Actor, ClientOp, StockTaken};
use siyu_core::protocol::OpResult;
use siyu_core::{Campaign, MemberState, Timestamp};

use crate::clock::Clock;
use member_log::{LogRow, MemberLog};
use siyu_core::op::Context;

/// Why storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had.
    #[error("postgres pool: {0}")]
    Pool(String),
    /// Stored data does not decode.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The write path is gone (shutting down, or the writer crashed).
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The request conflicts with stored data (shown to the client).
    #[error("{0}")]
    Conflict(String),
}

/// A result with a [`StoreError`].
pub type StoreResult<T> = Result<T, StoreError>;

/// A brand.
#[derive(Debug, Clone)]
pub struct TenantRecord {
    /// Its id.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// SHA-256 of the admin key.
    pub admin_key_hash: Vec<u8>,
    /// Secret the brand signs member tokens with.
    pub member_secret: String,
    /// Origins allowed to create sessions (any when empty).
    pub origins: Vec<String>,
}

/// What `siyu-server tenant update` changes of a tenant; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct TenantUpdate {
    /// New allowed origins (empty: any origin).
    pub origins: Option<Vec<String>>,
    /// SHA-256 of a new admin key (the old key stops working).
    pub admin_key_hash: Option<Vec<u8>>,
}

/// A published campaign, with what `GET /v1/campaigns/{id}` serves.
#[derive(Debug, Clone)]
pub struct PublishedCampaign {
    /// The campaign.
    pub campaign: Campaign,
    /// Its published JSON.
    pub json: String,
    /// Its entity tag.
    pub etag: String,
    /// `json` compressed, made on first request.
    pub compressed: crate::routes::encoding::Compressed,
}

impl PublishedCampaign {
    /// Wraps a validated campaign.
    pub fn new(campaign: Campaign) -> Self {
        let json = serde_json::to_string(&campaign).expect("campaigns serialise");
        let etag = format!("\"{}-r{}\"", campaign.id, campaign.revision);
        Self {
            campaign,
            json,
            etag,
            compressed: Default::default(),
        }
    }
}

/// Who a member is in a campaign: an anonymous device, or the brand's member.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct MemberKey {
    /// The campaign.
    pub campaign: CampaignId,
    /// `device:<id>` or `member:<id>`.
    pub member: String,
}

impl MemberKey {
    /// An anonymous device's key.
    pub fn device(campaign: &CampaignId, device: &str) -> Self {
        Self {
            campaign: campaign.clone(),
            member: format!("device:{device}"),
        }
    }

    /// A brand member's key.
    pub fn member(campaign: &CampaignId, member: &MemberId) -> Self {
        Self {
            campaign: campaign.clone(),
            member: format!("member:{member}"),
        }
    }

    /// The member id inside the core state: the key itself when it fits an id, else a stable
    /// digest of it (a brand member id may be up to the id limit on its own).
    pub fn core_member_id(&self) -> MemberId {
        MemberId::parse(&self.member).unwrap_or_else(|_| {
            let digest = self.member.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            MemberId::parse(&format!("member:{digest:016x}")).expect("a valid id")
        })
    }
}

/// A sync to run: a device's batch for the member it acts as.
#[derive(Debug, Clone)]
pub struct SyncJob {
    /// The device sending it (its bound member, if any, is resolved by the store).
    pub device: String,
    /// The operations.
    pub ops: Vec<ClientOp>,
    /// Who sends them.
    pub actor: Actor,
}

/// A brand's credit of a purchase.
#[derive(Debug, Clone)]
pub struct BrandJob {
    /// The member credited.
    pub key: MemberKey,
    /// The operation (a credit or a correction).
    pub op: ClientOp,
}

/// What a sync gives back.
#[derive(Debug, Clone)]
pub struct SyncOutcome {
    /// One result per operation.
    pub results: Vec<OpResult>,
    /// The member's state (shared with the store's cache).
    pub state: Arc<MemberState>,
    /// Stock taken per reward (shared with the store's cache).
    pub stock_taken: Arc<StockTaken>,
    /// The member's log position.
    pub cursor: u64,
    /// The member key the device acts as.
    pub member: MemberKey,
}

/// Everything held about a member, for `GET /v1/me/export`.
#[derive(Debug, Clone, Serialize)]
pub struct MemberExport {
    /// The member.
    pub member: String,
    /// The campaign.
    pub campaign: CampaignId,
    /// Current state.
    pub state: MemberState,
    /// Every operation received, with its result.
    pub operations: Vec<serde_json::Value>,
    /// Devices acting as this member.
    pub devices: Vec<DeviceRecord>,
}

/// A device of a campaign.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceRecord {
    /// Its id.
    pub device: String,
    /// The member it acts as.
    pub member: String,
    /// Server time of its last drained sync.
    pub last_contact: Option<Timestamp>,
    /// When it was created.
    pub created_at: Timestamp,
}

impl DeviceRecord {
    /// The time trust rule 4 holds this device's offline claims to: its last drained sync
    /// or sign-in, else the session that created it. A device claims nothing from before it
    /// first reached the server; without this, a fresh anonymous session could claim any day
    /// of the grace window and hand it to a member by signing in (a missed day made up for
    /// free). The widgets open their session when they load, before anyone can act.
    pub fn earliest_claim(&self) -> Timestamp {
        self.last_contact.unwrap_or(self.created_at)
    }
}

/// The storage the server needs.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Whether the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// The secret session tokens are signed with (created on first start, shared by every
    /// instance on the same database).
    async fn server_secret(&self) -> StoreResult<Vec<u8>>;
    /// Creates a tenant; a conflict if the id exists.
    async fn create_tenant(&self, tenant: &TenantRecord) -> StoreResult<()>;
    /// A tenant.
    async fn tenant(&self, id: &TenantId) -> StoreResult<Option<TenantRecord>>;
    /// Changes a tenant's origins or admin key; a conflict if there is no such tenant.
    async fn update_tenant(&self, id: &TenantId, update: &TenantUpdate) -> StoreResult<()>;
    /// Publishes a validated campaign; a conflict if a higher revision is stored, or the same
    /// revision with other content, or the id belongs to another tenant.
    async fn publish_campaign(&self, campaign: &Campaign) -> StoreResult<Arc<PublishedCampaign>>;
    /// A published campaign.
    async fn campaign(&self, id: &CampaignId) -> StoreResult<Option<Arc<PublishedCampaign>>>;
    /// Registers a new device acting as `member`.
    async fn register_device(
        &self,
        campaign: &CampaignId,
        device: &str,
        member: &MemberKey,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// A device.
    async fn device(
        &self,
        campaign: &CampaignId,
        device: &str,
    ) -> StoreResult<Option<DeviceRecord>>;
    /// Binds a device to a brand member: the device's anonymous operations are re-applied to
    /// the member (see ARCHITECTURE.md for the merge rules) and the device acts as the member
    /// from then on.
    async fn bind_device(
        &self,
        campaign: &PublishedCampaign,
        device: &str,
        member: &MemberKey,
        clock: &dyn Clock,
    ) -> StoreResult<()>;
    /// Runs a device's batch durably: every acknowledged operation is on disk before this
    /// returns.
    async fn sync(
        &self,
        campaign: Arc<PublishedCampaign>,
        job: SyncJob,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<SyncOutcome>;
    /// Runs a brand operation for a member, durably.
    async fn brand(
        &self,
        campaign: Arc<PublishedCampaign>,
        job: BrandJob,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<SyncOutcome>;
    /// Everything about a member.
    async fn export(&self, key: &MemberKey) -> StoreResult<MemberExport>;
    /// Erases a member's operations and state, keeping only [`MemberState::erased`] (operation
    /// ids, redemptions per reward), from which its log starts again. Its devices stay bound
    /// to it, so the customer's phone keeps working, but keep no time of their own: created
    /// and last seen `now`, the erasure (which still holds their claims to trust rule 4).
    /// Idempotent.
    async fn erase(&self, key: &MemberKey, now: Timestamp) -> StoreResult<()>;
    /// Every member's state in a campaign (for stats and the CRM export).
    async fn member_states(
        &self,
        campaign: &PublishedCampaign,
    ) -> StoreResult<Vec<(String, MemberState)>>;
    /// Stock taken per reward.
    async fn stock(&self, campaign: &CampaignId) -> StoreResult<StockTaken>;
}

/// Whether a member key is an anonymous device.
pub fn is_anonymous(key: &MemberKey) -> bool {
    key.member.starts_with("device:")
}

/// Re-applies an anonymous device's accepted operations to a member when the device binds:
/// in their original order and with their original server time, so points and streaks are
/// earned by the same rules. A redemption is kept whatever the member's per-person limit or
/// the stock say (`handed_over`): the reward was given. What the member's state refuses — a
/// day it already checked in, a second quiz, or a redemption its points no longer cover
/// because what earned them was such a duplicate — is dropped.
pub fn merge_rows(campaign: &Campaign, target: &mut MemberLog, rows: &[LogRow]) -> Vec<LogRow> {
    let no_stock = StockTaken::new();
    let mut merged = Vec::new();
    for row in rows.iter().filter(|r| r.applied.is_some()) {
        if target.has_seen(&row.op.id) {
            continue;
        }
        let ctx = Context {
            now: row.received_at,
            actor: Actor::Customer,
            last_contact: None,
            stock_taken: &no_stock,
            handed_over: true,
        };
        let decided = target.decide(campaign, row.op.clone(), &ctx);
        if decided.applied.is_some() {
            merged.extend(
                target
                    .record(decided, row.received_at, row.device.as_deref())
                    .1,
            );
        }
    }
    merged
}

/// Folds log rows, ordered by member then sequence, into each member's state.
pub fn states_by_member(
    campaign: &CampaignId,
    rows: impl IntoIterator<Item = StoreResult<(String, LogRow)>>,
) -> StoreResult<Vec<(String, MemberState)>> {
    let mut grouped: Vec<(String, Vec<LogRow>)> = Vec::new();
    for row in rows {
        let (member, row) = row?;
        match grouped.last_mut() {
            Some((m, rows)) if *m == member => rows.push(row),
            _ => grouped.push((member, vec![row])),
        }
    }
    grouped
        .into_iter()
        .map(|(member, rows)| {
            let key = MemberKey {
                campaign: campaign.clone(),
                member: member.clone(),
            };
            Ok((
                member,
                Arc::unwrap_or_clone(MemberLog::replay(key, rows)?.state),
            ))
        })
        .collect()
}

/// Published campaigns kept in memory: every sync and session needs its campaign.
#[derive(Debug, Default)]
pub struct CampaignCache(
    std::sync::RwLock<std::collections::HashMap<CampaignId, Arc<PublishedCampaign>>>,
);

impl CampaignCache {
    /// The cached campaign.
    pub fn get(&self, id: &CampaignId) -> Option<Arc<PublishedCampaign>> {
        self.0.read().expect("campaign cache").get(id).cloned()
    }

    /// Caches a published campaign (replacing an older revision).
    pub fn put(&self, published: Arc<PublishedCampaign>) {
        self.0
            .write()
            .expect("campaign cache")
            .insert(published.campaign.id.clone(), published);
    }

    /// Forgets every cached campaign (another process may have published).
    pub fn clear(&self) {
        self.0.write().expect("campaign cache").clear();
    }

    /// Parses a stored campaign document and caches it.
    pub fn load(&self, body: &str) -> StoreResult<Arc<PublishedCampaign>> {
        let campaign = Campaign::parse(body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let published = Arc::new(PublishedCampaign::new(campaign));
        self.put(published.clone());
        Ok(published)
    }
}
