//! One error type for every handler, mapped to HTTP responses in one place.
//!
//! Domain and validation errors are 4xx with `{"error": {"code", "message"}}`; storage
//! failures are a logged 500 whose body says nothing more. Answers made outside the handlers
//! (no route, a method the route does not take, a body over the limit met by a plain
//! extractor, the timeout) are given the same shape by [`json_errors`].

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;
use siyu_core::campaign::Problem;

use crate::store::StoreError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed (bad JSON, wrong types, unknown fields, bad ids).
    #[error("{message}")]
    BadRequest {
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
        /// Every problem with its place, for campaign documents of the wrong shape.
        problems: Vec<Problem>,
    },
    /// No credentials, or credentials that do not verify.
    #[error("{message}")]
    Unauthorized {
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Valid credentials that do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing (for this caller).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// The route does not take this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The request took longer than [`crate::REQUEST_TIMEOUT`].
    #[error("{0}")]
    RequestTimeout(String),
    /// The body is larger than allowed.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Another refusal made outside the handlers (an extractor's or a layer's), keeping its
    /// status.
    #[error("{message}")]
    Refused {
        /// The status it came with.
        status: StatusCode,
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The request is well-formed but its content is refused.
    #[error("{message}")]
    Unprocessable {
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
        /// Every problem, for invalid campaigns.
        problems: Vec<Problem>,
    },
    /// Too many requests from this device or address.
    #[error("too many requests; retry in {retry_after_seconds} s")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after_seconds: u64,
    },
    /// Storage failed; details are logged, not returned.
    #[error("storage error")]
    Storage(#[from] StoreError),
    /// Something that cannot fail did (a bug); details are logged, not returned.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// A 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }

    /// A 401 with a code.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unauthorized {
            code,
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Self::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, code),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::Refused { status, code, .. } => (*status, code),
            Self::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            Self::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Storage(StoreError::Conflict(_)) => (StatusCode::CONFLICT, "conflict"),
            Self::Storage(_) | Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// What a client learns of a failure that is ours, not its request's.
const UNEXPLAINED_FAILURE: &str = "the server could not complete the request; retry later";

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            Self::Storage(StoreError::Conflict(message)) => message.clone(),
            // Logged with the cause; the client learns only that it failed.
            Self::Storage(error) => {
                tracing::error!(%error, "storage failure");
                UNEXPLAINED_FAILURE.to_owned()
            }
            Self::Internal(error) => {
                tracing::error!(%error, "internal error");
                UNEXPLAINED_FAILURE.to_owned()
            }
            other => other.to_string(),
        };
        let mut body = json!({"error": {"code": code, "message": message}});
        if let Self::Unprocessable { problems, .. } | Self::BadRequest { problems, .. } = &self {
            if !problems.is_empty() {
                body["error"]["problems"] = json!(problems);
            }
        }
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::TooManyRequests {
            retry_after_seconds,
        } = self
        {
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// `axum::Json` whose rejections use our error shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    /// What `axum::Json` does (Content-Type, body limit, JSON with the path of a bad field),
    /// and one check more: every body this API reads is an object, and serde would otherwise
    /// also take a struct written as an array of its values (`["glow-skin"]` as a session).
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        refuse_encoded_body(req.headers())?;
        if !json_content_type(req.headers()) {
            return Err(json_rejection(JsonRejection::MissingJsonContentType(
                Default::default(),
            )));
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| json_rejection(rejection.into()))?;
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(AppError::bad_request(
                "invalid_body",
                "the body must be a JSON object, not an array",
            ));
        }
        match axum::Json::<T>::from_bytes(&body) {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// A request body sent compressed (`Content-Encoding` other than `identity`) is refused with
/// 415: it is not read as it is (a gzip body was answered "malformed JSON"), nor unpacked.
pub fn refuse_encoded_body(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    match headers
        .get(header::CONTENT_ENCODING)
        .map(|value| value.to_str().unwrap_or("?").trim())
    {
        None | Some("") => Ok(()),
        Some(coding) if coding.eq_ignore_ascii_case("identity") => Ok(()),
        Some(coding) => Err(AppError::Refused {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            message: format!(
                "request bodies are read as sent, not decoded: send it without Content-Encoding (got \"{coding}\")"
            ),
        }),
    }
}

/// `application/json` or `application/<something>+json`, as `axum::Json` accepts.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        })
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(e) => AppError::bad_request("invalid_body", e.body_text()),
        JsonRejection::JsonSyntaxError(e) => AppError::bad_request("malformed_json", e.body_text()),
        JsonRejection::MissingJsonContentType(_) => AppError::Refused {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            message: "send the body as JSON with Content-Type: application/json".into(),
        },
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            body_too_large()
        }
        other => AppError::bad_request("invalid_body", other.body_text()),
    }
}

fn body_too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "the body is larger than {} bytes",
        crate::REQUEST_BODY_BYTES_MAX
    ))
}

/// The most of a plain-text refusal's body kept as its message (axum's rejections are one
/// line).
const PLAIN_ERROR_BYTES_MAX: usize = 4 * 1024;

/// Middleware: every error answer that is not already JSON (axum's own 404 and 405 are empty,
/// a plain extractor's 413 and the timeout layer's 408 are empty or `text/plain`) becomes
/// `{"error": {"code", "message"}}`, keeping its status and headers (`Allow` on a 405).
pub async fn json_errors(request: Request, next: Next) -> Response {
    // Kept for the message; cloning a `Uri` shares its bytes (no copy on every request).
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let path = uri.path();
    let (parts, body) = response.into_parts();
    let error = match status {
        StatusCode::NOT_FOUND => AppError::NotFound(format!("there is nothing at {path}")),
        StatusCode::METHOD_NOT_ALLOWED => {
            // axum adds `Allow` outside the layers of a route (so after this), except on some
            // answers; name the methods when they are known here.
            let allowed = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map_or_else(
                    || "the Allow header lists the methods it takes".to_owned(),
                    |allowed| format!("it takes {allowed}"),
                );
            AppError::MethodNotAllowed(format!("{path} does not take {method}; {allowed}"))
        }
        StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
        StatusCode::REQUEST_TIMEOUT => AppError::RequestTimeout(format!(
            "the request was not answered within {} s; send it again",
            crate::REQUEST_TIMEOUT.as_secs()
        )),
        _ if status.is_server_error() => AppError::Refused {
            status,
            code: "internal",
            message: UNEXPLAINED_FAILURE.to_owned(),
        },
        _ => {
            let text = axum::body::to_bytes(body, PLAIN_ERROR_BYTES_MAX)
                .await
                .ok()
                .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
                .filter(|text| !text.is_empty());
            let code = match status {
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
                _ => "bad_request",
            };
            let message = text.unwrap_or_else(|| {
                format!(
                    "{method} {path} was refused: {}",
                    status.canonical_reason().unwrap_or("error").to_lowercase()
                )
            });
            AppError::Refused {
                status,
                code,
                message,
            }
        }
    };
    let mut answer = error.into_response();
    for (name, value) in &parts.headers {
        if ![
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
        ]
        .contains(name)
        {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}

/// Room for a typical answer (a sync answer is 1–2 KB): `axum::Json` starts at 128 bytes and
/// grows the buffer four times, copying it each time, before a sync answer fits.
const ANSWER_BYTES_EXPECTED: usize = 2048;

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(ANSWER_BYTES_EXPECTED);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => {
                AppError::Internal(format!("an answer did not serialise: {e}")).into_response()
            }
        }
    }
}
