//! The run folder's discipline: tsforge replaces only folders it made (they carry a
//! marker), checks where it will write before any work starts, keeps one run per folder
//! at a time (a lock), and swaps a finished folder in so that a crash at any instant
//! leaves the old or the new folder whole, recovered on the next start.
//!
//! The swap: every file is written and synced into `.NAME.tmp-PID`, whose marker is
//! written last (the folder is complete once the marker is there); then `NAME` is
//! renamed to `.NAME.old-PID`, the new folder renamed to `NAME`, and the old one removed.
//! A crash between the two renames leaves no `NAME`, but a complete old and a complete
//! new folder beside it: [`recover`] moves the newest complete one back in place.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Result, io, usage};

/// The file every tsforge run folder carries, written last.
pub const MARKER: &str = ".tsforge-run";

fn parent_of(out: &Path) -> &Path {
    out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn name_of(out: &Path) -> Result<String> {
    match out.file_name().and_then(|n| n.to_str()) {
        Some(n) if !n.is_empty() && n != "." && n != ".." => Ok(n.to_string()),
        _ => Err(usage(format!("--out {}: expected a folder name at its end (not `.`, `..` or a root)", out.display()))),
    }
}

/// Whether `dir` is a run folder tsforge wrote (it has the marker).
pub fn is_run_folder(dir: &Path) -> bool {
    dir.join(MARKER).is_file()
}

/// Checks, before any work, that the run folder can go to `out`: its name is a folder
/// name, it is not (and does not contain) the data, an existing `out` is a tsforge run
/// folder or empty, and its parent is writable.
pub fn check_out(out: &Path, data: &Path) -> Result<()> {
    name_of(out)?;
    if out.exists() {
        if !out.is_dir() {
            return Err(usage(format!("--out {}: is a file, not a folder; tsforge writes a run folder there and will not replace your file", out.display())));
        }
        let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty && !is_run_folder(out) {
            return Err(usage(format!(
                "--out {}: the folder exists and is not a tsforge run folder (no {MARKER} in it); tsforge replaces only its own run folders: choose another --out",
                out.display()
            )));
        }
    }
    if data.exists()
        && let (Ok(o), Ok(d)) = (absolute(out), absolute(data))
        && d.starts_with(&o)
    {
        return Err(usage(format!("--out {}: the data ({}) is inside it; the run folder replaces its --out whole", out.display(), data.display())));
    }
    let parent = parent_of(out);
    std::fs::create_dir_all(parent).map_err(|e| usage(format!("--out {}: cannot create {}: {e}", out.display(), parent.display())))?;
    let probe = parent.join(format!(".{}.probe-{}", name_of(out)?, std::process::id()));
    File::create(&probe).map_err(|e| usage(format!("--out {}: cannot write in {}: {e}", out.display(), parent.display())))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The path made absolute and, where it exists, with its links resolved.
fn absolute(p: &Path) -> std::io::Result<PathBuf> {
    if p.exists() { p.canonicalize() } else { std::path::absolute(p) }
}

/// One run's hold on its folder: `.NAME.lock` beside it, removed when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the folder's lock; another live run holding it is a usage error (exit 2).
    /// A lock left by a process that no longer runs is taken over.
    pub fn take(out: &Path) -> Result<Lock> {
        let path = parent_of(out).join(format!(".{}.lock", name_of(out)?));
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder: Option<u32> = std::fs::read_to_string(&path).ok().and_then(|t| t.trim().parse().ok());
                    if holder.is_some_and(alive) {
                        return Err(usage(format!("--out {}: another tsforge run (pid {}) is writing this folder; wait for it or choose another --out", out.display(), holder.unwrap_or(0))));
                    }
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(io(&path)(e)),
            }
        }
        Err(usage(format!("--out {}: cannot take the lock {}", out.display(), path.display())))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether a process with this id runs (Linux: `/proc/PID`; elsewhere assume it does).
fn alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() { Path::new(&format!("/proc/{pid}")).exists() } else { true }
}

