//! The PostgreSQL server the tests use: Debian's `postgresql` binaries (installed by
//! `cargo xtask test` when missing), a cluster of our own under `target/`, on 127.0.0.1 only,
//! started once and reused; each test gets a fresh database.

use std::path::{Path, PathBuf};
use std::process::Command;

use tokio::sync::OnceCell;

/// The port of the test cluster (not PostgreSQL's default, to stay clear of a system server).
pub const PORT: u16 = 54_329;

static CLUSTER: OnceCell<()> = OnceCell::const_new();

fn bin_dir() -> PathBuf {
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

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/siyu-test-pg")
}

/// Runs a PostgreSQL tool as the `postgres` user (it refuses to run as root).
fn as_postgres(tool: &str, args: &[&str]) -> std::process::Output {
    let bin = bin_dir().join(tool);
    let running_as_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let mut cmd = if running_as_root {
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

async fn start_cluster() {
    if ready() {
        return;
    }
    let dir = data_dir();
    let dir_text = dir.to_str().expect("utf-8 path").to_owned();
    if !dir.join("PG_VERSION").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let _ = Command::new("chown")
            .args(["-R", "postgres:postgres", &dir_text])
            .status();
        let out = as_postgres(
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
    let options = format!("-c listen_addresses=127.0.0.1 -p {PORT} -c unix_socket_directories=/tmp -c max_connections=700 -c fsync=on");
    let log = format!("{dir_text}/server.log");
    let out = as_postgres(
        "pg_ctl",
        &[
            "-D", &dir_text, "-o", &options, "-l", &log, "-w", "-t", "60", "start",
        ],
    );
    assert!(
        out.status.success() || ready(),
        "pg_ctl start failed: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A URL for a new, empty database on the test cluster.
pub async fn fresh_database() -> String {
    CLUSTER.get_or_init(start_cluster).await;
    let name = format!("siyu_test_{}", siyu_server::auth::random_secret(6));
    let (client, connection) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={PORT} user=postgres dbname=postgres"),
        tokio_postgres::NoTls,
    )
    .await
    .expect("connect to the test cluster");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    format!("postgres://postgres@127.0.0.1:{PORT}/{name}")
}
