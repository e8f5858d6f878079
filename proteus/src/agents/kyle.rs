//! Kyle's (1985) one-period traders: the insider, who trades β per unit of private edge, and the
//! competitive dealer, who prices the total order flow linearly and learns λ from it.
//!
//! Kyle's market is a single batch clearing, not an order book, so these agents do not implement
//! [`super::Agent`]: they act on a whole auction at once (an order size, a price for a flow). The
//! validation case `kyle` (`validation::kyle`, `docs/validation.md`) drives them, at the
//! equilibrium and by best-response iteration.

/// The equilibrium `(β, λ)`: β = σu/√Σ0, λ = √Σ0/(2σu).
pub fn equilibrium(sigma0_sq: f64, sigma_u: f64) -> (f64, f64) {
    (
        sigma_u / sigma0_sq.sqrt(),
        sigma0_sq.sqrt() / (2.0 * sigma_u),
    )
}

/// The insider: trades β per unit of private edge v − p0.
#[derive(Clone, Copy, Debug)]
pub struct KyleInsider {
    pub beta: f64,
}

impl KyleInsider {
    pub fn order(&self, v: f64, p0: f64) -> f64 {
        self.beta * (v - p0)
    }
    /// Best response to a dealer with price impact λ: maximise E[x(v − p0 − λx)] → β = 1/(2λ).
    pub fn best_response(lambda: f64) -> KyleInsider {
        KyleInsider {
            beta: 1.0 / (2.0 * lambda),
        }
    }
}

/// The competitive dealer: prices the total flow linearly.
#[derive(Clone, Copy, Debug)]
pub struct KyleDealer {
    pub lambda: f64,
}

impl KyleDealer {
    pub fn price(&self, p0: f64, flow: f64) -> f64 {
        p0 + self.lambda * flow
    }
    /// Zero expected profit given the flow: λ = OLS slope of v − p0 on y.
    pub fn fit(flows: &[f64], value_changes: &[f64]) -> KyleDealer {
        KyleDealer {
            lambda: ols_slope(flows, value_changes),
        }
    }
}

/// OLS slope (with intercept) of `y` on `x`.
pub fn ols_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
    }
    sxy / sxx
}
