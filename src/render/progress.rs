//! Progress bars for long hashing and copying: stderr, terminals only.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Below this many bytes a bar would only flicker.
const MIN_BYTES: u64 = 64 << 20;

/// A byte-count progress bar that is a no-op when bars are not allowed; it appears
/// once the total is known and large enough.
pub struct ByteProgress {
    allowed: bool,
    label: &'static str,
    bar: std::cell::OnceCell<ProgressBar>,
}

impl crate::ops::ProgressBytes for ByteProgress {
    fn total(&self, bytes: u64) {
        if self.allowed && bytes >= MIN_BYTES && self.bar.get().is_none() {
            let _ = self.bar.set(bar(bytes, self.label));
        }
    }

    fn set(&self, done: u64) {
        ByteProgress::set(self, done);
    }

    fn finish(&self) {
        ByteProgress::finish(self);
    }
}

impl ByteProgress {
    pub fn new(allowed: bool, total: u64, label: &'static str) -> Self {
        let progress = Self::later(allowed, label);
        crate::ops::ProgressBytes::total(&progress, total);
        progress
    }

    /// A bar whose total the work reports (`ProgressBytes::total`).
    pub fn later(allowed: bool, label: &'static str) -> Self {
        Self {
            allowed,
            label,
            bar: std::cell::OnceCell::new(),
        }
    }

    pub fn set(&self, done: u64) {
        if let Some(bar) = self.bar.get() {
            bar.set_position(done);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

fn bar(total: u64, label: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar.set_message(label);
    bar
}
