//! `tsforge leaderboard [RUN]`: a finished run's leaderboard from its records only
//! (`leaderboard.json`), printed and rendered again as Markdown, CSV and HTML.

use std::path::{Path, PathBuf};

use tsforge_report::RunRecord;

use crate::args::LeaderboardArgs;
use crate::exit::usage;

pub fn execute(args: &LeaderboardArgs) -> anyhow::Result<()> {
    let dir = args.run.clone().unwrap_or_else(|| PathBuf::from("reports").join("quickstart"));
    let record = read_record(&dir)?;
    println!("{}\n", record.title);
    print!("{}", record.leaderboard.to_terminal());
    if !args.no_write {
        let files: [(&str, Vec<u8>); 3] = [
            ("leaderboard.md", record.leaderboard.to_markdown(&record.title, &record.notes).into_bytes()),
            ("leaderboard.csv", record.leaderboard.to_csv().into_bytes()),
            ("leaderboard.html", tsforge_report::to_html(&record).into_bytes()),
        ];
        for (name, bytes) in files {
            tsforge_data::write::write_atomic(&dir.join(name), &bytes)?;
        }
        println!("\nWrote {}/leaderboard.{{md,csv,html}}", dir.display());
    }
    Ok(())
}

pub fn read_record(dir: &Path) -> anyhow::Result<RunRecord> {
    let path = dir.join("leaderboard.json");
    let text = std::fs::read_to_string(&path).map_err(|e| usage(format!("{}: cannot read the run's records: {e} (is {} a run folder?)", path.display(), dir.display())))?;
    serde_json::from_str(&text).map_err(|e| usage(format!("{}: not a tsforge leaderboard: {e}", path.display())))
}
