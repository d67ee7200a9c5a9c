//! The built site (`www/dist`, the demo and the widgets' files) served at `/`.
//!
//! `cargo xtask` writes brotli and gzip variants at their highest levels beside each file
//! (`e2e/lib/precompress.mjs`), and they are sent as they are to browsers that accept them:
//! on-the-fly compression (the `CompressionLayer`) runs at a fast level, which sent the
//! widgets' wasm as 240 KB of brotli instead of 204 KB, and costs CPU on every page view.
//! A variant older than its file (a site rebuilt by other means) would send old content, so
//! then none is used and every file is compressed on the fly again.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderValue};
use tower::Layer as _;
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// The precompressed variants' suffixes.
const VARIANTS: [&str; 2] = [".br", ".gz"];

/// The site's files; precompressed variants when they are all current.
pub fn service(dir: &Path) -> SetResponseHeader<ServeDir, HeaderValue> {
    let files = ServeDir::new(dir).append_index_html_on_directories(true);
    let files = match stale_variant(dir) {
        Ok(None) => files.precompressed_br().precompressed_gzip(),
        Ok(Some(stale)) => {
            tracing::warn!(
                variant = %stale.display(),
                "a precompressed file is older than the file it was made from: sending the site compressed on the fly (`cargo xtask demo` rebuilds the variants)"
            );
            files
        }
        Err(e) => {
            tracing::warn!(error = %e, dir = %dir.display(), "could not check the site's precompressed files: sending the site compressed on the fly");
            files
        }
    };
    // Caches must keep the variants apart (the on-the-fly compression says so itself).
    SetResponseHeaderLayer::appending(header::VARY, HeaderValue::from_static("accept-encoding"))
        .layer(files)
}

/// The first precompressed variant under `dir` that is older than its file, if any.
fn stale_variant(dir: &Path) -> std::io::Result<Option<PathBuf>> {
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                folders.push(path);
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(original) = VARIANTS
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .map(|original| folder.join(original))
            else {
                continue;
            };
            let Ok(original) = std::fs::metadata(&original) else {
                continue; // Not a variant (or of a file since removed, which nobody asks for).
            };
            if original.modified()? > entry.metadata()?.modified()? {
                return Ok(Some(path));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt as _;

    use super::*;

    const SCRIPT: &str = "console.log('the file itself');";

    /// A site with `app.js` and variants whose bytes say which one was sent.
    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("app.js"), SCRIPT).expect("writes");
        std::fs::write(dir.path().join("app.js.br"), "brotli variant").expect("writes");
        std::fs::write(dir.path().join("app.js.gz"), "gzip variant").expect("writes");
        dir
    }

    /// What a client that accepts `encodings` gets for `/app.js`: encoding, Vary, body.
    async fn fetch(dir: &Path, encodings: &str) -> (Option<String>, Vec<String>, String) {
        let request = Request::builder()
            .uri("/app.js")
            .header(header::ACCEPT_ENCODING, encodings)
            .body(Body::empty())
            .expect("a request");
        let response = service(dir).oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK);
        let header_text = |name| {
            response
                .headers()
                .get_all(name)
                .iter()
                .map(|v| v.to_str().expect("ascii").to_owned())
                .collect::<Vec<_>>()
        };
        let encoding = header_text(header::CONTENT_ENCODING).pop();
        let vary = header_text(header::VARY);
        let body = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
            .await
            .expect("a body");
        (
            encoding,
            vary,
            String::from_utf8(body.to_vec()).expect("text"),
        )
    }

    #[tokio::test]
    async fn browsers_get_the_variant_they_accept_and_caches_are_told() {
        let dir = site();
        let (encoding, vary, body) = fetch(dir.path(), "gzip, deflate, br, zstd").await;
        assert_eq!(
            (encoding.as_deref(), body.as_str()),
            (Some("br"), "brotli variant")
        );
        assert_eq!(vary, ["accept-encoding"]);
        let (encoding, _, body) = fetch(dir.path(), "gzip").await;
        assert_eq!(
            (encoding.as_deref(), body.as_str()),
            (Some("gzip"), "gzip variant")
        );
        let (encoding, _, body) = fetch(dir.path(), "identity").await;
        assert_eq!((encoding, body.as_str()), (None, SCRIPT));
    }

    #[tokio::test]
    async fn a_variant_older_than_its_file_turns_all_variants_off() {
        let dir = site();
        let variant = std::fs::File::options()
            .write(true)
            .open(dir.path().join("app.js.gz"))
            .expect("opens");
        variant
            .set_modified(SystemTime::now() - Duration::from_secs(3_600))
            .expect("sets the time");
        assert_eq!(
            stale_variant(dir.path()).expect("reads the folder"),
            Some(dir.path().join("app.js.gz"))
        );
        let (encoding, _, body) = fetch(dir.path(), "br").await;
        assert_eq!(
            (encoding, body.as_str()),
            (None, SCRIPT),
            "not even the current .br"
        );
    }
}
