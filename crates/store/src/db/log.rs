//! The forecast log: every forecast `tsforge predict` writes and `tsforge serve` answers,
//! kept so that `tsforge monitor` can join it to the actuals when they arrive.

use rusqlite::params;

use super::{Db, sql};
use crate::error::{Result, StoreError};

/// The forecasts of one bundle's submitted model from one origin: a `predict` call, or
/// the series of one served request that one arm answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastBatch {
    /// "predict" or "serve".
    pub source: String,
    pub bundle_id: String,
    pub run_name: String,
    /// The A/B arm (served), or the label `tsforge predict --arm` gave (default "batch").
    pub arm: String,
    /// Alias of the submitted model or ensemble.
    pub model: String,
    /// Label of the last history period.
    pub origin: String,
    /// Label of the first forecast period.
    pub first_period: String,
    pub horizon: usize,
    /// "m5" or "long": how the actuals are scored.
    pub data_kind: String,
    /// The bundle's mean backtest score of the submission: the monitor's reference.
    pub backtest: Option<f64>,
    /// `(series id, horizon values)`.
    pub series: Vec<(String, Vec<f64>)>,
}

/// The run settings of a logged bundle (how its data, and so the actuals, are read).
pub type BundleSettings = (String, serde_json::Value);

/// A logged batch read back, with when it was logged.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedBatch {
    pub id: i64,
    pub logged_unix_ms: i64,
    pub batch: ForecastBatch,
}

/// Now, in milliseconds since 1970 (UTC): when a batch is logged.
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Which logged batches to read.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// A bundle id or its prefix.
    pub bundle: Option<String>,
    pub arm: Option<String>,
}

impl Db {
    /// Appends `batches` to the log in one transaction; returns the rows' ids.
    /// `bundles` are the batches' bundles with their run settings, kept once per bundle.
    pub fn log_forecasts(&mut self, bundles: &[BundleSettings], batches: &[ForecastBatch], logged_unix_ms: i64) -> Result<Vec<i64>> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(sql(&path, "logging forecasts"))?;
        let mut ids = Vec::with_capacity(batches.len());
        {
            let mut bundle_row = tx.prepare("INSERT OR IGNORE INTO logged_bundles (bundle_id, settings) VALUES (?1, ?2)").map_err(sql(&path, "logging forecasts"))?;
            for (id, settings) in bundles {
                bundle_row.execute(params![id, settings.to_string()]).map_err(sql(&path, "logging forecasts"))?;
            }
            let mut batch_row = tx
                .prepare(
                    "INSERT INTO forecast_batches (logged_unix_ms, source, bundle_id, run_name, arm, model, origin, first_period, horizon, data_kind, backtest)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(sql(&path, "logging forecasts"))?;
            let mut series_row = tx.prepare("INSERT OR REPLACE INTO logged_forecasts (batch_id, series_id, forecast) VALUES (?1, ?2, ?3)").map_err(sql(&path, "logging forecasts"))?;
            for b in batches {
                let horizon = i64::try_from(b.horizon).unwrap_or(i64::MAX);
                batch_row
                    .execute(params![logged_unix_ms, b.source, b.bundle_id, b.run_name, b.arm, b.model, b.origin, b.first_period, horizon, b.data_kind, b.backtest])
                    .map_err(sql(&path, "logging forecasts"))?;
                let id = tx.last_insert_rowid();
                for (series, values) in &b.series {
                    let text = serde_json::to_string(values).map_err(|e| StoreError::Failed(format!("forecast log: {e}")))?;
                    series_row.execute(params![id, series, text]).map_err(sql(&path, "logging forecasts"))?;
                }
                ids.push(id);
            }
        }
        tx.commit().map_err(sql(&path, "logging forecasts"))?;
        Ok(ids)
    }

    /// The run settings logged with bundle `bundle_id`.
    pub fn logged_settings(&self, bundle_id: &str) -> Result<Option<serde_json::Value>> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT settings FROM logged_bundles WHERE bundle_id = ?1", [bundle_id], |r| r.get(0))
            .map(Some)
            .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
            .map_err(sql(&self.path, "reading the forecast log"))?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Failed(format!("{}: logged settings of bundle {bundle_id}: {e}", self.path.display())))).transpose()
    }

    /// Logged batches (oldest first) with their forecasts.
    pub fn logged_forecasts(&self, filter: &LogFilter) -> Result<Vec<LoggedBatch>> {
        let path = &self.path;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, logged_unix_ms, source, bundle_id, run_name, arm, model, origin, first_period, horizon, data_kind, backtest FROM forecast_batches
                 WHERE (?1 IS NULL OR bundle_id LIKE ?1 || '%') AND (?2 IS NULL OR arm = ?2) ORDER BY id",
            )
            .map_err(sql(path, "reading the forecast log"))?;
        let rows = stmt
            .query_map(params![filter.bundle, filter.arm], |r| {
                let horizon: i64 = r.get(9)?;
                Ok(LoggedBatch {
                    id: r.get(0)?,
                    logged_unix_ms: r.get(1)?,
                    batch: ForecastBatch {
                        source: r.get(2)?,
                        bundle_id: r.get(3)?,
                        run_name: r.get(4)?,
                        arm: r.get(5)?,
                        model: r.get(6)?,
                        origin: r.get(7)?,
                        first_period: r.get(8)?,
                        horizon: usize::try_from(horizon).unwrap_or(0),
                        data_kind: r.get(10)?,
                        backtest: r.get(11)?,
                        series: Vec::new(),
                    },
                })
            })
            .map_err(sql(path, "reading the forecast log"))?;
        let mut batches = rows.collect::<std::result::Result<Vec<_>, _>>().map_err(sql(path, "reading the forecast log"))?;
        let mut series = self.conn.prepare("SELECT series_id, forecast FROM logged_forecasts WHERE batch_id = ?1 ORDER BY rowid").map_err(sql(path, "reading the forecast log"))?;
        for b in &mut batches {
            let rows = series.query_map([b.id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql(path, "reading the forecast log"))?;
            for row in rows {
                let (id, text) = row.map_err(sql(path, "reading the forecast log"))?;
                let values: Vec<Option<f64>> = serde_json::from_str(&text).map_err(|e| StoreError::Failed(format!("{}: forecast log batch {}: series {id}: {e}", path.display(), b.id)))?;
                b.batch.series.push((id, values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect()));
            }
        }
        Ok(batches)
    }
}
