//! `feature_importance.csv`: per model, every feature's share of the split gain.

use std::fmt::Write as _;

use tsforge_core::FeatureImportance;

/// Feature importance of every model that reports one, in leaderboard order.
#[derive(Debug, Default)]
pub struct ImportanceTable {
    models: Vec<(String, Vec<FeatureImportance>)>,
}

impl ImportanceTable {
    pub fn add(&mut self, alias: &str, importance: &[FeatureImportance]) {
        if !importance.is_empty() {
            self.models.push((alias.to_string(), importance.to_vec()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// `alias,rank,feature,gain,gain_share,splits`; features by gain, highest first
    /// (ties by name, so the file is deterministic).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("alias,rank,feature,gain,gain_share,splits\n");
        for (alias, features) in &self.models {
            let total: f64 = features.iter().map(|f| f.gain).sum();
            let mut ranked: Vec<&FeatureImportance> = features.iter().collect();
            ranked.sort_by(|a, b| b.gain.total_cmp(&a.gain).then(a.feature.cmp(&b.feature)));
            for (k, f) in ranked.iter().enumerate() {
                let share = if total > 0.0 { f.gain / total } else { 0.0 };
                let _ = writeln!(out, "{alias},{},{},{},{share},{}", k + 1, f.feature, f.gain, f.splits);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_gain_and_shares_sum_to_one() {
        let mut t = ImportanceTable::default();
        let f = |n: &str, g: f64| FeatureImportance { feature: n.into(), gain: g, splits: g / 10.0 };
        t.add("M", &[f("lag28", 10.0), f("price", 30.0), f("snap", 0.0)]);
        t.add("Empty", &[]);
        let csv = t.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1], "M,1,price,30,0.75,3");
        assert_eq!(lines[2], "M,2,lag28,10,0.25,1");
        assert_eq!(lines[3], "M,3,snap,0,0,0");
    }
}
