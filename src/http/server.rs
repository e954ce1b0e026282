//! The HTTP side: binding the listeners, the routes (`POST /{domain}/v1/evaluate[/]`,
//! `GET /_info`, `GET /metrics`), one request's way from headers to answer, the per-request
//! log line, loading and warming up the artifact, and graceful shutdown.

use super::config::Config;
use super::errors::{self, ServiceError};
use super::metrics::{self, Metrics};
use super::pool::{Pool, Reply};
use anyhow::{bail, Context, Result};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use kiln_runner::engine::Allocation;
use kiln_runner::{Cache, Runner};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

/// The call made once at start-up; `/_info` answers 503 until it has answered with a value.
const WARM_UP: &[u8] = br#"{"codeString":"function Z1000(Z1000K1, Z1000K2) { return String(parseInt(Z1000K1) + parseInt(Z1000K2)); }","functionName":"Z1000","functionArguments":{"Z1000K1":{"Z1K1":"Z6","Z6K1":"5"},"Z1000K2":{"Z1K1":"Z6","Z6K1":"8"}}}"#;

/// What exists once the artifact is loaded and warmed up.
struct Ready {
    runner: Arc<Runner>,
    pool: Pool,
    info: String,
}

/// The state every request sees.
struct Service {
    config: Config,
    metrics: Arc<Metrics>,
    ready: OnceLock<Ready>,
    next_id: AtomicU64,
}

/// Serves until SIGTERM or SIGINT, then drains: stops accepting, lets calls in flight finish
/// within `--drain-timeout-ms`, and returns. Fails when a listener cannot be bound or the
/// artifact cannot be loaded or warmed up.
pub async fn serve(config: Config) -> Result<()> {
    // Registered first, so a signal during loading is not lost.
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    let mut stopped = std::pin::pin!(async move {
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        }
    });

    let listener = TcpListener::bind(config.addr())
        .await
        .with_context(|| format!("listening on {}", config.addr()))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let metrics_listener = match config.metrics_addr() {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("listening for metrics on {addr}"))?,
        ),
        None => None,
    };
    let metrics_address = match &metrics_listener {
        Some(listener) => Some(listener.local_addr().context("reading the bound address")?),
        None => None,
    };
    announce(address, metrics_address)?;

    let service = Arc::new(Service {
        config: config.clone(),
        metrics: Arc::new(Metrics::new()),
        ready: OnceLock::new(),
        next_id: AtomicU64::new(1),
    });
    let (stop, stopping) = watch::channel(false);
    let mut loops = vec![tokio::spawn(accept_loop(
        listener,
        routes(service.clone(), metrics_listener.is_none()),
        config.clone(),
        stopping.clone(),
    ))];
    if let Some(listener) = metrics_listener {
        let router = Router::new()
            .route("/metrics", get(metrics_text))
            .with_state(service.clone());
        loops.push(tokio::spawn(accept_loop(
            listener,
            router,
            config.clone(),
            stopping,
        )));
    }

    let loading = tokio::task::spawn_blocking({
        let service = service.clone();
        move || service.load()
    });
    let first = tokio::select! {
        loaded = loading => Ok(loaded),
        signal = stopped.as_mut() => Err(signal),
    };
    let signal = match first {
        Ok(loaded) => {
            if let Err(error) = loaded.context("loading the artifact").and_then(|r| r) {
                let _ = stop.send(true);
                return Err(error);
            }
            tracing::info!(
                workers = config.worker_count(),
                queue = config.queue,
                "ready"
            );
            stopped.await
        }
        Err(signal) => signal,
    };

    tracing::info!(signal, "shutting down: draining calls in flight");
    let _ = stop.send(true);
    for task in loops {
        let _ = task.await;
    }
    if service.ready.get().is_some() {
        let service = service.clone();
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(ready) = service.ready.get() {
                ready.pool.shut_down();
            }
        })
        .await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Tells the bound addresses on stdout, one line each (with `--port 0`, the only way to know).
