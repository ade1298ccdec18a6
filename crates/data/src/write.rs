//! Forecast writers (M5 submission and long format) and atomic file output.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use tsforge_core::hierarchy::Hierarchy;
use tsforge_core::metrics::M5_QUANTILES;
use tsforge_core::{Forecast, Panel};

use crate::error::{DataError, Result};

/// M5 submission layout: `id,F1..Fh`, one row per series; `suffix` is appended to
/// each id (`_validation` or `_evaluation`, as on Kaggle).
pub fn m5_submission(panel: &Panel, forecast: &Forecast, suffix: &str) -> String {
    let mut out = String::with_capacity(forecast.values.len() * 6);
    out.push_str("id");
    for k in 1..=forecast.horizon {
        let _ = write!(out, ",F{k}");
    }
    out.push('\n');
    for (i, id) in panel.ids.iter().enumerate() {
        out.push_str(&field(&format!("{id}{suffix}")));
        for v in forecast.row(i) {
            let _ = write!(out, ",{}", fmt_value(*v));
        }
        out.push('\n');
    }
    out
}

/// The M5 Uncertainty layout: `id,F1..Fh`, nine rows per series of every level, ids
/// as Kaggle wrote them (`Total_X_0.005_validation`, `CA_1_X_…` for single-key
/// levels, `CA_1_HOBBIES_1_0.975_…`, `HOBBIES_1_001_CA_1_0.500_…`), quantile by
/// quantile, level by level. `quantiles[level]` is `groups × 9 × horizon` (series,
/// quantile, step), the levels those of [`Hierarchy::m5`].
pub fn m5_uncertainty(hierarchy: &Hierarchy, quantiles: &[Vec<f64>], horizon: usize, suffix: &str) -> String {
    let nq = M5_QUANTILES.len();
    let mut out = String::from("id");
    for k in 1..=horizon {
        let _ = write!(out, ",F{k}");
    }
    out.push('\n');
    for (j, u) in M5_QUANTILES.iter().enumerate() {
        for (level, q) in hierarchy.levels.iter().zip(quantiles) {
            // levels keyed by one id (total, state, store, cat, dept, item) carry an `X`
            let single = !level.name.contains('_');
            for (g, group) in level.groups.iter().enumerate() {
                let key = if single { format!("{}_X", group.key) } else { group.key.clone() };
                out.push_str(&field(&format!("{key}_{u:.3}{suffix}")));
                for v in q.get((g * nq + j) * horizon..(g * nq + j + 1) * horizon).unwrap_or_default() {
                    let _ = write!(out, ",{}", fmt_value(*v));
                }
                out.push('\n');
            }
        }
    }
    out
}

/// Long layout (statsforecast style): `unique_id,ds,ALIAS` plus `ALIAS-lo-80,ALIAS-hi-80`
/// style columns for each prediction interval; each series' forecast starts right after
/// the end of its own history. A missing interval bound is an empty cell.
pub fn long_forecast(panel: &Panel, forecast: &Forecast) -> String {
    let alias = &forecast.alias;
    let mut out = format!("unique_id,ds,{}", field(alias));
    for iv in &forecast.intervals {
        let _ = write!(out, ",{},{}", field(&format!("{alias}-lo-{}", iv.level)), field(&format!("{alias}-hi-{}", iv.level)));
    }
    out.push('\n');
    let cell = |v: f64| if v.is_nan() { String::new() } else { fmt_value(v) };
    for (i, id) in panel.ids.iter().enumerate() {
        let id = field(id);
        let end = panel.spans[i].1;
        for (k, v) in forecast.row(i).iter().enumerate() {
            let _ = write!(out, "{id},{},{}", panel.index.label(end + k), fmt_value(*v));
            let at = i * forecast.horizon + k;
            for iv in &forecast.intervals {
                let _ = write!(out, ",{},{}", cell(iv.lo[at]), cell(iv.hi[at]));
            }
            out.push('\n');
        }
    }
    out
}

