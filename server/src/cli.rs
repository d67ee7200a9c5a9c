//! The `siyu-server` command line: `serve`, `tenant create` / `update`, `campaign publish`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use axum::serve::ListenerExt as _;
use clap::{Parser, Subcommand, ValueEnum};
use siyu_core::ids::TenantId;

use crate::clock::{Clock, SystemClock};
use crate::limits::{RateLimitConfig, RateLimits};
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, TenantRecord, TenantUpdate};
use crate::{app, auth, AppState};

/// Siyu's storage and sync endpoint.
#[derive(Debug, Parser)]
#[command(
    name = "siyu-server",
    version,
    about,
    long_about = "Siyu's storage and sync endpoint: one binary, a SQLite file by default, PostgreSQL when one machine is not enough.\n\nStart with `siyu-server tenant create <id>`, publish a campaign with `siyu-server campaign publish <file.json>`, then `siyu-server serve`."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct DbArgs {
    /// Where data lives: `sqlite://<file>` (`serve` and `tenant create` create it if missing) or `postgres://user:pass@host/db`.
    #[arg(long, env = "SIYU_DB", default_value = "sqlite://siyu.db")]
    db: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (and the built demo site, when present).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on; port 0 picks a free port (printed on start).
        #[arg(long, env = "SIYU_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Static files to serve at `/` (the Trunk-built demo), if the folder exists.
        #[arg(long, env = "SIYU_WWW", default_value = "www/dist")]
        www: PathBuf,
        /// Syncs per second allowed per device (burst: twice that; at least 1).
        #[arg(long, env = "SIYU_SYNC_RATE", default_value_t = RateLimitConfig::default().sync_per_device, value_parser = clap::value_parser!(u32).range(1..))]
        sync_rate: u32,
        /// New sessions per second allowed per client address (burst: twice that; at least 1).
        #[arg(long, env = "SIYU_SESSION_RATE", default_value_t = RateLimitConfig::default().sessions_per_address, value_parser = clap::value_parser!(u32).range(1..))]
        session_rate: u32,
        /// Log format.
        #[arg(long, env = "SIYU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Manage tenants (brands).
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage campaigns.
    Campaign {
        #[command(subcommand)]
        command: CampaignCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant; prints its admin key (shown once, stored hashed) and its member-token
    /// secret as JSON.
    Create {
        /// The tenant id (letters, digits, `_ - . :`), e.g. `glow`.
        id: String,
        /// Display name (defaults to the id).
        #[arg(long)]
        name: Option<String>,
        /// An origin allowed to embed this tenant's widgets (repeatable; any origin if none):
        /// `scheme://host[:port]` as a browser sends it, with scheme http or https, e.g.
        /// `https://shop.example`. A trailing `/` is dropped, the scheme and host are
        /// lower-cased and the scheme's default port dropped; a path, query, fragment or user
        /// name is refused.
        #[arg(long = "origin", value_parser = parse_origin)]
        origins: Vec<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Change a tenant: replace the origins allowed to embed its widgets, or issue a new admin
    /// key (printed once; the old key stops working). Takes effect in running servers too.
    #[command(group = clap::ArgGroup::new("change").required(true).multiple(true))]
    Update {
        /// The tenant id.
        id: String,
        /// An origin allowed to embed this tenant's widgets (repeatable; replaces the list),
        /// written as for `tenant create`.
        #[arg(long = "origin", value_parser = parse_origin, group = "change", conflicts_with = "any_origin")]
        origins: Vec<String>,
        /// Let any origin embed this tenant's widgets (clears the list).
        #[arg(long, group = "change")]
        any_origin: bool,
        /// Issue a new admin key, printed once; the old key stops working.
        #[arg(long, group = "change")]
        rotate_admin_key: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
enum CampaignCommand {
    /// Validate a campaign document and publish it; every problem is listed when invalid.
    Publish {
        /// The campaign JSON file.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// How logs are written.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// An origin as browsers send it in `Origin`, which is what a session's origin is compared
/// with: `scheme://host[:port]`, lower case, without the scheme's default port or a trailing
/// slash. Anything else would never match a browser's request, so it is refused with why.
pub fn parse_origin(text: &str) -> Result<String, String> {
    let explain = |why: &str| {
        format!("\"{text}\" is not an origin: {why}; write scheme://host[:port], e.g. https://shop.example")
    };
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| explain("it has no scheme:// (http:// or https://)"))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return Err(explain("the scheme must be http or https")),
    };
    // The one thing people add that a browser never sends; dropped rather than refused.
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#']) {
        return Err(explain("an origin has no path, query or fragment"));
    }
    if rest.contains('@') {
        return Err(explain("an origin has no user name or password"));
    }
    let (host, port) = match rest.strip_prefix('[') {
        // An IPv6 address: `[::1]` or `[::1]:8080`.
        Some(v6) => {
            let (address, after) = v6
                .split_once(']')
                .ok_or_else(|| explain("the IPv6 address has no closing ]"))?;
            if address.is_empty()
                || !address
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            {
                return Err(explain("the IPv6 address is not valid"));
            }
            let port = match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| explain("only :port may follow the host"))?,
                ),
            };
            (format!("[{address}]"), port)
        }
        None => {
            let (host, port) = match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            };
            let label_ok = |label: &str| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            };
            if host.is_empty() {
                return Err(explain("it has no host"));
            }
            if !host.split('.').all(label_ok) {
                return Err(explain(
                    "the host may hold only letters, digits, - and . between labels",
                ));
            }
            (host.to_ascii_lowercase(), port)
        }
    };
    let port = match port {
        None => None,
        // Digits only: `parse` would also take a sign.
        Some(port) => match port.parse::<u16>() {
            Ok(number) if number > 0 && port.bytes().all(|b| b.is_ascii_digit()) => Some(number),
            _ => return Err(explain("the port must be a number from 1 to 65535")),
        },
    };
    Ok(match port {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// Opens the store a `--db` URL names.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.to_owned();
        let store = tokio::task::spawn_blocking(move || SqliteStore::open(path)).await??;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        anyhow::bail!("--db must start with sqlite:// or postgres:// (got \"{url}\")")
    }
}

