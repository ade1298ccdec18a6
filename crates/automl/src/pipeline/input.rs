//! The data a run reads: an M5 folder, a shipped dataset, or a long-format file, with a
//! fingerprint of its bytes for the manifest.

use std::path::Path;

use tsforge_core::{Freq, Panel};
use tsforge_data::long::LongSpec;
use tsforge_data::{m5, registry};

use crate::error::{Result, usage};
use crate::pipeline::settings::Settings;

/// The loaded data, with what the run needs to know about where it came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub panel: Panel,
    /// M5 data: days in the validation file, if both sales files are present.
    pub validation_days: Option<usize>,
    pub is_m5: bool,
    pub fingerprint: String,
    /// The panel is a stratified sample of the data's series: (taken, in the data).
    pub sampled: Option<(usize, usize)>,
}

impl Input {
    /// Reads the settings' data (`data` is a folder of M5 files, a long-format file, or
    /// a shipped dataset name).
    pub fn load(s: &Settings) -> Result<Input> {
        let path = Path::new(&s.data);
        let sources = if path.is_dir() {
            Some(m5::M5Sources::from_dir(path)?)
        } else if path.exists() {
            None
        } else {
            match registry::shipped(&s.data) {
                Some(src) => Some(src?),
                None => return Err(usage(format!("--data {}: no such file or folder, and not a shipped dataset (shipped: {})", s.data, registry::SHIPPED.join(", ")))),
            }
        };
        match sources {
            Some(src) => {
                let mut fp = Fingerprint::default();
                for f in [Some(&src.calendar), src.prices.as_ref(), src.validation.as_ref(), src.evaluation.as_ref()].into_iter().flatten() {
                    fp.add(&f.bytes);
                }
                let data = m5::load(&src)?;
                Ok(Input { panel: data.panel, validation_days: data.validation_days.filter(|_| data.evaluation_days.is_some()), is_m5: true, fingerprint: fp.hex(), sampled: None })
            }
            None => {
                let freq = match &s.freq {
                    Some(f) => Some(Freq::parse(f).ok_or_else(|| usage(format!("--freq {f}: expected daily, weekly, monthly, quarterly, yearly, period, hourly or a sub-daily step such as 30min")))?),
                    None => None,
                };
                let spec = LongSpec {
                    id_col: s.columns.id.clone(),
                    time_col: s.columns.time.clone(),
                    target_col: s.columns.target.clone(),
                    static_cols: s.columns.statics.clone(),
                    future_cols: s.columns.future.clone(),
                    past_cols: s.columns.past.clone(),
                    freq,
                };
                let bytes = std::fs::read(path).map_err(|source| tsforge_data::DataError::Io { file: path.display().to_string(), source })?;
                let mut fp = Fingerprint::default();
                fp.add(&bytes);
                let panel = tsforge_data::long::load_bytes(path, bytes, &spec)?;
                Ok(Input { panel, validation_days: None, is_m5: false, fingerprint: fp.hex(), sampled: None })
            }
        }
    }
}

/// FNV-1a over the input bytes, eight at a time: a cheap, stable identity of the data
/// for the manifest and a checksum of the trial log's records (not a cryptographic hash).
#[derive(Default)]
pub(crate) struct Fingerprint(u64, usize);

/// The fingerprint of `bytes` as text (`fnv1a64:…:Nbytes`).
pub(crate) fn checksum(bytes: &[u8]) -> String {
    let mut f = Fingerprint::default();
    f.add(bytes);
    f.hex()
}

impl Fingerprint {
    fn add(&mut self, bytes: &[u8]) {
        if self.1 == 0 && self.0 == 0 {
            self.0 = 0xcbf2_9ce4_8422_2325;
        }
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(w);
            self.0 = (self.0 ^ u64::from_le_bytes(buf)).wrapping_mul(0x0100_0000_01b3);
        }
        for &b in words.remainder() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.1 += bytes.len();
    }

    fn hex(&self) -> String {
        format!("fnv1a64:{:016x}:{}bytes", self.0, self.1)
    }
}
