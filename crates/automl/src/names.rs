//! Names that become file or folder names (run names, search family names): checked
//! once here, by the recipe when it is read and by the pipeline when the settings are
//! built, so that no name writes outside the run folder.

use crate::error::{Result, usage};

/// A run name, family name or any text tsforge turns into a file or folder name: one
/// path component of letters, digits, `-`, `_`, `.`, `+`, `=` or `@`, not `.` or `..`,
/// at most 100 characters.
pub fn check_name(what: &str, name: &str) -> Result<()> {
    let ok_char = |c: char| c.is_alphanumeric() || "-_.+=@".contains(c);
    if name.is_empty() || name == "." || name == ".." || name.chars().count() > 100 || !name.chars().all(ok_char) {
        return Err(usage(format!("{what}: '{}' cannot name a file: use letters, digits, '-', '_' or '.' (one path component, at most 100 characters)", name.escape_debug())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_single_safe_components() {
        for bad in ["", ".", "..", "../../escaped", "a/b", "a\\b", "x\ny"] {
            assert!(check_name("name", bad).is_err(), "{bad:?}");
        }
        for good in ["quickstart", "m5-tiny", "gbdt_2", "run.v2"] {
            assert!(check_name("name", good).is_ok(), "{good}");
        }
    }
}
