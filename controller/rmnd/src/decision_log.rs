//! The append-only JSON-lines decision log (`reunion explain` reads it).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::RmndError;

/// An open decision log.
#[derive(Debug)]
pub struct DecisionLog {
    path: PathBuf,
    file: File,
}

impl DecisionLog {
    /// Opens (creating it and its directory if needed) for appending.
    pub fn open(path: &Path) -> Result<Self, RmndError> {
        let error = |source| RmndError::DecisionLog {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(error)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(error)?;
        Ok(DecisionLog {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one record as one line, written with a single `write` call so
    /// that concurrent readers never see half a line.
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), RmndError> {
        let error = |source| RmndError::DecisionLog {
            path: self.path.clone(),
            source,
        };
        let mut line = serde_json::to_vec(record)
            .map_err(|e| error(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(error)?;
        self.file.flush().map_err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_one_json_line_per_record_and_keeps_old_lines() {
        let dir = std::env::temp_dir().join(format!("reunion-log-{}", std::process::id()));
        let path = dir.join("sub/decisions.jsonl");
        let mut log = DecisionLog::open(&path).expect("open");
        log.append(&serde_json::json!({"id": 1})).expect("append");
        drop(log);
        let mut log = DecisionLog::open(&path).expect("reopen");
        log.append(&serde_json::json!({"id": 2})).expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, "{\"id\":1}\n{\"id\":2}\n");
        let _ = std::fs::remove_dir_all(dir);
    }
}
