//! The PostgreSQL store (scale-out: several stateless instances on one database). Filled in
//! below the SQLite store.

use std::sync::Arc;

use async_trait::async_trait;
use siyu_core::ids::{CampaignId, TenantId};
use siyu_core::op::StockTaken;
use siyu_core::{Campaign, MemberState, Timestamp};

use super::{
    BrandJob, DeviceRecord, MemberExport, MemberKey, PublishedCampaign, Store, StoreError,
    StoreResult, SyncJob, SyncOutcome, TenantRecord,
};
use crate::clock::Clock;

/// The PostgreSQL store.
#[derive(Debug)]
pub struct PostgresStore;

impl PostgresStore {
    /// Connects and runs migrations.
    pub async fn connect(_url: &str) -> StoreResult<Self> {
        Err(StoreError::Unavailable(
            "postgres support is being written".into(),
        ))
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        unimplemented!()
    }
    async fn server_secret(&self) -> StoreResult<Vec<u8>> {
        unimplemented!()
    }
    async fn create_tenant(&self, _: &TenantRecord) -> StoreResult<()> {
        unimplemented!()
    }
    async fn tenant(&self, _: &TenantId) -> StoreResult<Option<TenantRecord>> {
        unimplemented!()
    }
    async fn publish_campaign(&self, _: &Campaign) -> StoreResult<Arc<PublishedCampaign>> {
        unimplemented!()
    }
    async fn campaign(&self, _: &CampaignId) -> StoreResult<Option<Arc<PublishedCampaign>>> {
        unimplemented!()
    }
    async fn register_device(
        &self,
        _: &CampaignId,
        _: &str,
        _: &MemberKey,
        _: Timestamp,
    ) -> StoreResult<()> {
        unimplemented!()
    }
    async fn device(&self, _: &CampaignId, _: &str) -> StoreResult<Option<DeviceRecord>> {
        unimplemented!()
    }
    async fn bind_device(
        &self,
        _: &PublishedCampaign,
        _: &str,
        _: &MemberKey,
        _: &dyn Clock,
    ) -> StoreResult<()> {
        unimplemented!()
    }
    async fn sync(
        &self,
        _: Arc<PublishedCampaign>,
        _: SyncJob,
        _: Arc<dyn Clock>,
    ) -> StoreResult<SyncOutcome> {
        unimplemented!()
    }
    async fn brand(
        &self,
        _: Arc<PublishedCampaign>,
        _: BrandJob,
        _: Arc<dyn Clock>,
    ) -> StoreResult<SyncOutcome> {
        unimplemented!()
    }
    async fn export(&self, _: &MemberKey) -> StoreResult<MemberExport> {
        unimplemented!()
    }
    async fn erase(&self, _: &MemberKey) -> StoreResult<()> {
        unimplemented!()
    }
    async fn member_states(
        &self,
        _: &PublishedCampaign,
    ) -> StoreResult<Vec<(String, MemberState)>> {
        unimplemented!()
    }
    async fn stock(&self, _: &CampaignId) -> StoreResult<StockTaken> {
        unimplemented!()
    }
}