/// Every few seconds, drops the rate-limit entries of devices and addresses that are idle.
async fn forget_idle_limits(limits: Arc<RateLimits>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(10));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        limits.forget_idle();
    }
}

/// Opens the store of a command that only changes what is there (`tenant update`, `campaign
/// publish`): a SQLite file that does not exist is a mistyped `--db`, not a database to create
/// (it was created, empty, and the command then said the tenant did not exist).
async fn open_existing_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if !std::path::Path::new(path).exists() {
            anyhow::bail!(
                "there is no database at {path}: check --db (`siyu-server tenant create <id> --db {url}` creates one)"
            );
        }
    }
    open_store(url).await
}

/// Runs the command line.
pub async fn main() -> anyhow::Result<()> {
    run(Cli::parse(), Arc::new(SystemClock), axum::Router::new()).await
}

/// Runs a parsed command line. `serve` answers with `clock`'s time and also serves `extra`
/// (outside the API's layers). `siyu-server` passes the system clock and nothing extra; only
/// the end-to-end tests' server (`examples/e2e_server.rs`) passes anything else.
pub async fn run(cli: Cli, clock: Arc<dyn Clock>, extra: axum::Router) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            www,
            sync_rate,
            session_rate,
            log_format,
        } => {
            init_tracing(log_format);
            let store = open_store(&db.db).await?;
            let limits = RateLimits::new(RateLimitConfig {
                sync_per_device: sync_rate,
                sessions_per_address: session_rate,
            });
            let state = AppState::new(store, clock, limits).await?;
            tokio::spawn(forget_idle_limits(Arc::clone(&state.limits)));
            crate::routes::health::prometheus();
            let www = www.is_dir().then_some(www);
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let address = listener.local_addr()?;
            // Tests and scripts read this line to find the port.
            println!("listening on http://{address}");
            if let Some(dir) = &www {
                tracing::info!(dir = %dir.display(), "serving static files at /");
            }
            tracing::info!(%address, "listening");
            let service = app(state, www)
                .merge(extra)
                .into_make_service_with_connect_info::<SocketAddr>();
            // No Nagle: a compressed or streamed answer goes out in several writes, and a small
            // write behind an unacknowledged one would wait for the peer's delayed ACK (40 ms).
            let listener = listener.tap_io(|stream| {
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                }
            });
            // Graceful: on SIGINT/SIGTERM stop accepting, finish in-flight requests, then exit.
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown_signal())
                .await?;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Tenant {
            command:
                TenantCommand::Create {
                    id,
                    name,
                    origins,
                    db,
                },
        } => {
            let id = TenantId::parse(&id).map_err(|e| anyhow::anyhow!("tenant id: {e}"))?;
            let store = open_store(&db.db).await?;
            let (admin_key, admin_key_hash) = auth::new_admin_key(&id);
            let member_secret = auth::random_secret(32);
            let tenant = TenantRecord {
                id: id.clone(),
                name: name.unwrap_or_else(|| id.to_string()),
                admin_key_hash,
                member_secret: member_secret.clone(),
                origins,
            };
            store.create_tenant(&tenant).await?;
            println!(
                "{}",
                serde_json::json!({"tenant": id, "admin_key": admin_key, "member_secret": member_secret})
            );
            eprintln!(
                "Keep the admin key safe: it is shown only this once (the server stores its hash)."
            );
            Ok(())
        }
        Command::Tenant {
            command:
                TenantCommand::Update {
                    id,
                    origins,
                    any_origin,
                    rotate_admin_key,
                    db,
                },
        } => {
            let id = TenantId::parse(&id).map_err(|e| anyhow::anyhow!("tenant id: {e}"))?;
            let store = open_existing_store(&db.db).await?;
            let new_key = rotate_admin_key.then(|| auth::new_admin_key(&id));
            let update = TenantUpdate {
                origins: (any_origin || !origins.is_empty()).then(|| origins.clone()),
                admin_key_hash: new_key.as_ref().map(|(_, hash)| hash.clone()),
            };
            store.update_tenant(&id, &update).await?;
            let mut answer = serde_json::json!({"tenant": id});
            if let Some(origins) = &update.origins {
                answer["origins"] = serde_json::json!(origins);
            }
            if let Some((key, _)) = &new_key {
                answer["admin_key"] = serde_json::json!(key);
            }
            println!("{answer}");
            if new_key.is_some() {
                eprintln!(
                    "Keep the new admin key safe: it is shown only this once; the old one no longer works."
                );
            }
            Ok(())
        }
        Command::Campaign {
            command: CampaignCommand::Publish { file, db },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            // Every problem on its own line, then a refusal.
            let refuse = |what: &str, problems: &[siyu_core::campaign::Problem]| {
                eprintln!("{} {what} ({} problem(s)):", file.display(), problems.len());
                for problem in problems {
                    eprintln!("  {problem}");
                }
                anyhow::anyhow!("campaign not published")
            };
            let campaign = match siyu_core::Campaign::parse(&text) {
                Ok(campaign) => campaign,
                Err(siyu_core::campaign::CampaignError::Invalid(problems)) => {
                    return Err(refuse("is not valid", &problems));
                }
                Err(siyu_core::campaign::CampaignError::Malformed(message)) => {
                    match crate::campaign_shape::shape_problems(&text) {
                        Some(problems) if !problems.is_empty() => {
                            return Err(refuse(
                                "is not of the campaign's shape (its rules are checked once it reads)",
                                &problems,
                            ));
                        }
                        _ => anyhow::bail!("{}: {message}", file.display()),
                    }
                }
                Err(other) => anyhow::bail!("{}: {other}", file.display()),
            };
            let store = open_existing_store(&db.db).await?;
            let published = store.publish_campaign(&campaign).await?;
            println!(
                "{}",
                serde_json::json!({"id": published.campaign.id, "revision": published.campaign.revision})
            );
            Ok(())
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    // Colour only for a person at a terminal: escape codes in a log file or a collector are
    // noise.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = interrupt => {}, () = terminate => {} }
}