/// Backtest forecasts in the layout of statsforecast's `cross_validation`:
/// `unique_id,ds,cutoff,y` and one column per model, a row per series, window and step.
/// Each window is its training panel (`cutoff` is each series' last training period)
/// and its `n × horizon` truth; each model gives its windows' forecasts one after
/// another, in the windows' order.
pub fn cross_validation(windows: &[(&Panel, &[f64])], horizon: usize, models: &[(&str, &[f64])]) -> String {
    let mut out = String::from("unique_id,ds,cutoff,y");
    for (alias, _) in models {
        let _ = write!(out, ",{}", field(alias));
    }
    out.push('\n');
    let mut offset = 0;
    for (panel, actual) in windows {
        for (i, id) in panel.ids.iter().enumerate() {
            let id = field(id);
            let end = panel.spans[i].1;
            let cutoff = panel.index.label(end.saturating_sub(1));
            for k in 0..horizon {
                let at = i * horizon + k;
                let _ = write!(out, "{id},{},{cutoff},{}", panel.index.label(end + k), actual.get(at).map_or(String::new(), |&v| fmt_value(v)));
                for (_, values) in models {
                    let _ = write!(out, ",{}", values.get(offset + at).map_or(String::new(), |&v| fmt_value(v)));
                }
                out.push('\n');
            }
        }
        offset += panel.n_series() * horizon;
    }
    out
}

/// A text field as RFC 4180 writes it: quoted (inner quotes doubled) when it holds a
/// comma, a quote or a line break, as is otherwise (so ordinary ids stay byte for byte).
pub fn field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) { Cow::Owned(format!("\"{}\"", text.replace('"', "\"\""))) } else { Cow::Borrowed(text) }
}

