//! Content coding for answers the server sends many times unchanged (a published campaign):
//! compressed once at a high level and kept, instead of once per request on the fly.

use std::io::Write as _;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::{header, HeaderMap};

/// A body compressed on first use, with brotli and gzip.
#[derive(Debug, Default, Clone)]
pub struct Compressed {
    brotli: OnceLock<Bytes>,
    gzip: OnceLock<Bytes>,
}

/// How an answer is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `br`.
    Brotli,
    /// `gzip`.
    Gzip,
    /// As it is.
    Identity,
}

impl Coding {
    /// The best coding a request's `Accept-Encoding` allows: brotli, then gzip, then none.
    /// A coding given `q=0` is refused; `*` allows any.
    pub fn negotiate(headers: &HeaderMap) -> Self {
        let mut coding = Self::Identity;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                if refused {
                    continue;
                }
                if name.eq_ignore_ascii_case("br") || name == "*" {
                    return Self::Brotli;
                }
                if name.eq_ignore_ascii_case("gzip") {
                    coding = Self::Gzip;
                }
            }
        }
        coding
    }
}

impl Compressed {
    /// `plain` in `coding` with its `Content-Encoding`, compressed the first time it is asked
    /// for; none for [`Coding::Identity`].
    pub fn get(&self, plain: &[u8], coding: Coding) -> Option<(&'static str, Bytes)> {
        match coding {
            Coding::Brotli => Some(("br", self.brotli.get_or_init(|| brotli(plain)).clone())),
            Coding::Gzip => Some(("gzip", self.gzip.get_or_init(|| gzip(plain)).clone())),
            Coding::Identity => None,
        }
    }
}

/// Quality 9 of 11 with a window that fits the body: within 1–2% of the highest level's size
/// for JSON, several times faster (debug builds run it in the end-to-end tests).
fn brotli(plain: &[u8]) -> Bytes {
    let window = plain
        .len()
        .max(1 << 10)
        .next_power_of_two()
        .trailing_zeros()
        .min(24);
    let mut out = Vec::with_capacity(plain.len() / 4);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 9, window);
        writer.write_all(plain).expect("writing to memory");
    }
    Bytes::from(out)
}

fn gzip(plain: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(plain.len() / 3),
        flate2::Compression::best(),
    );
    encoder.write_all(plain).expect("writing to memory");
    Bytes::from(encoder.finish().expect("writing to memory"))
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use axum::http::HeaderValue;

    use super::*;

    fn accepting(value: &'static str) -> Coding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        Coding::negotiate(&headers)
    }

    #[test]
    fn the_best_coding_the_client_accepts_is_chosen() {
        assert_eq!(accepting("gzip, deflate, br, zstd"), Coding::Brotli);
        assert_eq!(accepting("gzip, deflate"), Coding::Gzip);
        assert_eq!(accepting("GZIP"), Coding::Gzip);
        assert_eq!(accepting("br;q=0, gzip;q=0.5"), Coding::Gzip);
        assert_eq!(accepting("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(accepting("identity"), Coding::Identity);
        assert_eq!(accepting("*"), Coding::Brotli);
        assert_eq!(Coding::negotiate(&HeaderMap::new()), Coding::Identity);
    }

    #[test]
    fn compressed_bodies_decompress_to_the_plain_one() {
        let plain = serde_json::to_vec(&siyu_core::demo::beauty()).expect("serialises");
        let compressed = Compressed::default();
        let (encoding, br) = compressed.get(&plain, Coding::Brotli).expect("brotli");
        assert_eq!(encoding, "br");
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut back)
            .expect("decompresses");
        assert_eq!(back, plain);
        let (encoding, gz) = compressed.get(&plain, Coding::Gzip).expect("gzip");
        assert_eq!(encoding, "gzip");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .expect("decompresses");
        assert_eq!(back, plain);
        assert!(
            br.len() * 2 < plain.len(),
            "{} of {}",
            br.len(),
            plain.len()
        );
        assert!(compressed.get(&plain, Coding::Identity).is_none());
    }
}
