//! The HTTP server: routes, limits, the A/B routing of a request's series, responses,
//! metrics, reload without restart and the drain on SIGTERM.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tsforge_store::Registry;
use tsforge_store::db::ForecastBatch;

use crate::arms::{Arm, ArmAnswer, ArmSpec, DataOptions, Served, Target};
use crate::error::ApiError;
use crate::error::ServeError;
use crate::log::{ForecastLog, LogJob};
use crate::metrics::Metrics;
use crate::request::{self, ForecastRequest, Limits};

/// `tsforge serve`'s settings.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bundles: Vec<ArmSpec>,
    pub data: DataOptions,
    /// `champion=0.9,challenger=0.1`; default equal shares.
    pub split: Option<String>,
    pub host: String,
    /// 0: a free port (printed at start).
    pub port: u16,
    /// Worker threads (HTTP and forecasting); 0: the machine's cores.
    pub threads: usize,
    /// The runs database that logs every answered forecast; `None`: no log.
    pub store: Option<PathBuf>,
    pub max_body_bytes: usize,
    pub max_series: usize,
    pub max_history: usize,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            bundles: Vec::new(),
            data: DataOptions::default(),
            split: None,
            host: "127.0.0.1".into(),
            port: 8080,
            threads: 0,
            store: Some(PathBuf::from("reports/tsforge.db")),
            max_body_bytes: 64 << 20,
            max_series: 50_000,
            max_history: 100_000,
        }
    }
}

/// The server's shared state.
struct App {
    served: RwLock<Arc<Served>>,
    options: ServeOptions,
    metrics: Arc<Metrics>,
    log: ForecastLog,
    registry: Registry,
    /// Serialises reloads (a second one waits for the first).
    reloading: std::sync::Mutex<()>,
}

impl App {
    fn current(&self) -> Arc<Served> {
        Arc::clone(&self.served.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// Loads the bundles, binds and serves until SIGTERM or Ctrl-C, then drains in-flight
/// requests and the forecast log. `ready` hears the bound address.
pub fn serve(options: ServeOptions, registry: Registry, ready: impl FnOnce(SocketAddr, &[(String, String, f64)])) -> Result<(), ServeError> {
    let threads = if options.threads == 0 { std::thread::available_parallelism().map_or(2, std::num::NonZero::get) } else { options.threads };
    // models that use rayon (tree prediction, features) stay within the thread budget
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
    let served = Served::load(&options.bundles, &options.data, options.split.as_deref(), &registry)?;
    let metrics = Arc::new(Metrics::default());
    let log = ForecastLog::start(options.store.clone(), Arc::clone(&metrics))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .max_blocking_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Io(format!("starting the HTTP runtime: {e}")))?;
    let addr: SocketAddr =
        format!("{}:{}", options.host, options.port).parse().map_err(|_| ServeError::Usage(format!("--host {} --port {}: not an IP address and port", options.host, options.port)))?;
    let app = Arc::new(App { served: RwLock::new(Arc::new(served)), options, metrics, log, registry, reloading: std::sync::Mutex::new(()) });
    let router = Router::new()
        .route("/v1/forecast", post(forecast))
        .route("/v1/models", get(models))
        .route("/v1/models/reload", post(reload))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(Arc::clone(&app));
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| ServeError::Usage(format!("--host/--port {addr}: cannot listen there ({e})")))?;
        let bound = listener.local_addr().map_err(|e| ServeError::Io(e.to_string()))?;
        let arms: Vec<(String, String, f64)> = {
            let s = app.current();
            s.split.arms.iter().map(|(name, share)| (name.clone(), s.arm(name).map(|a| a.forecaster.bundle.id.clone()).unwrap_or_default(), *share)).collect()
        };
        ready(bound, &arms);
        axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await.map_err(|e| ServeError::Io(format!("serving: {e}")))
    })?;
    // in-flight requests are done: write what the log still holds
    app.log.finish();
    drop(runtime);
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C (axum then stops accepting and drains).
async fn shutdown_signal() {
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let on_ctrl_c = tx.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = on_ctrl_c.send(true);
        }
    });
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::spawn(async move {
            term.recv().await;
            let _ = tx.send(true);
        });
    }
    let _ = rx.wait_for(|stop| *stop).await;
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn answer(app: &App, route: &str, result: Result<String, ApiError>) -> Response {
    match result {
        Ok(body) => {
            app.metrics.request(route, 200);
            json_response(StatusCode::OK, body)
        }
        Err(e) => {
            app.metrics.request(route, e.status.as_u16());
            app.metrics.error(e.kind);
            json_response(e.status, e.body())
        }
    }
}

