//! `siyu-server`: a shim over the library so that tests build the same app the binary serves.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match siyu_server::cli::main().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("siyu-server: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
