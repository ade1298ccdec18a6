//! Raw input bytes with the name used in error messages; gzip is undone on the way in.

use std::io::Read;
use std::path::Path;

use crate::error::{DataError, Result};

/// The bytes of one input file, decompressed, and its name for messages.
#[derive(Debug, Clone)]
pub struct Source {
    pub label: String,
    pub bytes: Vec<u8>,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl Source {
    /// Reads a file, decompressing it when it is gzip (by content, not by name).
    pub fn read(path: &Path) -> Result<Source> {
        let label = path.display().to_string();
        let raw = std::fs::read(path).map_err(|source| DataError::Io { file: label.clone(), source })?;
        Source::from_bytes(label, raw)
    }

    /// From bytes already in memory (embedded datasets), gzip or plain.
    pub fn from_bytes(label: String, raw: Vec<u8>) -> Result<Source> {
        if raw.starts_with(&GZIP_MAGIC) {
            let mut bytes = Vec::with_capacity(raw.len() * 6);
            flate2::read::MultiGzDecoder::new(raw.as_slice()).read_to_end(&mut bytes).map_err(|source| DataError::Io { file: label.clone(), source })?;
            Ok(Source { label, bytes })
        } else {
            Ok(Source { label, bytes: raw })
        }
    }

    /// The header line's field names (comma separated, quotes stripped).
    pub fn header(&self) -> Vec<String> {
        let end = self.bytes.iter().position(|&b| b == b'\n').unwrap_or(self.bytes.len());
        let line = String::from_utf8_lossy(&self.bytes[..end]);
        line.trim_end_matches('\r').split(',').map(|f| f.trim().trim_matches('"').to_string()).collect()
    }
}
