//! Who won and who paid: every agent's account rebuilt from the fills, PnL by role marked to
//! the final fundamental, the accounting check, the market makers' PnL split into spread
//! capture, adverse selection and inventory, and their inventory statistics.

use super::impact::FillMark;
use super::record::AgentPnl;
use super::{MetricRecord, names};
use crate::core::{AgentId, Duration, Role, SimTime};
use crate::sim::{Account, AgentInfo};

/// Position of `role` in [`Role::ALL`].
pub(super) fn role_index(role: Role) -> usize {
    Role::ALL
        .iter()
        .position(|r| *r == role)
        .expect("Role::ALL lists every role")
}

pub(super) struct Ledger {
    agents: Vec<AgentInfo>,
    accounts: Vec<Account>,
    /// Lots each agent traded (as maker or taker).
    volume: Vec<i64>,
    /// Σ over market-maker sides of fills of d·(m − p)·q, doubled (exact), d the market maker's
    /// own direction and m the pre-trade mid (p when there was none).
    mm_spread2: i128,
    /// Per horizon: Σ d·(m_h − m)·q, doubled.
    mm_adverse2: Vec<i128>,
    /// Σ over market makers of |position| now, its time integral (lots × ns) and the largest
    /// |position| any market maker reached.
    mm_abs_inventory: i64,
    mm_abs_integral: i128,
    mm_abs_max: i64,
}

impl Ledger {
    pub fn new(agents: &[AgentInfo], horizons: usize) -> Self {
        Ledger {
            agents: agents.to_vec(),
            accounts: vec![Account::default(); agents.len()],
            volume: vec![0; agents.len()],
            mm_spread2: 0,
            mm_adverse2: vec![0; horizons],
            mm_abs_inventory: 0,
            mm_abs_integral: 0,
            mm_abs_max: 0,
        }
    }

    fn is_market_maker(&self, id: AgentId) -> bool {
        self.agents[id.0 as usize].role == Role::MarketMaker
    }

    /// The two sides of a fill: (agent, its own direction).
    fn sides(m: &FillMark) -> [(AgentId, i64); 2] {
        [(m.taker, m.direction), (m.maker, -m.direction)]
    }

    pub fn on_fill(&mut self, m: &FillMark) {
        let value = m.price as i128 * m.qty as i128;
        let reference2 = m.mid2.unwrap_or(2 * m.price) as i128;
        for (agent, d) in Self::sides(m) {
            let i = agent.0 as usize;
            let before = self.accounts[i].position;
            self.accounts[i].position += d * m.qty;
            self.accounts[i].cash -= d as i128 * value;
            self.volume[i] += m.qty;
            if self.is_market_maker(agent) {
                let after = self.accounts[i].position;
                self.mm_abs_inventory += after.abs() - before.abs();
                self.mm_abs_max = self.mm_abs_max.max(after.abs());
                self.mm_spread2 += d as i128 * (reference2 - 2 * m.price as i128) * m.qty as i128;
            }
        }
    }

    /// The fill `m` reached horizon `k`, where twice the mid was `mid2_h`.
    pub fn on_marked(&mut self, k: usize, m: &FillMark, mid2_h: Option<i64>) {
        let reference2 = m.mid2.unwrap_or(2 * m.price);
        let later2 = mid2_h.unwrap_or(reference2);
        for (agent, d) in Self::sides(m) {
            if self.is_market_maker(agent) {
                self.mm_adverse2[k] += d as i128 * (later2 - reference2) as i128 * m.qty as i128;
            }
        }
    }

    pub fn integrate(&mut self, dt: Duration) {
        self.mm_abs_integral += self.mm_abs_inventory as i128 * dt.0 as i128;
    }

    /// Writes the PnL metrics, marking positions to `value`, the final fundamental.
    pub fn write(&self, r: &mut MetricRecord, value: f64, horizons: &[Duration], end: SimTime) {
        r.set("final_fundamental_ticks", value);
        r.pnl_by_agent = self
            .agents
            .iter()
            .zip(&self.accounts)
            .map(|(a, acc)| AgentPnl {
                agent: a.id.0,
                role: a.role,
                index: a.index,
                position: acc.position,
                cash_ticks: acc.cash,
                pnl_ticks: acc.cash as f64 + acc.position as f64 * value,
            })
            .collect();

        // Sum exact integers first and mark once, so role totals add up to the market's.
        let mark = |cash: i128, position: i64| cash as f64 + position as f64 * value;
        let mut by_role = [(0i128, 0i64, 0i64, 0u32); 4];
        for ((a, acc), vol) in self.agents.iter().zip(&self.accounts).zip(&self.volume) {
            let e = &mut by_role[role_index(a.role)];
            e.0 += acc.cash;
            e.1 += acc.position;
            e.2 += vol;
            e.3 += 1;
        }
        let mut pnl = [0.0; 4];
        for (k, role) in Role::ALL.into_iter().enumerate() {
            let (cash, position, volume, count) = by_role[k];
            let name = names::pnl(role);
            let vol_name = names::volume_of(role);
            if count == 0 {
                let why = format!("no {} agents in this run", role.as_str());
                r.set_missing(name, &why);
                r.set_missing(vol_name, &why);
            } else {
                pnl[k] = mark(cash, position);
                r.set(name, pnl[k]);
                r.set(vol_name, volume as f64);
            }
        }
        let per_lot = |k: usize| (pnl[k], by_role[k].2 as f64, by_role[k].3);
        for (name, role, sign) in [
            ("informed_profit_per_lot_ticks", Role::Informed, 1.0),
            ("noise_cost_per_lot_ticks", Role::Noise, -1.0),
            ("arbitrageur_profit_per_lot_ticks", Role::Arbitrageur, 1.0),
            (names::MM_PNL_PER_LOT, Role::MarketMaker, 1.0),
        ] {
            let (p, volume, count) = per_lot(role_index(role));
            if count == 0 {
                r.set_missing(name, &format!("no {} agents in this run", role.as_str()));
            } else {
                r.set_ratio(
                    name,
                    sign * p,
                    volume,
                    &format!("{} agents did not trade", role.as_str()),
                );
            }
        }

        let cash: i128 = self.accounts.iter().map(|a| a.cash).sum();
        let position: i64 = self.accounts.iter().map(|a| a.position).sum();
        r.set("accounting_total_pnl_ticks", mark(cash, position));

        let mm = role_index(Role::MarketMaker);
        if by_role[mm].3 == 0 {
            let why = "no market_maker agents in this run";
            r.set_missing(names::MM_SPREAD_CAPTURE, why);
            r.set_missing("mm_inventory_abs_tw_lots", why);
            r.set_missing("mm_inventory_abs_max_lots", why);
            for h in horizons {
                r.set_missing(names::mm_adverse_selection(*h), why);
                r.set_missing(names::mm_inventory(*h), why);
            }
            return;
        }
        let total = pnl[mm];
        let spread = self.mm_spread2 as f64 / 2.0;
        r.set(names::MM_SPREAD_CAPTURE, spread);
        for (h, adverse2) in horizons.iter().zip(&self.mm_adverse2) {
            let adverse = *adverse2 as f64 / 2.0;
            r.set(names::mm_adverse_selection(*h), adverse);
            r.set(names::mm_inventory(*h), total - spread - adverse);
        }
        // Mean over market makers of their time-weighted |inventory|.
        r.set_ratio(
            "mm_inventory_abs_tw_lots",
            self.mm_abs_integral as f64,
            end.0 as f64 * by_role[mm].3 as f64,
            "the run has zero length",
        );
        r.set("mm_inventory_abs_max_lots", self.mm_abs_max as f64);
    }
}