fn announce(address: SocketAddr, metrics: Option<SocketAddr>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "kiln serve: listening on http://{address}")?;
    if let Some(metrics) = metrics {
        writeln!(out, "kiln serve: metrics on http://{metrics}/metrics")?;
    }
    out.flush()?;
    tracing::info!(%address, metrics = ?metrics, "listening");
    Ok(())
}

fn routes(service: Arc<Service>, with_metrics: bool) -> Router {
    let mut router = Router::new()
        .route("/{domain}/v1/evaluate", post(evaluate))
        .route("/{domain}/v1/evaluate/", post(evaluate))
        .route("/_info", get(info));
    if with_metrics {
        router = router.route("/metrics", get(metrics_text));
    }
    router.with_state(service)
}

/// Accepts connections until told to stop, then closes idle ones and waits (up to the drain
/// timeout) for the others to finish the request they are on.
async fn accept_loop(
    listener: TcpListener,
    router: Router,
    config: Config,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout());
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(router.clone());
                    let connection =
                        graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        if let Err(error) = connection.await {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(config.drain_timeout(), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("the drain timeout passed with connections still open");
    }
}

impl Service {
    /// Loads the artifact, makes the warm-up call and starts the workers (blocking).
    fn load(&self) -> Result<()> {
        let config = &self.config;
        let workers = config.worker_count();
        let cache = match &config.cache_dir {
            Some(dir) => Some(Cache::new(dir)),
            None => Cache::default_location(),
        };
        // One pooled instance per worker, and one for the warm-up call.
        let allocation = Allocation::Pooling {
            instances: u32::try_from(workers + 1).unwrap_or(u32::MAX),
        };
        // The build info names the artifact in `/_info` and in every answer's metadata, as
        // under `kiln run`; a module not built by `kiln build` is served without it.
        let inspection = kiln_compiler::inspect::inspect(&config.artifact).ok();
        let runner = Runner::load_with_cache(
            &config.artifact,
            allocation,
            config.limits(),
            cache.as_ref(),
        )?
        .reproducible(config.deterministic)
        .with_artifact_info(
            inspection
                .as_ref()
                .map(|inspection| inspection.build_info.artifact_info())
                .unwrap_or_default(),
        );
        let runner = match config.code_cache.cache() {
            Some(cache) => runner.with_code_cache(cache),
            None => runner,
        };
        for note in runner.notes() {
            tracing::info!(note = note.as_str(), "artifact");
        }
        let warm_up = runner.call(WARM_UP);
        if let Some((zid, message)) = &warm_up.error {
            bail!("the warm-up call failed with {zid}: {message}");
        }
        let runner = Arc::new(runner);
        let pool = Pool::start(runner.clone(), workers, config.queue, self.metrics.clone())
            .context("starting the worker threads")?;
        let info = info_json(config, workers, inspection.as_ref()).to_string();
        if self.ready.set(Ready { runner, pool, info }).is_err() {
            bail!("the artifact was loaded twice");
        }
        Ok(())
    }

    /// One evaluation request, from headers to the answer's status and body.
    async fn evaluate(&self, request: Request) -> Answered {
        let header_id = request.headers().get("x-request-id").cloned();
        let mut answered = self.answer(request).await;
        if answered.request_id.is_none() {
            answered.request_id = header_id.and_then(|v| v.to_str().ok().map(str::to_string));
        }
        answered
    }

