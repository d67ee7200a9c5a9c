//! Load generator for `cargo xtask bench server`: N concurrent virtual clients on loopback,
//! each check-in from a distinct member (a fresh device session), against a running server.
//! Prints one JSON line: throughput, p50/p99 latency, errors.
//!
//! `cargo run --release -p siyu-server --example loadgen -- --base http://127.0.0.1:8080 --clients 64`
//!
//! The generator shares the machine's two cores with the server, so every CPU cycle it spends
//! is taken from what it measures. Sessions are prepared with `reqwest` before the clock
//! starts; the measured check-ins use one keep-alive HTTP/1.1 connection per virtual client
//! with the request written directly and the answer read with `httparse`, the way `wrk` or
//! `pgbench` keep their own cost small. Every answer is still checked: status 200 and the
//! operation's result `accepted`. Requests carry a browser's `Accept-Encoding`.

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use clap::Parser;
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
    /// Seconds of the same load before the measured seconds, not counted: connections,
    /// caches and the write-ahead log reach their steady state, as a server's would long
    /// before a campaign's peak.
    #[arg(long, default_value_t = 1)]
    warmup_seconds: u64,
    /// Seconds to wait after preparing the sessions, so that the server has written them
    /// out (checkpointed its log) before the load starts.
    #[arg(long, default_value_t = 2)]
    settle_seconds: u64,
    /// Sessions (distinct members) to prepare; the run stops early if they run out.
    #[arg(long, default_value_t = 100_000)]
    sessions: usize,
    /// The campaign.
    #[arg(long, default_value = "glow-skin")]
    campaign: String,
    /// Also print, to standard error, the answers per window of this many milliseconds with
    /// their p50 and p99 (by the time each request was sent): whether the tail is spread over
    /// the run or comes in bursts.
    #[arg(long)]
    timeline_ms: Option<u64>,
    /// Offered load in check-ins per second, spread evenly over the clients (each sends on a
    /// fixed schedule, as people do, rather than as soon as its last answer came). Latency
    /// is counted from when a request was due, so an answer that held up the next request is
    /// charged to both (no coordinated omission, as in `wrk2`). Without it every client sends
    /// again at once: the server's greatest throughput.
    #[arg(long)]
    rate: Option<f64>,
}

/// What every browser sends: the server must not answer a sync with a compressed body that
/// costs more CPU than the sync (it did, unseen, while this generator sent no such header).
/// A compressed answer comes without `content-length` and counts as an error here.
const BROWSERS_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// What one virtual client saw.
#[derive(Debug, Default)]
struct Tally {
    /// (when the request was sent, counted from the start; how long its answer took)
    latencies: Vec<(Duration, Duration)>,
    errors: usize,
    rejected: usize,
}

/// When the clients send, and which of their answers count.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// The load starts, warm-up first.
    started: Instant,
    /// Answers to requests sent from here on are measured.
    measured_from: Instant,
    /// No request is sent from here on.
    deadline: Instant,
}

/// When a paced client sends: first at `first` after the start, then every `every`.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    first: Duration,
    every: Duration,
}

/// One virtual client: a connection, then check-ins from fresh members until the deadline
/// (a failed connection is counted as an error and reopened).
async fn client(
    address: &str,
    campaign: &str,
    sessions: &[String],
    next: &AtomicUsize,
    mut connection: Option<Connection>,
    window: Window,
    schedule: Option<Schedule>,
) -> Tally {
    let Window {
        started,
        measured_from,
        deadline,
    } = window;
    let mut tally = Tally::default();
    let mut request = Vec::with_capacity(1024);
    let mut due = schedule.map(|s| started + s.first);
    while Instant::now() < deadline {
        if let Some(at) = due {
            if at >= deadline {
                break;
            }
            tokio::time::sleep_until(at.into()).await;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(token) = sessions.get(i) else { break };
        let body = format!(
            r#"{{"version":1,"campaign":"{campaign}","ops":[{{"id":"checkin","occurred_at":{},"op":{{"type":"checkin"}}}}]}}"#,
            now_ms()
        );
        request.clear();
        write!(
            request,
            "POST /v1/sync HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\naccept-encoding: {BROWSERS_ACCEPT_ENCODING}\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("writing to a Vec");
        // Paced, a request counts from when it was due, even if it went out late.
        let sent = due.unwrap_or_else(Instant::now);
        if let (Some(at), Some(s)) = (due.as_mut(), schedule) {
            *at += s.every;
        }
        let answer = match connection.as_mut() {
            Some(c) => c.exchange(&request).await,
            None => match Connection::open(address).await {
                Ok(opened) => connection.insert(opened).exchange(&request).await,
                Err(e) => Err(e),
            },
        };
        match answer {
            Ok((200, _)) if sent < measured_from => {}
            Ok((200, accepted)) => {
                tally.latencies.push((sent - measured_from, sent.elapsed()));
                if !accepted {
                    tally.rejected += 1;
                }
            }
            Ok(_) => tally.errors += 1,
            Err(_) => {
                tally.errors += 1;
                connection = None;
            }
        }
    }
    tally
}

/// Answers per window of send time, with the window's p50 and p99, to standard error.
fn print_timeline(latencies: &[(Duration, Duration)], window: Duration) {
    let mut windows: Vec<Vec<Duration>> = Vec::new();
    for &(sent, took) in latencies {
        let index = (sent.as_nanos() / window.as_nanos()) as usize;
        if windows.len() <= index {
            windows.resize_with(index + 1, Vec::new);
        }
        windows[index].push(took);
    }
    for (index, mut took) in windows.into_iter().enumerate() {
        took.sort();
        eprintln!(
            "{:>6} ms  {:>6} answers  p50 {:>6.1} ms  p99 {:>6.1} ms  max {:>6.1} ms",
            index as u128 * window.as_millis(),
            took.len(),
            percentile_ms(&took, 0.5),
            percentile_ms(&took, 0.99),
            percentile_ms(&took, 1.0)
        );
    }
}

/// The `p` quantile of `sorted` latencies, in milliseconds (0 when there are none).
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1_000.0)
}

