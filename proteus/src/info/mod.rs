//! Information: the fundamental value (in ticks), news and informed traders' private signals.
//!
//! Everything here is drawn from the repetition's named streams and from the configuration
//! only, never from what the venue or the agents do, so the CLOB, FBA and RFQ runs of one
//! repetition share the same fundamental path, news and signals (common random numbers).
//!
//! Streams (children of the stream handed in, normally `fundamental` and `news`):
//!
//! | stream | draws |
//! |---|---|
//! | `fundamental/diffusion` | one standard normal per grid step |
//! | `fundamental/jump_times` | one `Exp(1)` per jump (gap to the next jump) |
//! | `fundamental/jump_sizes` | one jump size per jump ([`JumpSizeLaw`]) |
//! | `news/times` | one `Exp(1)` per random news (gap to the next) |
//! | `news/shifts` | one shift per random news |
//!
//! A private signal draws one standard normal from the informed trader's own stream, which its
//! owner names (e.g. `agent/informed/{id}/signal`).
//!
//! Architecture invariant: the fundamental path does not depend on when it is queried.

mod fundamental;
mod jump_size;
mod news;
mod path;
mod poisson;
mod signal;

pub use fundamental::FundamentalConfig;
pub use jump_size::JumpSizeLaw;
pub use news::{NewsConfig, NewsEvent, NewsSchedule, ScheduledNews};
pub use path::FundamentalPath;
pub use signal::{PrivateSignal, SignalConfig};
