//! One module per resource; each exposes `router()`. Handlers: extract → parse into core
//! types → store (which runs the core) → respond.

pub mod admin;
pub mod campaigns;
pub mod encoding;
pub mod health;
pub mod me;
pub mod sessions;
pub mod sync;

use std::sync::Arc;

use siyu_core::ids::CampaignId;

use crate::error::AppError;
use crate::store::PublishedCampaign;
use crate::AppState;

/// Parses a campaign id from a path or body.
pub fn campaign_id(text: &str) -> Result<CampaignId, AppError> {
    CampaignId::parse(text)
        .map_err(|e| AppError::bad_request("invalid_id", format!("campaign id: {e}")))
}

/// A published campaign, or 404.
pub async fn published(
    state: &AppState,
    id: &CampaignId,
) -> Result<Arc<PublishedCampaign>, AppError> {
    state
        .store
        .campaign(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no campaign \"{id}\"")))
}