async fn forecast(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let result = match read_body(&app, request).await {
        Err(e) => Err(e),
        Ok(bytes) => {
            let worker = Arc::clone(&app);
            // forecasting is CPU work: off the async threads
            tokio::task::spawn_blocking(move || worker.forecast(&bytes)).await.unwrap_or_else(|e| Err(ApiError::internal(format!("the forecast failed unexpectedly ({e}); the server goes on"))))
        }
    };
    app.metrics.latency(started.elapsed().as_secs_f64());
    answer(&app, "/v1/forecast", result)
}

/// The body, within the limit: a declared length over it is refused before one byte is
/// read (a client that sent `Expect: 100-continue` never sends the body).
async fn read_body(app: &App, request: Request) -> Result<Bytes, ApiError> {
    let limit = app.options.max_body_bytes;
    let too_large = || ApiError::too_large(None, format!("the body is larger than the {limit} bytes this server accepts (--max-body-mb)"));
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    if !is_json(request.headers()) {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_json", Some("Content-Type".into()), "send the body as application/json"));
    }
    axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|e| if e.to_string().contains("length limit") { too_large() } else { ApiError::new(StatusCode::BAD_REQUEST, "bad_body", None, format!("the body could not be read: {e}")) })
}

/// A Content-Type, when given, must be JSON.
fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_none_or(|v| v.to_str().is_ok_and(|t| t.trim().to_ascii_lowercase().starts_with("application/json")))
}

/// A series of the request and where its answer is.
struct Placed {
    arm: usize,
    id: String,
}

impl App {
    fn forecast(&self, body: &[u8]) -> Result<String, ApiError> {
        let limits = Limits { max_series: self.options.max_series, max_history: self.options.max_history };
        let req = request::parse(body, limits)?;
        let served = self.current();
        let (targets, placed) = route(&served, &req)?;
        let mut answers: Vec<Option<ArmAnswer>> = vec![None; served.arms.len()];
        for (a, targets) in targets.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
            let arm = &served.arms[a];
            let horizon = req.horizon.unwrap_or_else(|| arm.forecaster.horizon());
            answers[a] = Some(arm.answer(targets, horizon, req.as_of.as_deref())?);
        }
        let positions: Vec<HashMap<&str, usize>> = answers.iter().map(|a| a.as_ref().map(|a| a.ids.iter().enumerate().map(|(k, id)| (id.as_str(), k)).collect()).unwrap_or_default()).collect();
        let mut forecasts = Vec::with_capacity(placed.len());
        for p in &placed {
            let (arm, Some(ans)) = (&served.arms[p.arm], &answers[p.arm]) else { continue };
            let Some(&k) = positions[p.arm].get(p.id.as_str()) else { continue };
            let h = ans.horizon;
            let mut f = json!({"id": p.id, "arm": arm.name, "model": arm.forecaster.submission_alias(), "mean": &ans.values[k * h..(k + 1) * h]});
            if !ans.intervals.is_empty() {
                let intervals: serde_json::Map<String, Value> =
                    ans.intervals.iter().map(|(level, lo, hi)| (level.to_string(), json!({"lo": &lo[k * h..(k + 1) * h], "hi": &hi[k * h..(k + 1) * h]}))).collect();
                f["intervals"] = Value::Object(intervals);
            }
            forecasts.push(f);
        }
        let mut arms = serde_json::Map::new();
        let mut jobs = LogJob { bundles: Vec::new(), batches: Vec::new() };
        for (a, ans) in answers.iter().enumerate() {
            let Some(ans) = ans else { continue };
            let arm = &served.arms[a];
            self.metrics.arm(&arm.name, ans.ids.len());
            arms.insert(arm.name.clone(), json!({"bundle_id": arm.forecaster.bundle.id, "run_name": arm.forecaster.bundle.index.run_name, "model": arm.forecaster.submission_alias(), "series": ans.ids.len(), "origin": ans.origin, "periods": ans.periods}));
            if self.log.enabled() {
                jobs.bundles.push((arm.forecaster.bundle.id.clone(), arm.forecaster.bundle.index.settings.clone()));
                jobs.batches.push(batch(arm, ans));
            }
        }
        let split: serde_json::Map<String, Value> = served.split.arms.iter().map(|(n, s)| (n.clone(), json!(s))).collect();
        let body = json!({"forecasts": forecasts, "arms": arms, "split": split}).to_string();
        if self.log.enabled() {
            self.log.send(jobs);
        }
        Ok(body)
    }
}