    async fn answer(&self, request: Request) -> Answered {
        let config = &self.config;
        let Some(ready) = self.ready.get() else {
            return refuse(
                ServiceError::NotReady,
                "its start-up (the artifact is not loaded and warmed up yet)",
            );
        };
        if let Some(kind) = request.headers().get(header::CONTENT_TYPE) {
            if !is_json(kind) {
                let message = format!(
                    "the content type {:?} is not JSON; send application/json",
                    String::from_utf8_lossy(kind.as_bytes())
                );
                return refuse(ServiceError::UnsupportedMediaType, &message);
            }
        }
        let max = config.max_request_bytes;
        if let Some(length) = content_length(request.headers()) {
            if length > max {
                // The runner's own answer, as `kiln run` gives it.
                let outcome = ready.runner.oversized(length);
                return Answered::service(ServiceError::TooLarge, outcome.answer);
            }
        }
        let Some(slot) = ready.pool.admit() else {
            let message = format!(
                "{} calls running and {} waiting; retry later",
                config.worker_count(),
                config.queue
            );
            return refuse(ServiceError::RateLimited, &message);
        };
        let body = Limited::new(request.into_body(), max).collect();
        let body = match tokio::time::timeout(config.body_timeout(), body).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
                let message = format!("the request is over the limit of {max} bytes");
                return refuse(ServiceError::TooLarge, &message);
            }
            Ok(Err(error)) => {
                let message = format!("the request body could not be read: {error}");
                return refuse(ServiceError::BodyUnreadable, &message);
            }
            Err(_) => {
                let message = format!(
                    "the request body did not arrive within {} ms",
                    config.body_timeout_ms
                );
                return refuse(ServiceError::BodyTimeout, &message);
            }
        };
        // The executor reads the whole request, envelope included (as under `kiln run`); the
        // service reads only what it needs before the call: the time budget and the id.
        let fields = kiln_runner::request::envelope_fields(&body);
        let within = |limit: Duration| fields.remaining_time.map_or(limit, |left| left.min(limit));
        let (wait, timeout) = (within(config.queue_timeout()), within(config.timeout()));
        let request_id = fields.request_id;
        let executor_request = body;
        let queued = Instant::now();
        let submitted =
            ready
                .pool
                .submit(slot, executor_request, request_id.clone(), wait, timeout);
        let Some(mut ticket) = submitted else {
            return refuse(
                ServiceError::NotReady,
                "its shutdown (the evaluator is draining its calls)",
            );
        };
        let reply = tokio::select! {
            reply = &mut ticket.reply => reply,
            _ = tokio::time::sleep(wait) => {
                if ticket.abandon() {
                    Ok(Reply::Expired { waited: queued.elapsed() })
                } else {
                    (&mut ticket.reply).await
                }
            }
        };
        let mut answered = match reply {
            Ok(Reply::Answered { outcome, waited }) => {
                let outcome = *outcome;
                let error_type = outcome.metrics.error.map(|kind| kind.zid().to_string());
                Answered {
                    status: errors::sent_status(
                        config.status,
                        errors::status_of(outcome.metrics.error),
                    ),
                    body: outcome.answer,
                    request_id: None,
                    error_type,
                    rejected: None,
                    fuel: Some(outcome.metrics.fuel),
                    waited: Some(waited),
                }
            }
            Ok(Reply::Expired { waited }) => {
                let message = format!(
                    "{} ms (waited {} ms in the queue)",
                    wait.as_millis(),
                    waited.as_millis()
                );
                let mut answered = refuse(ServiceError::NoRunnerInTime, &message);
                answered.status = errors::sent_status(config.status, answered.status);
                answered.waited = Some(waited);
                answered
            }
            Err(_) => refuse(
                ServiceError::WorkerLost,
                "the call was lost: its worker stopped",
            ),
        };
        answered.request_id = request_id;
        answered
    }

    fn next_request_id(&self) -> String {
        format!("kiln-{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

/// One evaluation request's answer, and what its log line and metrics need.
struct Answered {
    status: u16,
    body: String,
    request_id: Option<String>,
    error_type: Option<String>,
    /// Set when the service answered without a call (the rejection reason).
    rejected: Option<&'static str>,
    fuel: Option<u64>,
    waited: Option<Duration>,
}

impl Answered {
    fn service(error: ServiceError, body: String) -> Self {
        Self {
            status: error.status(),
            body,
            request_id: None,
            error_type: Some(error.error_type().zid().to_string()),
            rejected: Some(error.reason()),
            fuel: None,
            waited: None,
        }
    }
}

fn refuse(error: ServiceError, message: &str) -> Answered {
    Answered::service(error, error.answer(message).to_string())
}

async fn evaluate(State(service): State<Arc<Service>>, request: Request) -> Response {
    let started = Instant::now();
    let answered = service.evaluate(request).await;
    let elapsed = started.elapsed();
    let request_id = answered
        .request_id
        .clone()
        .unwrap_or_else(|| service.next_request_id());
    let metrics = &service.metrics;
    metrics.respond(answered.status);
    match answered.rejected {
        Some(reason) => metrics.reject(reason),
        None => metrics.call(
            answered.error_type.as_deref(),
            elapsed.as_secs_f64(),
            answered.fuel.unwrap_or(0),
        ),
    }
    tracing::info!(
        request_id = request_id.as_str(),
        status = answered.status,
        duration_ms = elapsed.as_secs_f64() * 1e3,
        queue_ms = answered.waited.map(|w| w.as_secs_f64() * 1e3),
        outcome = match (answered.rejected, &answered.error_type) {
            (Some(reason), _) => reason,
            (None, Some(_)) => "error",
            (None, None) => "value",
        },
        error_type = answered.error_type.as_deref(),
        fuel = answered.fuel,
        "evaluate"
    );
    let mut response = Response::new(Body::from(answered.body));
    *response.status_mut() =
        StatusCode::from_u16(answered.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", value);
    }
    response
}

async fn info(State(service): State<Arc<Service>>) -> Response {
    let (status, body) = match service.ready.get() {
        Some(ready) => (StatusCode::OK, ready.info.clone()),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"name": "kiln", "ready": false}).to_string(),
        ),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn metrics_text(State(service): State<Arc<Service>>) -> Response {
    if let Some(cache) = service
        .ready
        .get()
        .and_then(|ready| ready.runner.code_cache())
    {
        service.metrics.record_code_cache(&cache.stats());
    }
    let mut response = Response::new(Body::from(service.metrics.encode()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(metrics::CONTENT_TYPE),
    );
    response
}

/// What `/_info` says once ready: who we are and what we serve.
fn info_json(
    config: &Config,
    workers: usize,
    inspection: Option<&kiln_compiler::inspect::Inspection>,
) -> serde_json::Value {
    let sha256 = match inspection {
        Some(inspection) => Some(inspection.sha256.clone()),
        None => std::fs::read(&config.artifact)
            .ok()
            .map(|bytes| kiln_compiler::sha256_hex(&bytes)),
    };
    let build = inspection.map(|i| &i.build_info);
    serde_json::json!({
        "name": "kiln",
        "version": kiln_runner::KILN_VERSION,
        "description": "kiln function evaluator: JavaScript implementations in a sandboxed, \
                        ahead-of-time compiled QuickJS executor",
        "ready": true,
        "artifact": {
            "sha256": sha256,
            "kind": build.map(|b| b.kind.clone()),
        },
        "wasmtimeVersion": kiln_runner::WASMTIME_VERSION,
        "quickjsVersion": build.and_then(|b| b.language_version()),
        "programmingLanguages": ["javascript"],
        "callbacks": false,
        "workers": workers,
        "queue": config.queue,
        "deterministic": config.deterministic,
    })
}

/// Whether a Content-Type names JSON (`application/json`, `…+json`, any parameters).
fn is_json(value: &HeaderValue) -> bool {
    let Ok(text) = value.to_str() else {
        return false;
    };
    let essence = text.split(';').next().unwrap_or("").trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn content_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised() {
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.kiln+json",
        ] {
            assert!(is_json(&HeaderValue::from_static(yes)), "{yes}");
        }
        for no in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "json",
            "",
        ] {
            assert!(!is_json(&HeaderValue::from_static(no)), "{no}");
        }
    }
}
