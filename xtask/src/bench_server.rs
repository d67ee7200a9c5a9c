//! `cargo xtask bench server`: check-in throughput and latency of the real server on a durable
//! SQLite file, at 64 and 512 concurrent clients (each a distinct member), against the same
//! check-in transaction written directly for PostgreSQL and run by `pgbench`, in the same run:
//! first closed-loop clients (the greatest throughput), then `pgbench`, then clients paced at
//! 2× and 3× the `pgbench` figure (the latency at the target's load).
//! Writes `target/bench/server.json` and prints the tables.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};
use siyu_tests::pg_cluster;

use crate::exec;

/// Client counts measured.
const CLIENT_COUNTS: [usize; 2] = [64, 512];
/// Seconds of load per measurement (after [`WARMUP_SECONDS`]).
const SECONDS: u64 = 5;
/// Seconds of the same load before each measurement, not counted (the load generator's
/// `--warmup-seconds`).
const WARMUP_SECONDS: u64 = 1;
/// The paced measurements' offered loads, as multiples of the check-ins per second `pgbench`
/// reached for the same transaction at the same client count in this run: the target reads
/// "at least 2× the PostgreSQL figure, with p99 ≤ 25 ms", and 3× is the stretch it names.
/// Closed-loop clients cannot show latency at a given throughput: 512 of them resending at
/// once keep 512 requests in flight, so by Little's law their mean latency is
/// 512 / throughput whatever the server does (30,000/s → 17 ms; 10,000/s → 51 ms). Paced
/// clients send on a schedule, as people do, and show the latency a given load meets. Tied
/// to this run's pgbench rather than to a fixed rate, the reading follows the machine: on
/// 2026-12-05 this machine ran pgbench at 967–1,883 transactions/s, where the issue saw
/// ~9,000, and a fixed 18,000/s was beyond what any server here could answer.
const PACED_MULTIPLES: [f64; 2] = [2.0, 3.0];
/// The latency target: p99 at most this, in ms.
const P99_TARGET_MS: f64 = 25.0;
/// Runs per measurement. On two cores shared by the server and its load generator, one run's
/// throughput and p99 swing by 10–15% from the next; the table shows each figure's median
/// over the runs, with every run's p99 beside it, and `server.json` keeps every run.
const RUNS: usize = 3;

