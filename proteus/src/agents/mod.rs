//! Trading agents. Each is deterministic given its own named streams, sees only what the
//! leakage policy and its latency let through (its [`AgentCtx`]), and acts only by messages.
//!
//! Architecture invariant: agents never reach into a venue; venues never know agents' types.

mod arbitrageur;
mod bayesian_dealer;
mod clock;
mod context;
mod fixed_spread;
mod informed;
pub mod kyle;
mod ladder_market_maker;
mod market_maker;
mod metaorder;
mod momentum;
mod noise;
mod order_size;
mod poisson_taker;
mod sequential;
mod value;

pub use arbitrageur::{ArbitrageurConfig, LatencyArbitrageur};
pub use bayesian_dealer::{BayesianDealer, BayesianDealerConfig, DealerLearning};
pub use context::{Action, AgentCtx, RfqNotice};
pub use fixed_spread::{FixedSpreadConfig, FixedSpreadProvider};
pub use informed::{InformedConfig, InformedTrader};
pub use kyle::{KyleDealer, KyleDealerConfig, KyleInsider, KyleInsiderConfig};
pub use ladder_market_maker::{Ladder, LadderMakerConfig, LadderMarketMaker};
pub use market_maker::{MarketMaker, MarketMakerConfig};
pub use metaorder::{MetaorderConfig, MetaorderTrader};
pub use momentum::{MomentumAgent, MomentumConfig};
pub use noise::{NoiseConfig, NoiseTrader};
pub use order_size::OrderSizeLaw;
pub use poisson_taker::{DeltaFrom, PoissonTaker, PoissonTakerConfig, TakerDraw};
pub use sequential::{SequentialTrader, SequentialTraderConfig};
pub use value::{ValueAgent, ValueConfig};

// What an agent sees of the book: the venues' own types (`crate::mechanisms`), re-exported.
pub use crate::mechanisms::{BookDepth, DEPTH_LEVELS, Quote};

use crate::mechanisms::Output;

/// The callbacks through which the simulator drives an agent. Every callback may queue actions
/// on the context; none returns anything.
pub trait Agent {
    /// Called once at time zero.
    fn on_start(&mut self, ctx: &mut AgentCtx);
    /// A timer the agent set with `wake_at`/`wake_after`.
    fn on_wake(&mut self, _token: u64, _ctx: &mut AgentCtx) {}
    /// A venue report about one of its own orders (accepted, rejected, fill, cancelled, ...).
    fn on_report(&mut self, _report: &Output, _ctx: &mut AgentCtx) {}
    /// A public news announcement reached it: the value moved by `shift_ticks`.
    fn on_news(&mut self, _shift_ticks: f64, _ctx: &mut AgentCtx) {}
    /// Private information: its current estimate of the value, in ticks.
    fn on_signal(&mut self, _estimate_ticks: f64, _ctx: &mut AgentCtx) {}
    /// Under RFQ: what it may learn of others' requests (asked to quote, traded away).
    fn on_rfq_notice(&mut self, _notice: &RfqNotice, _ctx: &mut AgentCtx) {}
}

/// Every agent type, in one enum so the event loop dispatches without virtual calls.
// Agents live side by side in one Vec; boxing the larger variants would add a pointer chase to
// every callback for a few hundred bytes per agent.
#[allow(clippy::large_enum_variant)]
pub enum AnyAgent {
    MarketMaker(MarketMaker),
    Informed(InformedTrader),
    Noise(NoiseTrader),
    Arbitrageur(LatencyArbitrageur),
    BayesianDealer(BayesianDealer),
    Sequential(SequentialTrader),
    FixedSpread(FixedSpreadProvider),
    PoissonTaker(PoissonTaker),
    Value(ValueAgent),
    Momentum(MomentumAgent),
    LadderMaker(LadderMarketMaker),
    Metaorder(MetaorderTrader),
}

macro_rules! dispatch {
    ($self:ident, $a:ident => $e:expr) => {
        match $self {
            AnyAgent::MarketMaker($a) => $e,
            AnyAgent::Informed($a) => $e,
            AnyAgent::Noise($a) => $e,
            AnyAgent::Arbitrageur($a) => $e,
            AnyAgent::BayesianDealer($a) => $e,
            AnyAgent::Sequential($a) => $e,
            AnyAgent::FixedSpread($a) => $e,
            AnyAgent::PoissonTaker($a) => $e,
            AnyAgent::Value($a) => $e,
            AnyAgent::Momentum($a) => $e,
            AnyAgent::LadderMaker($a) => $e,
            AnyAgent::Metaorder($a) => $e,
        }
    };
}

impl Agent for AnyAgent {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        dispatch!(self, a => a.on_start(ctx))
    }
    fn on_wake(&mut self, token: u64, ctx: &mut AgentCtx) {
        dispatch!(self, a => a.on_wake(token, ctx))
    }
    fn on_report(&mut self, report: &Output, ctx: &mut AgentCtx) {
        dispatch!(self, a => a.on_report(report, ctx))
    }
    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        dispatch!(self, a => a.on_news(shift_ticks, ctx))
    }
    fn on_signal(&mut self, estimate_ticks: f64, ctx: &mut AgentCtx) {
        dispatch!(self, a => a.on_signal(estimate_ticks, ctx))
    }
    fn on_rfq_notice(&mut self, notice: &RfqNotice, ctx: &mut AgentCtx) {
        dispatch!(self, a => a.on_rfq_notice(notice, ctx))
    }
}
