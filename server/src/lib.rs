//! Siyu's storage and sync endpoint: authenticates, re-runs every client operation through
//! `siyu-core` with the server's clock and the stored state, stores the result durably, and
//! answers with the truth. `main.rs` is a shim over [`cli::main`]; tests build the same
//! [`app`].

pub mod auth;
pub mod campaign_shape;
pub mod cli;
pub mod clock;
pub mod error;
pub mod limits;
pub mod openapi;
pub mod routes;
pub mod static_files;
pub mod stats;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method};
use axum::Router;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::limits::RateLimits;
use crate::store::Store;

/// The largest request body accepted.
pub const REQUEST_BODY_BYTES_MAX: usize = 256 * 1024;
/// How long a request may take before it is answered with 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// What every handler shares. axum clones it for every request (and each layer that reads
/// it), so it is one shared pointer: one reference count to touch, not one per field.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
#[derive(Debug)]
pub struct Shared {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// The server's clock.
    pub clock: Arc<dyn Clock>,
    /// The key session tokens are signed with (from the store's server secret).
    pub session_key: auth::SessionKey,
    /// Per-device and per-address limits.
    pub limits: Arc<RateLimits>,
}

impl AppState {
    /// State over a store, reading the session secret from it.
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        limits: RateLimits,
    ) -> anyhow::Result<Self> {
        let session_key = auth::SessionKey::new(&store.server_secret().await?);
        Ok(Self(Arc::new(Shared {
            store,
            clock,
            session_key,
            limits: Arc::new(limits),
        })))
    }
}

/// The whole HTTP application; `www` is served as static files when given (the built demo).
pub fn app(state: AppState, www: Option<PathBuf>) -> Router {
    let api = Router::new()
        .merge(routes::campaigns::router())
        .merge(routes::sessions::router())
        .merge(routes::sync::router())
        .merge(routes::me::router())
        .merge(routes::admin::router())
        .merge(routes::health::router())
        .merge(openapi::router())
        .with_state(state);
    let router = match www {
        Some(dir) => api.fallback_service(static_files::service(&dir)),
        None => api,
    };
    // Layers run outside-in in the order listed last-to-first: trace sees everything (also
    // timeouts and rejections); every error answer made below it (no route, wrong method, an
    // extractor's 413, the timeout's 408) is turned into our JSON shape; the timeout bounds
    // all work below it; CORS answers preflights before any handler; compression wraps the
    // final bodies; the body limit makes extractors refuse oversized bodies with 413.
    router
        .layer(DefaultBodyLimit::max(REQUEST_BODY_BYTES_MAX))
        .layer(CompressionLayer::new().compress_when(worth_compressing()))
        .layer(cors())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(TraceLayer::new_for_http())
}

/// Answers smaller than this are sent as they are. One that fits in TCP's first flight (an
/// initial window of 10 segments, ~14 KB, less the headers) arrives no sooner compressed,
/// and compressing costs far more than answering: callgrind counted a check-in's sync at
/// 185 k instructions sent plain, 0.82 M gzipped and 1.34 M as brotli (every browser accepts
/// both). Larger answers (a long history, a campaign, a CSV export) are still compressed; the
/// site's files come precompressed from the build (`static_files.rs`).
pub const COMPRESS_ABOVE_BYTES: u16 = 12 * 1024;

/// tower-http's default predicate with [`COMPRESS_ABOVE_BYTES`] instead of its 32 bytes.
fn worth_compressing() -> impl Predicate {
    SizeAbove::new(COMPRESS_ABOVE_BYTES)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
}

/// Widgets are embedded on any landing page, so any origin may call the API from a browser;
/// which origins may *create sessions* for a tenant is checked per tenant in the handler.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}
