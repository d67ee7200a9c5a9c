//! `cargo xtask demo`: installs what is missing, builds the site with Trunk in release,
//! prepares a SQLite database with the two demo brands and their published campaigns, serves
//! it all with `siyu-server`, and prints the demo pages' addresses. Stays until Ctrl-C.
//!
//! `cargo xtask demo --walk` prints the scripted 30-day walk through the rules instead.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use clap::Args;

use crate::{demo_walk, exec, web};

/// The demo's folder (database, tenant keys), under `target/` so that it is never committed.
const DEMO_DIR: &str = "target/demo";
/// The port the demo prefers.
const DEMO_PORT: u16 = 8080;
/// The demo brands and their campaigns.
const BRANDS: [(&str, &str); 2] = [
    ("glow", "campaigns/glow-skin.json"),
    ("nest", "campaigns/nest-room.json"),
];

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print the scripted 30-day walk through the rules engine instead of serving the site.
    #[arg(long)]
    walk: bool,
}

pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    if args.walk {
        println!("{}", crate::toolchain::ensure_wasm_target()?);
        return demo_walk::run();
    }
    exec::step("toolchain", web::ensure_build_tools)?;
    exec::step("site", web::build_site)?;
    let server = exec::step("server", web::build_server)?;
    let db = exec::step("database", || prepare_database(&server))?;
    serve(&server, &db)
}

/// Creates the database with both tenants and publishes both campaigns; what exists is kept.
fn prepare_database(server: &Path) -> anyhow::Result<String> {
    let dir = exec::repo_root().join(DEMO_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let db = format!("sqlite://{}", dir.join("siyu.db").display());
    for (tenant, campaign) in BRANDS {
        let keys = dir.join(format!("{tenant}-keys.json"));
        let output = Command::new(server)
            .args(["tenant", "create", tenant, "--db", &db])
            .output()
            .context("could not run siyu-server")?;
        if output.status.success() {
            std::fs::write(&keys, &output.stdout)?;
            println!("    tenant {tenant}: created (keys in {})", keys.display());
        } else if String::from_utf8_lossy(&output.stderr).contains("already exists") {
            println!("    tenant {tenant}: already there");
        } else {
            bail!(
                "`siyu-server tenant create {tenant}` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        // Publishing the same revision again changes nothing, so it is always safe.
        let output = Command::new(server)
            .current_dir(exec::repo_root())
            .args(["campaign", "publish", campaign, "--db", &db])
            .output()
            .context("could not run siyu-server")?;
        if !output.status.success() {
            bail!(
                "`siyu-server campaign publish {campaign}` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        println!(
            "    campaign {campaign}: published {}",
            String::from_utf8_lossy(&output.stdout).trim()
        );
    }
    Ok(db)
}

/// Starts the server in the foreground and prints the pages once it listens.
fn serve(server: &Path, db: &str) -> anyhow::Result<()> {
    let port = web::free_port(DEMO_PORT)?;
    let mut child = Command::new(server)
        .current_dir(exec::repo_root())
        .args(["serve", "--db", db, "--www", web::DIST])
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start siyu-server")?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .transpose()?
        .context("siyu-server exited before listening")?;
    let base = first
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line from siyu-server: {first}"))?
        .trim()
        .to_owned();
    println!();
    println!("Siyu demo — {base}");
    println!("  beauty brand (skin quiz, 7-day check-in, wallet):  {base}/beauty.html");
    println!("  furniture brand (room quiz, 28-day challenge, wallet): {base}/nest.html");
    println!("  hostile host page (global CSS resets, strict CSP):  {base}/hostile.html");
    println!("  in English: add ?lang=en; the API document: {base}/v1/openapi.json");
    println!("  tenant keys (admin key, member-token secret): {DEMO_DIR}/<brand>-keys.json");
    println!();
    println!("Press Ctrl-C to stop.");
    // Keep forwarding the server's own output; Ctrl-C reaches it too (same process group).
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            println!("{line}");
        }
    });
    let status = child.wait()?;
    if !status.success() && status.code().is_some() {
        bail!("siyu-server stopped: {status}");
    }
    Ok(())
}
