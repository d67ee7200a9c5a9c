//! A PostgreSQL server for tests and benchmarks: Debian's `postgresql` binaries (installed by
//! `cargo xtask test` when missing), a cluster of our own under `/tmp/siyu-pg-54329`, listening on
//! 127.0.0.1 only, started once and reused; each user gets a fresh database.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The cluster's port (not PostgreSQL's default, to stay clear of a system server).
pub const PORT: u16 = 54_329;
/// Connections the cluster accepts (the benchmark runs 512 pgbench clients).
const CONNECTIONS_MAX: u32 = 700;

/// The newest PostgreSQL server binaries installed.
pub fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed (/usr/lib/postgresql is missing); `cargo xtask test` installs it")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("postgres").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
}

/// The cluster's folder. Under the system's temporary folder, not the checkout: PostgreSQL runs
/// as the `postgres` user, who may not be allowed into the checkout's parents (e.g. /root).
fn data_dir() -> PathBuf {
    std::env::temp_dir().join(format!("siyu-pg-{PORT}"))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs a PostgreSQL tool; as the `postgres` user when we are root (the server refuses root).
pub fn tool(name: &str, args: &[&str]) -> Output {
    let bin = bin_dir().join(name);
    let mut cmd = if running_as_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(&bin);
        cmd
    } else {
        Command::new(&bin)
    };
    cmd.args(args)
        .current_dir("/tmp")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
}

fn ready() -> bool {
    Command::new(bin_dir().join("pg_isready"))
        .args(["-h", "127.0.0.1", "-p", &PORT.to_string()])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Starts the cluster unless it is running (creating it on first use).
pub fn ensure_running() {
    // Tests start in parallel threads; one of them starts the cluster.
    static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = STARTING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if ready() {
        return;
    }
    let dir = data_dir();
    let dir_text = dir.to_str().expect("utf-8 path").to_owned();
    if !dir.join("PG_VERSION").exists() {
        // A folder without PG_VERSION is a half-made cluster from an interrupted run.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the cluster folder");
        if running_as_root() {
            let _ = Command::new("chown")
                .args(["-R", "postgres:postgres", &dir_text])
                .status();
        }
        let out = tool(
            "initdb",
            &[
                "-D",
                &dir_text,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let options = format!("-c listen_addresses=127.0.0.1 -p {PORT} -c unix_socket_directories=/tmp -c max_connections={CONNECTIONS_MAX} -c fsync=on -c synchronous_commit=on");
    let log = format!("{dir_text}/server.log");
    let out = tool(
        "pg_ctl",
        &[
            "-D", &dir_text, "-o", &options, "-l", &log, "-w", "-t", "60", "start",
        ],
    );
    assert!(
        out.status.success() || ready(),
        "pg_ctl start failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs SQL as the superuser on `database`.
pub fn psql(database: &str, sql: &str) -> Output {
    Command::new(bin_dir().join("psql"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &PORT.to_string(),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            sql,
        ])
        .output()
        .expect("run psql")
}

/// A URL for a new, empty database named `<prefix>_<random>`.
pub fn fresh_database(prefix: &str) -> String {
    ensure_running();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let out = psql("postgres", &format!("CREATE DATABASE {name}"));
    assert!(
        out.status.success(),
        "CREATE DATABASE failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("postgres://postgres@127.0.0.1:{PORT}/{name}")
}
