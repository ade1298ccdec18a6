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
const UTF8_BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

impl Source {
    /// Reads a file, decompressing it when it is gzip (by content, not by name).
    pub fn read(path: &Path) -> Result<Source> {
        let label = path.display().to_string();
        let raw = std::fs::read(path).map_err(|source| DataError::Io { file: label.clone(), source })?;
        Source::from_bytes(label, raw)
    }

    /// From bytes already in memory (embedded datasets), gzip or plain. A UTF-8 byte
    /// order mark and blank lines at the end are dropped: both are valid CSV, but the
    /// checks that look at raw bytes would take the mark for part of the first column's
    /// name, and polars reads each trailing blank line as a row of empty cells.
    pub fn from_bytes(label: String, raw: Vec<u8>) -> Result<Source> {
        let mut bytes = if raw.starts_with(&GZIP_MAGIC) {
            let mut bytes = Vec::with_capacity(raw.len() * 6);
            flate2::read::MultiGzDecoder::new(raw.as_slice()).read_to_end(&mut bytes).map_err(|source| DataError::Io { file: label.clone(), source })?;
            bytes
        } else {
            raw
        };
        if bytes.starts_with(&UTF8_BOM) {
            bytes.drain(..UTF8_BOM.len());
        }
        trim_blank_tail(&mut bytes);
        Ok(Source { label, bytes })
    }

    /// The header line's field names, parsed the RFC-4180 way (quotes removed).
    pub fn header(&self) -> Vec<String> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(self.bytes.as_slice());
        let mut record = csv::ByteRecord::new();
        match reader.read_byte_record(&mut record) {
            Ok(true) => record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
            _ => Vec::new(),
        }
    }
}

/// Keeps one line ending after the last line with content, so that a file that ends
/// with a single newline (the usual case) is left byte for byte as it was.
fn trim_blank_tail(bytes: &mut Vec<u8>) {
    let content_end = bytes.iter().rposition(|&b| b != b'\n' && b != b'\r').map_or(0, |p| p + 1);
    let tail = &bytes[content_end..];
    let keep = if tail.starts_with(b"\r\n") { 2 } else { usize::from(!tail.is_empty()) };
    bytes.truncate(content_end + keep);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(raw: &[u8]) -> Vec<u8> {
        Source::from_bytes("t".into(), raw.to_vec()).map(|s| s.bytes).unwrap_or_default()
    }

    #[test]
    fn bom_and_blank_tail_are_dropped() {
        assert_eq!(clean(b"\xef\xbb\xbfid,y\na,1\n"), b"id,y\na,1\n");
        assert_eq!(clean(b"id,y\na,1\n\n\n"), b"id,y\na,1\n");
        assert_eq!(clean(b"id,y\r\na,1\r\n\r\n"), b"id,y\r\na,1\r\n");
        assert_eq!(clean(b"id,y\na,1"), b"id,y\na,1");
        assert_eq!(clean(b"\n\n"), b"\n");
    }

    #[test]
    fn header_is_parsed_not_split() {
        let src = Source { label: "t".into(), bytes: b"\"id\",\"a,b\",\"say \"\"hi\"\"\"\r\nx,1,2\r\n".to_vec() };
        assert_eq!(src.header(), ["id", "a,b", "say \"hi\""]);
    }
}