/// Whether the answer's first per-operation result is `accepted` (the results come first).
fn first_result_accepted(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let Some(results) = text.find(r#""results":[{"#) else {
        return false;
    };
    text[results..]
        .find(r#""status":""#)
        .is_some_and(|at| text[results + at..].starts_with(r#""status":"accepted""#))
}

/// A keep-alive HTTP/1.1 connection.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(address: &str) -> std::io::Result<Self> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buffer: Vec::with_capacity(8192),
        })
    }

    /// Sends one request and reads its answer: the status, and whether its first operation
    /// was accepted (checked where the body lies, without copying it).
    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<(u16, bool)> {
        self.stream.write_all(request).await?;
        self.buffer.clear();
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            let parsed = response
                .parse(&self.buffer)
                .map_err(std::io::Error::other)?;
            if let httparse::Status::Complete(head) = parsed {
                let status = response.code.unwrap_or(0);
                let length = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok())
                    .ok_or_else(|| std::io::Error::other("an answer without content-length"))?;
                while self.buffer.len() < head + length {
                    self.read_more().await?;
                }
                let accepted = first_result_accepted(&self.buffer[head..head + length]);
                return Ok((status, accepted));
            }
            self.read_more().await?;
        }
    }

    async fn read_more(&mut self) -> std::io::Result<()> {
        self.buffer.reserve(8192);
        if self.stream.read_buf(&mut self.buffer).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(rate) = args.rate {
        anyhow::ensure!(
            rate.is_finite() && rate > 0.0,
            "--rate is check-ins per second: a positive number"
        );
    }
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
    let address = args
        .base
        .strip_prefix("http://")
        .context("--base must be http://host:port")?
        .trim_end_matches('/')
        .to_owned();
    // Connections are opened before the clock starts: what is measured is check-ins, not the
    // kernel's accept queue filling up when hundreds of clients connect in the same instant.
    let connections: Vec<Option<Connection>> = stream::iter(0..args.clients)
        .map(|_| {
            let address = address.clone();
            async move { Connection::open(&address).await.ok() }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    tokio::time::sleep(Duration::from_secs(args.settle_seconds)).await;
    let started = Instant::now();
    let measured_from = started + Duration::from_secs(args.warmup_seconds);
    let window = Window {
        started,
        measured_from,
        deadline: measured_from + Duration::from_secs(args.seconds),
    };
    // Paced clients are staggered evenly over one period, so the load arrives smoothly.
    let every = args
        .rate
        .map(|rate| Duration::from_secs_f64(args.clients as f64 / rate));
    let workers = connections.into_iter().enumerate().map(|(i, connection)| {
        let schedule = every.map(|every| Schedule {
            first: every.mul_f64(i as f64 / args.clients as f64),
            every,
        });
        let (address, campaign, sessions, next) = (
            address.clone(),
            args.campaign.clone(),
            sessions.clone(),
            next.clone(),
        );
        tokio::spawn(async move {
            client(
                &address, &campaign, &sessions, &next, connection, window, schedule,
            )
            .await
        })
    });
    let mut latencies = Vec::new();
    let (mut errors, mut rejected) = (0, 0);
    for worker in workers.collect::<Vec<_>>() {
        let tally = worker.await?;
        latencies.extend(tally.latencies);
        errors += tally.errors;
        rejected += tally.rejected;
    }
    let elapsed = measured_from.elapsed().as_secs_f64();
    if let Some(window_ms) = args.timeline_ms {
        print_timeline(&latencies, Duration::from_millis(window_ms.max(1)));
    }
    let mut latencies: Vec<Duration> = latencies.into_iter().map(|(_, took)| took).collect();
    latencies.sort();
    let percentile = |p: f64| percentile_ms(&latencies, p);
    let report = json!({
        "clients": args.clients,
        "offered_per_second": args.rate,
        "ops": latencies.len(),
        "seconds": elapsed,
        "ops_per_second": latencies.len() as f64 / elapsed,
        "p50_ms": percentile(0.50),
        "p90_ms": percentile(0.90),
        "p99_ms": percentile(0.99),
        "p999_ms": percentile(0.999),
        "max_ms": percentile(1.0),
        "errors": errors,
        "rejected": rejected,
        "ran_out_of_sessions": next.load(Ordering::Relaxed) >= sessions.len(),
    });
    println!("{report}");
    Ok(())
}