/// Which arm answers each series, and as what target.
fn route(served: &Served, req: &ForecastRequest) -> Result<(Vec<Vec<Target>>, Vec<Placed>), ApiError> {
    let chosen = match &req.model {
        Some(m) => Some(served.arms.iter().position(|a| &a.name == m).ok_or_else(|| ApiError::field("model", format!("no arm is named '{m}' (serving: {})", names(served))))?),
        None => None,
    };
    let arm_of = |id: &str| -> usize {
        chosen.unwrap_or_else(|| {
            let canonical = id.strip_suffix("_validation").or_else(|| id.strip_suffix("_evaluation")).unwrap_or(id);
            let name = served.split.arm_of(canonical);
            served.arms.iter().position(|a| a.name == name).unwrap_or(0)
        })
    };
    let mut targets: Vec<Vec<Target>> = vec![Vec::new(); served.arms.len()];
    let mut placed = Vec::with_capacity(req.series.len() + req.history.len());
    for (k, id) in req.series.iter().enumerate() {
        let a = arm_of(id);
        let arm = &served.arms[a];
        let row = arm.row(id).ok_or_else(|| unknown(arm, &format!("series[{k}]"), id))?;
        targets[a].push(Target::Known { field: format!("series[{k}]"), given: id.clone(), row });
        placed.push(Placed { arm: a, id: id.clone() });
    }
    for (k, h) in req.history.iter().enumerate() {
        let a = arm_of(&h.id);
        let field = format!("history[{k}]");
        match served.arms[a].row(&h.id) {
            Some(row) => targets[a].push(Target::Edited { field, given: h.id.clone(), row, values: h.values.clone() }),
            None => targets[a].push(Target::New { field, id: h.id.clone(), values: h.values.clone() }),
        }
        placed.push(Placed { arm: a, id: h.id.clone() });
    }
    Ok((targets, placed))
}

