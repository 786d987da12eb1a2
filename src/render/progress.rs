//! Progress bars for long hashing and copying: stderr, terminals only.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Below this many bytes a bar would only flicker.
const MIN_BYTES: u64 = 64 << 20;

/// A byte-count progress bar that is a no-op when bars are not allowed.
pub struct ByteProgress {
    bar: Option<ProgressBar>,
}

impl crate::ops::ProgressBytes for ByteProgress {
    fn set(&self, done: u64) {
        ByteProgress::set(self, done);
    }

    fn finish(&self) {
        ByteProgress::finish(self);
    }
}

impl ByteProgress {
    pub fn new(allowed: bool, total: u64, label: &'static str) -> Self {
        if total < MIN_BYTES || !allowed {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        bar.set_message(label);
        Self { bar: Some(bar) }
    }

    pub fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
