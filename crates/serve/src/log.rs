//! The served forecasts' log: a thread that owns the runs database connection and writes
//! each answered request's batches in one transaction, off the request path. Requests
//! wait only when the queue is full (back-pressure, never a dropped forecast).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tsforge_store::db::{BundleSettings, Db, ForecastBatch, now_unix_ms};

use crate::error::ServeError;
use crate::metrics::Metrics;

/// Batches queued before a request waits.
const QUEUE: usize = 256;

/// One request's batches, and the settings of its bundles.
#[derive(Debug)]
pub struct LogJob {
    pub bundles: Vec<BundleSettings>,
    pub batches: Vec<ForecastBatch>,
}

/// The log's sending side; dropping it (and waiting with [`ForecastLog::finish`]) writes
/// what is queued.
#[derive(Debug)]
pub struct ForecastLog {
    sender: Mutex<Option<SyncSender<LogJob>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl ForecastLog {
    /// Opens (or creates) the database now, so a bad `--store` fails at start.
    pub fn start(path: Option<PathBuf>, metrics: Arc<Metrics>) -> Result<ForecastLog, ServeError> {
        let Some(path) = path else {
            return Ok(ForecastLog { sender: Mutex::new(None), worker: Mutex::new(None) });
        };
        let db = Db::open(&path)?;
        let (sender, receiver) = sync_channel(QUEUE);
        let worker =
            std::thread::Builder::new().name("forecast-log".into()).spawn(move || write_loop(db, receiver, &metrics)).map_err(|e| ServeError::Io(format!("starting the forecast log: {e}")))?;
        Ok(ForecastLog { sender: Mutex::new(Some(sender)), worker: Mutex::new(Some(worker)) })
    }

    pub fn enabled(&self) -> bool {
        lock(&self.sender).is_some()
    }

    /// Queues a job (waits while the queue is full).
    pub fn send(&self, job: LogJob) {
        let sender = lock(&self.sender).clone();
        if let Some(s) = sender {
            // fails only once the writer is gone (after finish)
            let _ = s.send(job);
        }
    }

    /// Writes what is queued and stops the writer; later jobs are not logged.
    pub fn finish(&self) {
        lock(&self.sender).take();
        if let Some(w) = lock(&self.worker).take() {
            let _ = w.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write_loop(mut db: Db, receiver: Receiver<LogJob>, metrics: &Metrics) {
    let mut known: HashSet<String> = HashSet::new();
    while let Ok(job) = receiver.recv() {
        let bundles: Vec<BundleSettings> = job.bundles.into_iter().filter(|(id, _)| !known.contains(id)).collect();
        let n = job.batches.len();
        match db.log_forecasts(&bundles, &job.batches, now_unix_ms()) {
            Ok(_) => {
                known.extend(bundles.into_iter().map(|(id, _)| id));
                metrics.logged(n, false);
            }
            Err(e) => {
                eprintln!("tsforge serve: forecast log: {e}");
                metrics.logged(n, true);
            }
        }
    }
}
