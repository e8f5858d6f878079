//! Progress for long commands: a bar with rate and ETA on a terminal, plain lines otherwise (CI).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

pub struct Progress {
    terminal: bool,
    state: Mutex<Option<(String, ProgressBar, u64)>>,
}

impl Progress {
    pub fn new() -> Self {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            state: Mutex::new(None),
        }
    }

    /// `done` of `total` runs of `phase` are finished.
    pub fn update(&self, phase: &str, done: u64, total: u64) {
        let mut state = self.state.lock().expect("progress lock");
        let fresh = !matches!(&*state, Some((p, _, _)) if p == phase);
        if fresh {
            if let Some((_, bar, _)) = state.take() {
                bar.finish();
            }
            let bar = if self.terminal {
                let bar = ProgressBar::new(total);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix:>12} [{bar:30}] {pos}/{len} runs  {per_sec}  ETA {eta}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
                bar.set_prefix(phase.to_owned());
                bar
            } else {
                ProgressBar::hidden()
            };
            *state = Some((phase.to_owned(), bar, 0));
        }
        let (_, bar, last_decile) = state.as_mut().expect("set above");
        bar.set_position(done);
        if !self.terminal {
            let decile = done * 10 / total.max(1);
            if decile > *last_decile || done == total {
                *last_decile = decile;
                eprintln!(
                    "{phase}: {done}/{total} runs ({}%)",
                    done * 100 / total.max(1)
                );
            }
        }
        if done == total {
            bar.finish();
        }
    }
}