/// Shortest round-trip text of a value; integers without a decimal point.
pub fn fmt_value(v: f64) -> String {
    if v.is_finite() && v == v.trunc() && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// Writes `contents` to a temporary sibling and renames it into place, so readers
/// never see a half-written file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let label = path.display().to_string();
    let file_name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, contents).map_err(|source| DataError::Write { file: label.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        DataError::Write { file: label, source }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tsforge_core::TimeIndex;

    use crate::long::{LongSpec, load_bytes};

    /// The ids of the Kaggle M5 Uncertainty sample submission, for two items in one store.
    #[test]
    fn uncertainty_ids_follow_kaggle() {
        use tsforge_core::hierarchy::SeriesAttrs;
        let attrs: Vec<SeriesAttrs> =
            ["HOBBIES_1_001", "HOBBIES_1_002"].iter().map(|i| SeriesAttrs { item: i.to_string(), dept: "HOBBIES_1".into(), cat: "HOBBIES".into(), store: "CA_1".into(), state: "CA".into() }).collect();
        let h = Hierarchy::m5(&attrs);
        // every level: groups × 9 quantiles × 1 step, the value = quantile index
        let q: Vec<Vec<f64>> = h.levels.iter().map(|l| (0..l.groups.len()).flat_map(|_| (0..9).map(f64::from)).collect()).collect();
        let csv = m5_uncertainty(&h, &q, 1, "_validation");
        let ids: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap_or("")).collect();
        assert_eq!(ids.len(), 9 * 15); // nine levels of one series, three of two
        assert_eq!(&ids[..5], ["Total_X_0.005_validation", "CA_X_0.005_validation", "CA_1_X_0.005_validation", "HOBBIES_X_0.005_validation", "HOBBIES_1_X_0.005_validation"]);
        assert!(ids.contains(&"CA_1_HOBBIES_1_0.975_validation") && ids.contains(&"HOBBIES_1_002_CA_1_0.500_validation") && ids.contains(&"HOBBIES_1_001_X_0.250_validation"));
        assert!(csv.lines().skip(1).all(|l| l.split(',').nth(1).is_some()));
        assert!(csv.contains("Total_X_0.995_validation,8\n"));
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("FOODS_1_001_CA_1"), "FOODS_1_001_CA_1");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(field(" padded "), " padded ");
    }

    /// Records of a CSV text as an RFC-4180 reader (the `csv` crate) sees them.
    fn records(text: &str) -> Vec<Vec<String>> {
        let mut reader = ::csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
        reader.records().map(|r| r.map(|r| r.iter().map(str::to_string).collect()).unwrap_or_else(|e| panic!("{e}: {text}"))).collect()
    }

    fn panel(ids: &[String], t: usize) -> Panel {
        let y = (0..ids.len() * t).map(|k| (k % 7) as f32).collect();
        Panel::dense(ids.to_vec(), TimeIndex::Periods { start: 1, len: t }, y).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Ids of every kind of text: commas, quotes, CR, LF, spaces, non-ASCII; never empty.
    fn ids() -> impl Strategy<Value = Vec<String>> {
        let text = proptest::collection::vec(prop_oneof![Just(','), Just('"'), Just('\n'), Just('\r'), Just(' '), Just('é'), Just('_'), proptest::char::range('a', 'e')], 1..8)
            .prop_map(|cs| cs.into_iter().collect::<String>())
            // a field that is only blanks would read back as it is, but a "\r" or "\n"
            // alone at the start of a line is not a record: keep one visible character
            .prop_map(|s| format!("{s}x"));
        proptest::collection::btree_set(text, 1..6).prop_map(|s| s.into_iter().collect())
    }

    proptest! {
        /// A long forecast reads back through tsforge's own long reader with the same ids
        /// and values, whatever the ids hold.
        #[test]
        fn long_forecast_round_trips(ids in ids(), alias in prop_oneof![Just("Naive".to_string()), Just("a,b \"x\"".to_string())]) {
            let p = panel(&ids, 4);
            let values: Vec<f64> = (0..ids.len() * 2).map(|k| k as f64 * 0.5).collect();
            let f = Forecast::new(alias.clone(), ids.len(), 2, 4, values.clone()).unwrap_or_else(|e| panic!("{e}"));
            let text = long_forecast(&p, &f);
            let spec = LongSpec { target_col: alias.clone(), ..LongSpec::default() };
            let back = load_bytes(Path::new("f.csv"), text.clone().into_bytes(), &spec).unwrap_or_else(|e| panic!("{e}\n{text}"));
            prop_assert_eq!(&back.ids, &ids);
            let read: Vec<f64> = back.y.iter().map(|&v| f64::from(v)).collect();
            prop_assert_eq!(read, values);
            let rows = records(&text);
            prop_assert_eq!(&rows[0], &vec!["unique_id".to_string(), "ds".to_string(), alias]);
            prop_assert_eq!(rows.len(), 1 + 2 * ids.len());
        }

        /// Submission and backtest files parse back to the same ids, one record per row.
        #[test]
        fn submission_and_cv_round_trip(ids in ids()) {
            let p = panel(&ids, 3);
            let f = Forecast::new("m", ids.len(), 2, 3, vec![1.0; ids.len() * 2]).unwrap_or_else(|e| panic!("{e}"));
            let rows = records(&m5_submission(&p, &f, "_evaluation"));
            let expected: Vec<String> = ids.iter().map(|id| format!("{id}_evaluation")).collect();
            prop_assert_eq!(rows.iter().skip(1).map(|r| r[0].clone()).collect::<Vec<_>>(), expected);
            prop_assert!(rows.iter().all(|r| r.len() == 3));

            let truth = vec![0.0; ids.len() * 2];
            let model = vec![1.0; ids.len() * 2];
            let rows = records(&cross_validation(&[(&p, &truth)], 2, &[("a,\"b\"", &model)]));
            prop_assert_eq!(&rows[0][4], "a,\"b\"");
            let read: Vec<String> = rows.iter().skip(1).step_by(2).map(|r| r[0].clone()).collect();
            prop_assert_eq!(read, ids);
            prop_assert!(rows.iter().all(|r| r.len() == 5));
        }
    }

    #[test]
    fn ordinary_output_is_unchanged() {
        let ids = vec!["FOODS_1_001_CA_1".to_string(), "b".to_string()];
        let p = panel(&ids, 3);
        let f = Forecast::new("Naive", 2, 2, 3, vec![1.0, 2.5, 0.0, 3.0]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m5_submission(&p, &f, "_validation"), "id,F1,F2\nFOODS_1_001_CA_1_validation,1,2.5\nb_validation,0,3\n");
        assert_eq!(long_forecast(&p, &f), "unique_id,ds,Naive\nFOODS_1_001_CA_1,4,1\nFOODS_1_001_CA_1,5,2.5\nb,4,0\nb,5,3\n");
    }
}