/// Puts a run folder an interrupted swap left aside back in place, and removes the
/// leftovers of interrupted runs; returns what it did, for the run's notes.
pub fn recover(out: &Path) -> Result<Vec<String>> {
    let (parent, name) = (parent_of(out), name_of(out)?);
    let Ok(entries) = std::fs::read_dir(parent) else { return Ok(Vec::new()) };
    let mut leftovers: Vec<(PathBuf, bool, std::time::SystemTime)> = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().to_string();
            let rest = file.strip_prefix(&format!(".{name}."))?;
            let tmp = rest.starts_with("tmp-");
            (tmp || rest.starts_with("old-")).then(|| (e.path(), tmp, e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH)))
        })
        .collect();
    let mut notes = Vec::new();
    if !out.exists() {
        // the newest complete folder wins: a finished new one over the old one it replaced
        leftovers.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
        if let Some(i) = leftovers.iter().position(|(p, _, _)| is_run_folder(p)) {
            let (path, _, _) = leftovers.remove(i);
            std::fs::rename(&path, out).map_err(io(out))?;
            notes.push(format!("Recovered {} from {} (an interrupted run had moved it aside).", out.display(), path.display()));
        }
    }
    for (path, _, _) in leftovers {
        if std::fs::remove_dir_all(&path).is_ok() {
            notes.push(format!("Removed {}, left by an interrupted run.", path.display()));
        }
    }
    Ok(notes)
}

/// Writes every file into a temporary sibling folder (synced, the marker last), then
/// swaps it into place (see the module docs).
pub fn write(out: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    let (parent, name) = (parent_of(out), name_of(out)?);
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    if out.exists() && !(out.is_dir() && (is_run_folder(out) || std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false))) {
        return Err(usage(format!("{}: exists and is not a tsforge run folder; not replaced", out.display())));
    }
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for (rel, bytes) in files {
        if rel.is_absolute() || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(usage(format!("{}: a run file must stay inside the run folder", rel.display())));
        }
        let path = tmp.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let mut f = File::create(&path).map_err(io(&path))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io(&path))?;
    }
    let marker = tmp.join(MARKER);
    let mut f = File::create(&marker).map_err(io(&marker))?;
    f.write_all(b"a tsforge run folder: tsforge may replace it whole\n").and_then(|()| f.sync_all()).map_err(io(&marker))?;
    sync_dir(&tmp);
    if out.exists() {
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(out, &old).map_err(io(out))?;
        std::fs::rename(&tmp, out).map_err(io(out))?;
        sync_dir(parent);
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp, out).map_err(io(out))?;
        sync_dir(parent);
    }
    Ok(())
}

/// Makes a folder's entries durable (best effort: not every platform syncs folders).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_run_folders_are_replaced_and_a_swap_leaves_one_whole_folder() {
        let dir = crate::scratch::Scratch::new("run-folder");
        let out = dir.path().join("run");
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "x").unwrap_or_else(|e| panic!("{e}"));
        assert!(check_out(&out, &data).is_ok());
        write(&out, &[(PathBuf::from("a.csv"), b"1".to_vec())]).unwrap_or_else(|e| panic!("{e}"));
        assert!(is_run_folder(&out) && check_out(&out, &data).is_ok());
        write(&out, &[(PathBuf::from("a.csv"), b"2".to_vec())]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(out.join("a.csv")).ok(), Some(b"2".to_vec()));
        // a user's folder, a user's file, the data's own folder: refused
        let mine = dir.path().join("mine");
        std::fs::create_dir_all(&mine).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(mine.join("notes.txt"), "keep").unwrap_or_else(|e| panic!("{e}"));
        assert!(check_out(&mine, &data).is_err() && write(&mine, &[]).is_err());
        assert!(check_out(&data, &data).is_err());
        assert!(check_out(dir.path(), &data).is_err(), "the data is inside");
        assert!(check_out(Path::new(".."), &data).is_err());
        // a crash between the renames: no `run`, the old aside; recovery puts it back
        std::fs::rename(&out, dir.path().join(".run.old-1")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(dir.path().join(".run.tmp-2")).unwrap_or_else(|e| panic!("{e}"));
        let notes = recover(&out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(out.join("a.csv")).ok(), Some(b"2".to_vec()), "{notes:?}");
        assert!(!dir.path().join(".run.tmp-2").exists(), "the incomplete new folder is removed");
    }

    #[test]
    fn a_live_lock_refuses_a_second_run() {
        let dir = crate::scratch::Scratch::new("lock");
        let out = dir.path().join("run");
        let lock = Lock::take(&out).unwrap_or_else(|e| panic!("{e}"));
        assert!(Lock::take(&out).is_err());
        drop(lock);
        assert!(Lock::take(&out).is_ok());
        // a lock left by a process that is gone is taken over
        std::fs::write(dir.path().join(".run.lock"), "4000000000").unwrap_or_else(|e| panic!("{e}"));
        assert!(Lock::take(&out).is_ok());
    }
}
