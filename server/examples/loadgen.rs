//! Load generator for `cargo xtask bench server`: N concurrent virtual clients on loopback,
//! each check-in from a distinct member (a fresh device session), against a running server.
//! Prints one JSON line: throughput, p50/p99 latency, errors.
//!
//! `cargo run --release -p siyu-server --example loadgen -- --base http://127.0.0.1:8080 --clients 64`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};

#[derive(Debug, Parser)]
struct Args {
    /// The server.
    #[arg(long)]
    base: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Sessions (distinct members) to prepare; the run stops early if they run out.
    #[arg(long, default_value_t = 100_000)]
    sessions: usize,
    /// The campaign.
    #[arg(long, default_value = "glow-skin")]
    campaign: String,
}

/// The part of a sync answer the generator checks.
#[derive(serde::Deserialize)]
struct Answer {
    results: Vec<OpAnswer>,
}

#[derive(serde::Deserialize)]
struct OpAnswer {
    status: String,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients * 2)
        .timeout(Duration::from_secs(30))
        .build()?;
    let prepared = Instant::now();
    let sessions: Vec<String> = stream::iter(0..args.sessions)
        .map(|_| {
            let (http, base, campaign) = (http.clone(), args.base.clone(), args.campaign.clone());
            async move {
                let response = http
                    .post(format!("{base}/v1/sessions"))
                    .json(&json!({"campaign": campaign}))
                    .send()
                    .await
                    .ok()?;
                let body: Value = response.json().await.ok()?;
                body["token"].as_str().map(str::to_owned)
            }
        })
        .buffer_unordered(64)
        .filter_map(|token| async move { token })
        .collect()
        .await;
    eprintln!(
        "prepared {} sessions in {:.1} s",
        sessions.len(),
        prepared.elapsed().as_secs_f64()
    );

    let sessions = Arc::new(sessions);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let workers = (0..args.clients).map(|_| {
        let (http, base, campaign, sessions, next) = (http.clone(), args.base.clone(), args.campaign.clone(), sessions.clone(), next.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut rejected) = (0usize, 0usize);
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(token) = sessions.get(i) else { break };
                let body = json!({"version": 1, "campaign": campaign, "ops": [{"id": "checkin", "occurred_at": now_ms(), "op": {"type": "checkin"}}]});
                let sent = Instant::now();
                match http.post(format!("{base}/v1/sync")).bearer_auth(token).json(&body).send().await {
                    Ok(response) if response.status().is_success() => {
                        // Only the per-op status is read: the generator's own CPU is shared with
                        // the server on this machine, so it skips building the state it ignores.
                        let answer: Option<Answer> = response.bytes().await.ok().and_then(|b| serde_json::from_slice(&b).ok());
                        latencies.push(sent.elapsed());
                        if answer.and_then(|a| a.results.into_iter().next()).is_none_or(|r| r.status != "accepted") {
                            rejected += 1;
                        }
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors, rejected)
        })
    });
    let mut latencies = Vec::new();
    let (mut errors, mut rejected) = (0, 0);
    for worker in workers.collect::<Vec<_>>() {
        let (l, e, r) = worker.await?;
        latencies.extend(l);
        errors += e;
        rejected += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1_000.0)
    };
    let report = json!({
        "clients": args.clients,
        "ops": latencies.len(),
        "seconds": elapsed,
        "ops_per_second": latencies.len() as f64 / elapsed,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "errors": errors,
        "rejected": rejected,
        "ran_out_of_sessions": next.load(Ordering::Relaxed) >= sessions.len(),
    });
    println!("{report}");
    Ok(())
}
