//! Progress for long commands: a bar with rate and ETA on a terminal, plain lines otherwise (CI).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// A rate as a person reads it: `0.42 runs/s`, `12.3 runs/s`, `1.2 k runs/s`, `3.4 M runs/s`.
pub fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return "— runs/s".to_owned();
    }
    let (value, unit) = if per_sec >= 1e6 {
        (per_sec / 1e6, "M ")
    } else if per_sec >= 1e3 {
        (per_sec / 1e3, "k ")
    } else {
        (per_sec, "")
    };
    if value >= 100.0 {
        format!("{value:.0} {unit}runs/s")
    } else if value >= 1.0 {
        format!("{value:.1} {unit}runs/s")
    } else {
        format!("{value:.2} {unit}runs/s")
    }
}

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
                        "{prefix:>12} [{bar:30}] {pos}/{len} runs  {rate}  ETA {eta}",
                    )
                    .expect("valid template")
                    .with_key(
                        "rate",
                        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = w.write_str(&rate(state.per_sec()));
                        },
                    )
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

#[cfg(test)]
mod tests {
    #[test]
    fn rates_read_like_a_person_writes_them() {
        assert_eq!(super::rate(1234.5678), "1.2 k runs/s");
        assert_eq!(super::rate(12.34), "12.3 runs/s");
        assert_eq!(super::rate(0.4211), "0.42 runs/s");
        assert_eq!(super::rate(456.7), "457 runs/s");
        assert_eq!(super::rate(2.5e6), "2.5 M runs/s");
        assert_eq!(super::rate(0.0), "— runs/s");
    }
}
