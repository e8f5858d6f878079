//! The names of the metrics, written once: fixed names as constants, and the families that
//! carry a horizon, a race window or a role as functions. The code that computes a metric and
//! every reader that picks one out (the pack's headline table, the calibration objective, the
//! equilibrium payoffs, the validation checks) name it from here, so a renamed metric cannot
//! leave a reader looking for the old name. Definitions and units: `docs/metrics.md`.

use crate::core::duration_label;
use crate::core::{Duration, Role};

/// Time-weighted quoted spread (ticks).
pub const QUOTED_SPREAD_TW: &str = "quoted_spread_tw_ticks";
/// Volume-weighted effective spread (ticks).
pub const EFFECTIVE_SPREAD_VW: &str = "effective_spread_vw_ticks";
/// Root-mean-square distance of the mid from the fundamental (ticks).
pub const PRICE_ERROR_RMSE: &str = "price_error_rmse_ticks";
/// Lots traded.
pub const VOLUME: &str = "volume_lots";
/// Market makers' PnL per lot traded (ticks).
pub const MM_PNL_PER_LOT: &str = "mm_pnl_per_lot_ticks";
/// Market makers' half-spread earnings (ticks × lots).
pub const MM_SPREAD_CAPTURE: &str = "mm_spread_capture_ticks";
/// Races at the default window (count).
pub const RACES: &str = "races";
/// The latency-arbitrage tax at the default window (basis points of volume).
pub const LATENCY_ARB_TAX: &str = "latency_arb_tax_bp";

/// PnL of the market makers, marked to the final fundamental (ticks × lots); likewise the other
/// roles ([`pnl`]).
pub const PNL_MARKET_MAKER: &str = "pnl_market_maker_ticks";
pub const PNL_INFORMED: &str = "pnl_informed_ticks";
pub const PNL_NOISE: &str = "pnl_noise_ticks";
pub const PNL_ARBITRAGEUR: &str = "pnl_arbitrageur_ticks";
/// The market makers' fill rate ([`fill_rate`]).
pub const FILL_RATE_MARKET_MAKER: &str = "fill_rate_market_maker";

/// The realized spread at the 5 s horizon (a headline metric).
pub const REALIZED_SPREAD_5S: &str = "realized_spread_5s_ticks";
/// The price impact at the 5 s horizon (a headline metric).
pub const PRICE_IMPACT_5S: &str = "price_impact_5s_ticks";

/// The metrics a pack's terminal table and report lead with (every metric is in summary.csv).
pub const HEADLINE: [&str; 10] = [
    QUOTED_SPREAD_TW,
    EFFECTIVE_SPREAD_VW,
    REALIZED_SPREAD_5S,
    PRICE_IMPACT_5S,
    PRICE_ERROR_RMSE,
    PNL_MARKET_MAKER,
    PNL_INFORMED,
    PNL_NOISE,
    PNL_ARBITRAGEUR,
    VOLUME,
];

/// `realized_spread_{h}_ticks`.
pub fn realized_spread(h: Duration) -> String {
    format!("realized_spread_{}_ticks", duration_label(h))
}

/// `price_impact_{h}_ticks`.
pub fn price_impact(h: Duration) -> String {
    format!("price_impact_{}_ticks", duration_label(h))
}

/// `realized_spread_true_{h}_ticks`: against the fundamental, not the mid.
pub fn realized_spread_true(h: Duration) -> String {
    format!("realized_spread_true_{}_ticks", duration_label(h))
}

/// `price_impact_true_{h}_ticks`: against the fundamental, not the mid.
pub fn price_impact_true(h: Duration) -> String {
    format!("price_impact_true_{}_ticks", duration_label(h))
}

/// `lp_adverse_selection_cost_{h}_ticks`.
pub fn lp_adverse_selection_cost(h: Duration) -> String {
    format!("lp_adverse_selection_cost_{}_ticks", duration_label(h))
}

/// `lp_adverse_selection_cost_true_{h}_ticks`.
pub fn lp_adverse_selection_cost_true(h: Duration) -> String {
    format!("lp_adverse_selection_cost_true_{}_ticks", duration_label(h))
}

/// `lp_adverse_selection_per_lot_true_{h}_ticks`.
pub fn lp_adverse_selection_per_lot_true(h: Duration) -> String {
    format!(
        "lp_adverse_selection_per_lot_true_{}_ticks",
        duration_label(h)
    )
}

/// `fills_past_end_{h}`: fills whose horizon `h` falls after the end of the run.
pub fn fills_past_end(h: Duration) -> String {
    format!("fills_past_end_{}", duration_label(h))
}

/// `mm_adverse_selection_{h}_ticks`.
pub fn mm_adverse_selection(h: Duration) -> String {
    format!("mm_adverse_selection_{}_ticks", duration_label(h))
}

/// `mm_inventory_{h}_ticks`.
pub fn mm_inventory(h: Duration) -> String {
    format!("mm_inventory_{}_ticks", duration_label(h))
}

/// `pnl_{role}_ticks`.
pub fn pnl(role: Role) -> String {
    format!("pnl_{}_ticks", role.as_str())
}

/// `volume_{role}_lots`.
pub fn volume_of(role: Role) -> String {
    format!("volume_{}_lots", role.as_str())
}

/// `fill_rate_{role}`.
pub fn fill_rate(role: Role) -> String {
    format!("fill_rate_{}", role.as_str())
}

/// `race_profit_{h}_ticks`: race profit at the default window, marked at horizon `h`.
pub fn race_profit(h: Duration) -> String {
    format!("race_profit_{}_ticks", duration_label(h))
}

/// `races_{w}`: races within window `w`.
pub fn races_within(w: Duration) -> String {
    format!("races_{}", duration_label(w))
}

/// `race_volume_{w}_lots`.
pub fn race_volume_within(w: Duration) -> String {
    format!("race_volume_{}_lots", duration_label(w))
}

/// `race_profit_true_{w}_ticks`.
pub fn race_profit_true_within(w: Duration) -> String {
    format!("race_profit_true_{}_ticks", duration_label(w))
}

/// `latency_arb_tax_{w}_bp`.
pub fn latency_arb_tax_within(w: Duration) -> String {
    format!("latency_arb_tax_{}_bp", duration_label(w))
}

/// `mid_return_std_{interval}_ticks`.
pub fn mid_return_std(interval: Duration) -> String {
    format!("mid_return_std_{}_ticks", duration_label(interval))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_constants_are_the_families_at_their_horizon() {
        let five = Duration::from_secs(5);
        assert_eq!(realized_spread(five), REALIZED_SPREAD_5S);
        assert_eq!(price_impact(five), PRICE_IMPACT_5S);
        for (k, role) in [
            Role::MarketMaker,
            Role::Informed,
            Role::Noise,
            Role::Arbitrageur,
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(pnl(role), HEADLINE[5 + k]);
        }
        assert_eq!(fill_rate(Role::MarketMaker), FILL_RATE_MARKET_MAKER);
        assert_eq!(races_within(Duration::from_micros(50)), "races_50us");
        assert_eq!(
            lp_adverse_selection_per_lot_true(Duration::from_secs(1)),
            "lp_adverse_selection_per_lot_true_1s_ticks"
        );
        assert_eq!(
            mid_return_std(Duration::from_secs(1)),
            "mid_return_std_1s_ticks"
        );
    }
}
