//! `siyu-server`: a shim over the library so that tests build the same app the binary serves.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(unsafe_code)]
fn main() -> std::process::ExitCode {
    // SAFETY: nothing has used SQLite yet: no thread but this one exists.
    if !unsafe { siyu_server::store::sqlite_alloc::use_mimalloc() } {
        eprintln!("siyu-server: SQLite kept the C library's allocator");
    }
    serve()
}

#[tokio::main]
async fn serve() -> std::process::ExitCode {
    match siyu_server::cli::main().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("siyu-server: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
