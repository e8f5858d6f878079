//! The deterministic core: simulated time, the event queue, ids and the seed protocol.
//! Uses the standard library only (plus the hash and generator behind the seed protocol), and
//! the Hawkes arrival process drawn from those generators.

pub mod config_error;
pub mod error;
pub mod hawkes;
pub mod ids;
pub mod queue;
pub mod rng;
pub mod time;

pub use config_error::ConfigError;
pub use error::CoreError;
pub use ids::{AgentId, MechanismKind, OrderId, Role};
pub use queue::{EventQueue, Scheduled};
pub use rng::{RepetitionSeed, Stream};
pub use time::{Duration, SimTime, duration_label, parse_duration};