fn names(served: &Served) -> String {
    served.arms.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn unknown(arm: &Arm, field: &str, id: &str) -> ApiError {
    let n = arm.history.n_series();
    let example = arm.history.ids.first().map(|e| format!(", e.g. {e}")).unwrap_or_default();
    ApiError::unknown_series(field, format!("unknown series '{id}': not in the data of arm {} ({n} series{example}); give it by value in \"history\"", arm.name))
}

/// One arm's answer as a batch of the forecast log.
fn batch(arm: &Arm, ans: &ArmAnswer) -> ForecastBatch {
    let index = &arm.forecaster.bundle.index;
    let h = ans.horizon;
    ForecastBatch {
        source: "serve".into(),
        bundle_id: arm.forecaster.bundle.id.clone(),
        run_name: index.run_name.clone(),
        arm: arm.name.clone(),
        model: index.submission.clone(),
        origin: ans.origin.clone(),
        first_period: ans.periods.first().cloned().unwrap_or_default(),
        horizon: h,
        data_kind: index.data.kind.clone(),
        backtest: index.submission_backtest(),
        series: ans.series.iter().enumerate().map(|(k, id)| (id.clone(), ans.values[k * h..(k + 1) * h].to_vec())).collect(),
    }
}

async fn models(State(app): State<Arc<App>>) -> Response {
    let served = app.current();
    let arms: Vec<Value> = served
        .arms
        .iter()
        .map(|arm| {
            let b = &arm.forecaster.bundle;
            let i = &b.index;
            let share = served.split.arms.iter().find(|(n, _)| n == &arm.name).map_or(0.0, |(_, s)| *s);
            json!({
                "arm": arm.name,
                "share": share,
                "bundle": arm.path.display().to_string(),
                "bundle_id": b.id,
                "format_version": i.format_version,
                "tsforge_version": i.tsforge_version,
                "run_name": i.run_name,
                "trained_until": i.train_end,
                "horizon": i.horizon,
                "submission": i.submission,
                "models": i.models.iter().map(|m| json!({"alias": m.alias, "family": m.family, "backtest": m.valid})).collect::<Vec<_>>(),
                "ensemble": i.ensemble.as_ref().map(|e| json!({"alias": e.alias, "backtest": e.valid, "members": e.members.iter().map(|m| json!({"alias": m.alias, "weight": m.weight})).collect::<Vec<_>>()})),
                "series": arm.history.n_series(),
                "origin": arm.history.index.label(arm.history.n_time().saturating_sub(1)),
                "recipe": i.settings,
            })
        })
        .collect();
    answer(&app, "/v1/models", Ok(json!({"arms": arms}).to_string()))
}

async fn reload(State(app): State<Arc<App>>) -> Response {
    let worker = Arc::clone(&app);
    let result = tokio::task::spawn_blocking(move || worker.reload()).await.unwrap_or_else(|e| Err(ApiError::internal(format!("reload failed unexpectedly ({e})"))));
    app.metrics.reload(result.is_ok());
    answer(&app, "/v1/models/reload", result)
}

impl App {
    /// Reads every bundle again from its path; the new set replaces the old only when
    /// all of it loaded (requests never see a half-loaded bundle).
    fn reload(&self) -> Result<String, ApiError> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = Served::load(&self.options.bundles, &self.options.data, self.options.split.as_deref(), &self.registry)
            .map_err(|e| ApiError::new(StatusCode::CONFLICT, "reload_failed", None, format!("the bundles were not reloaded, the old ones keep serving: {e}")))?;
        let ids: Vec<Value> = fresh.arms.iter().map(|a| json!({"arm": a.name, "bundle_id": a.forecaster.bundle.id})).collect();
        *self.served.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(fresh);
        Ok(json!({"reloaded": ids}).to_string())
    }
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let n = app.current().arms.len();
    answer(&app, "/healthz", Ok(json!({"status": "ok", "bundles": n}).to_string()))
}

async fn metrics_text(State(app): State<Arc<App>>) -> Response {
    let served = app.current();
    let text = app.metrics.render(&served.split.arms, served.arms.len());
    app.metrics.request("/metrics", 200);
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn not_found(State(app): State<Arc<App>>) -> Response {
    answer(&app, "other", Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", None, "no such route; see POST /v1/forecast, GET /v1/models, POST /v1/models/reload, GET /healthz, GET /metrics")))
}

async fn method_not_allowed(State(app): State<Arc<App>>) -> Response {
    answer(
        &app,
        "other",
        Err(ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None, "this route does not take that method (POST /v1/forecast, POST /v1/models/reload, GET elsewhere)")),
    )
}