/// The check-in transaction, written directly against PostgreSQL: insert the day's check-in,
/// append the ledger entry, update the balance.
const PGBENCH_SCHEMA: &str = "
DROP TABLE IF EXISTS checkins, ledger, balances;
CREATE TABLE checkins (member BIGINT NOT NULL, day DATE NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (member, day));
CREATE TABLE ledger (id BIGSERIAL PRIMARY KEY, member BIGINT NOT NULL, points INT NOT NULL, reason TEXT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE balances (member BIGINT PRIMARY KEY, balance BIGINT NOT NULL);";
const PGBENCH_SCRIPT: &str = "\\set member random(1, 100000000)
BEGIN;
INSERT INTO checkins (member, day) VALUES (:member, CURRENT_DATE) ON CONFLICT DO NOTHING;
INSERT INTO ledger (member, points, reason) VALUES (:member, 5, 'checkin');
INSERT INTO balances (member, balance) VALUES (:member, 5) ON CONFLICT (member) DO UPDATE SET balance = balances.balance + 5;
END;
";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Peak resident memory, in MB.
    fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

fn release_bin(name: &str) -> PathBuf {
    exec::repo_root().join("target/release").join(name)
}

fn start_server(db: &str) -> anyhow::Result<Server> {
    let mut child = Command::new(release_bin("siyu-server"))
        .args([
            "serve",
            "--db",
            db,
            "--listen",
            "127.0.0.1:0",
            "--session-rate",
            "1000000",
            "--sync-rate",
            "1000000",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("start siyu-server")?;
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .context("siyu-server did not say where it listens")?
        .to_owned();
    // Keep draining its stdout so that a later line never meets a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    Ok(Server { child, base })
}

fn provision(db: &str) -> anyhow::Result<()> {
    let out = Command::new(release_bin("siyu-server"))
        .args(["tenant", "create", "glow", "--db", db])
        .output()?;
    if !out.status.success() {
        bail!("tenant create: {}", String::from_utf8_lossy(&out.stderr));
    }
    let campaign = exec::repo_root().join("campaigns/glow-skin.json");
    let out = Command::new(release_bin("siyu-server"))
        .args(["campaign", "publish"])
        .arg(campaign)
        .args(["--db", db])
        .output()?;
    if !out.status.success() {
        bail!("campaign publish: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// Every run's p99 in ms, as the tables show them beside the median.
fn each_run_p99(runs: &[Value]) -> String {
    runs.iter()
        .map(|run| format!("{:.1}", run["p99_ms"].as_f64().unwrap_or(0.0)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Closed-loop clients (`rate` none: each sends again as soon as answered) or paced ones.
fn loadgen(base: &str, clients: usize, rate: Option<f64>) -> anyhow::Result<Value> {
    // Enough distinct members for the warm-up and the run at well over the rate reached
    // (~35,000/s).
    let seconds = (WARMUP_SECONDS + SECONDS) as usize;
    let per_second = rate.map_or(60_000, |r| (r * 1.2) as usize);
    let mut command = Command::new(release_bin("examples/loadgen"));
    command.args([
        "--base",
        base,
        "--clients",
        &clients.to_string(),
        "--seconds",
        &SECONDS.to_string(),
        "--warmup-seconds",
        &WARMUP_SECONDS.to_string(),
        "--sessions",
        &(seconds * per_second).to_string(),
    ]);
    if let Some(rate) = rate {
        command.args(["--rate", &rate.to_string()]);
    }
    let out = command.stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        bail!("loadgen failed");
    }
    let result: Value = serde_json::from_slice(&out.stdout)?;
    if result["ops"].as_u64().unwrap_or(0) == 0 {
        bail!("the load generator completed no operation: {result}");
    }
    Ok(result)
}

/// Latency percentiles from pgbench's per-transaction logs (third column: µs).
fn pgbench_percentiles(dir: &Path, prefix: &str) -> anyhow::Result<(f64, f64)> {
    let mut latencies: Vec<u64> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(prefix))
        {
            for line in std::fs::read_to_string(&path)?.lines() {
                if let Some(micros) = line.split_whitespace().nth(2).and_then(|v| v.parse().ok()) {
                    latencies.push(micros);
                }
            }
            std::fs::remove_file(&path)?;
        }
    }
    latencies.sort_unstable();
    let at = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |us| *us as f64 / 1_000.0)
    };
    Ok((at(0.50), at(0.99)))
}

fn pgbench(url_db: &str, clients: usize, run: usize, out_dir: &Path) -> anyhow::Result<Value> {
    let script = out_dir.join("checkin.sql");
    std::fs::write(&script, PGBENCH_SCRIPT)?;
    let prefix = format!("pgbench-{clients}-{run}");
    let out = Command::new(pg_cluster::bin_dir().join("pgbench"))
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &SECONDS.to_string(),
            "-h",
            "127.0.0.1",
            "-p",
            &pg_cluster::PORT.to_string(),
            "-U",
            "postgres",
            "-l",
            "--log-prefix",
            &prefix,
            "-f",
        ])
        .arg(&script)
        .arg(url_db)
        .current_dir(out_dir)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "pgbench failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .context("pgbench printed no tps")?;
    let (p50, p99) = pgbench_percentiles(out_dir, &prefix)?;
    Ok(json!({"clients": clients, "tps": tps, "p50_ms": p50, "p99_ms": p99}))
}

/// Runs `run_once(clients, run)` [`RUNS`] times for each client count, each as a step of
/// its own; returns every run's figures, by client count.
fn measure(
    what: &str,
    mut run_once: impl FnMut(usize, usize) -> anyhow::Result<Value>,
) -> anyhow::Result<Vec<Vec<Value>>> {
    let mut by_clients = Vec::new();
    for clients in CLIENT_COUNTS {
        let mut runs = Vec::new();
        for run in 1..=RUNS {
            exec::step(
                &format!("{what}, {clients} clients, run {run}/{RUNS}"),
                || {
                    let result = run_once(clients, run)?;
                    println!("    {result}");
                    runs.push(result);
                    Ok(())
                },
            )?;
        }
        by_clients.push(runs);
    }
    Ok(by_clients)
}

/// The median of one figure over runs (the middle run's; runs are few and odd in number).
fn median(runs: &[Value], key: &str) -> f64 {
    let mut values: Vec<f64> = runs.iter().filter_map(|r| r[key].as_f64()).collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Group-commit figures from the server's metrics: mean jobs per commit and seconds per commit.
fn group_commit_profile(base: &str) -> Value {
    let text = Command::new("curl")
        .args(["-s", &format!("{base}/metrics")])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let value = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let commits = value("siyu_group_commit_jobs_count");
    json!({
        "commits": commits,
        "mean_jobs_per_commit": if commits > 0.0 { value("siyu_group_commit_jobs_sum") / commits } else { 0.0 },
        "mean_commit_ms": if commits > 0.0 { value("siyu_group_commit_seconds_sum") / commits * 1_000.0 } else { 0.0 },
        "writer_busy_seconds": value("siyu_group_commit_seconds_sum"),
    })
}

/// Runs the benchmark.
pub fn run() -> anyhow::Result<()> {
    crate::toolchain::ensure_postgres()?;
    exec::step("build (release)", || {
        exec::run(exec::cargo().args([
            "build",
            "--release",
            "-p",
            "siyu-server",
            "--bin",
            "siyu-server",
            "--example",
            "loadgen",
        ]))
    })?;
    let out_dir = exec::repo_root().join("target/bench");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir)?;

    let siyu_run = |clients: usize, run: usize, rate: Option<f64>| -> anyhow::Result<Value> {
        // A fresh file per run, so every run starts equal.
        let paced = rate.map_or(String::new(), |r| format!("paced-{r:.0}-"));
        let db = format!(
            "sqlite://{}",
            out_dir
                .join(format!("siyu-{paced}{clients}-{run}.db"))
                .display()
        );
        provision(&db)?;
        let server = start_server(&db)?;
        std::thread::sleep(Duration::from_millis(200));
        let mut result = loadgen(&server.base, clients, rate)?;
        result["server_peak_rss_mb"] = json!(server.peak_rss_mb());
        result["group_commit"] = group_commit_profile(&server.base);
        let file = db.trim_start_matches("sqlite://");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{file}{suffix}"));
        }
        Ok(result)
    };
    let siyu = measure(
        "siyu-server, durable SQLite, closed loop",
        |clients, run| siyu_run(clients, run, None),
    )?;
    pg_cluster::ensure_running();
    let url = pg_cluster::fresh_database("siyu_pgbench");
    let database = url.rsplit('/').next().expect("a database name").to_owned();
    let postgres = measure("pgbench, same check-in transaction", |clients, run| {
        // Fresh tables per run, as the SQLite file is.
        let out = pg_cluster::psql(&database, PGBENCH_SCHEMA);
        if !out.status.success() {
            bail!("pgbench schema: {}", String::from_utf8_lossy(&out.stderr));
        }
        pgbench(&database, clients, run, &out_dir)
    })?;
    // The paced load offered: `multiple` × what pgbench reached at the same client count.
    let offered_rate = |multiple: f64, clients: usize| {
        CLIENT_COUNTS
            .iter()
            .position(|&c| c == clients)
            .map_or(f64::NAN, |i| {
                (multiple * median(&postgres[i], "tps")).round()
            })
    };
    let mut siyu_paced = Vec::new();
    for multiple in PACED_MULTIPLES {
        let label = format!("siyu-server, durable SQLite, paced at {multiple}× pgbench");
        let runs = measure(&label, |clients, run| {
            let rate = offered_rate(multiple, clients);
            anyhow::ensure!(rate > 0.0, "pgbench measured nothing at {clients} clients");
            siyu_run(clients, run, Some(rate))
        })?;
        siyu_paced.push((multiple, runs));
    }

    println!("\nMedian of {RUNS} runs of {SECONDS} s each:\n");
    println!("| clients | siyu check-ins/s | p50 ms | p99 ms | p99 of each run | RSS MB | pgbench tx/s | p50 ms | p99 ms | ratio |");
    println!("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    for ((clients, s), p) in CLIENT_COUNTS.iter().zip(&siyu).zip(&postgres) {
        let m = json!({
            "siyu_ops_per_second": median(s, "ops_per_second"),
            "siyu_p50_ms": median(s, "p50_ms"),
            "siyu_p99_ms": median(s, "p99_ms"),
            "siyu_peak_rss_mb": median(s, "server_peak_rss_mb"),
            "pgbench_tps": median(p, "tps"),
            "pgbench_p50_ms": median(p, "p50_ms"),
            "pgbench_p99_ms": median(p, "p99_ms"),
            "ratio": median(s, "ops_per_second") / median(p, "tps"),
        });
        let f = |key: &str| m[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {clients} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2}× |",
            f("siyu_ops_per_second"),
            f("siyu_p50_ms"),
            f("siyu_p99_ms"),
            each_run_p99(s),
            f("siyu_peak_rss_mb"),
            f("pgbench_tps"),
            f("pgbench_p50_ms"),
            f("pgbench_p99_ms"),
            f("ratio"),
        );
        rows.push(json!({"clients": clients, "median": m, "siyu_runs": s, "pgbench_runs": p}));
    }
    let most_clients = CLIENT_COUNTS[CLIENT_COUNTS.len() - 1];
    println!(
        "\nClosed loop, each client sends again as soon as it is answered, so the mean latency is \
         clients ÷ throughput whatever the server does (Little's law): {}. A p99 ≤ {P99_TARGET_MS} ms \
         at {} clients needs at least {:.0} check-ins/s even if every answer took the mean.",
        CLIENT_COUNTS
            .iter()
            .zip(&siyu)
            .map(|(clients, s)| format!(
                "{clients} clients → {:.1} ms",
                *clients as f64 / median(s, "ops_per_second") * 1_000.0
            ))
            .collect::<Vec<_>>()
            .join(", "),
        most_clients,
        most_clients as f64 / P99_TARGET_MS * 1_000.0,
    );
    println!(
        "\nThe same clients paced at multiples of pgbench's figure above: each client on a fixed \
         schedule, latency counted from when each request was due (median of {RUNS} runs; \
         target p99 ≤ {P99_TARGET_MS} ms):\n"
    );
    println!("| clients | offered | offered/s | siyu check-ins/s | p50 ms | p99 ms | p99 of each run | p99 ≤ {P99_TARGET_MS} ms |");
    println!("|---:|---:|---:|---:|---:|---:|---|---|");
    let mut paced_rows = Vec::new();
    for (multiple, by_clients) in &siyu_paced {
        for (&clients, s) in CLIENT_COUNTS.iter().zip(by_clients) {
            let offered = offered_rate(*multiple, clients);
            let (answered, p50, p99) = (
                median(s, "ops_per_second"),
                median(s, "p50_ms"),
                median(s, "p99_ms"),
            );
            println!(
                "| {clients} | {multiple}× pgbench | {offered:.0} | {answered:.0} | {p50:.2} | {p99:.2} | {} | {} |",
                each_run_p99(s),
                if p99 <= P99_TARGET_MS { "met" } else { "not met" },
            );
            paced_rows.push(json!({
                "clients": clients,
                "multiple_of_pgbench": multiple,
                "offered_per_second": offered,
                "median": {
                    "siyu_ops_per_second": answered,
                    "siyu_p50_ms": p50,
                    "siyu_p99_ms": p99,
                },
                "siyu_runs": s,
            }));
        }
    }
    let report = json!({
        "seconds_per_run": SECONDS,
        "runs_per_measurement": RUNS,
        "measurements": rows,
        "paced": paced_rows,
    });
    std::fs::write(
        out_dir.join("server.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("\nwritten to {}", out_dir.join("server.json").display());
    Ok(())
}
