//! Role-symmetric games given by a payoff table (the normal form of an empirical game).
//!
//! Players are grouped in roles; within a role every player has the same strategies and the
//! same payoffs, so a *profile* is, per role, how many players play each strategy, and a
//! payoff depends only on the player's role, its strategy and the profile. A *mixture* is, per
//! role, a probability over the role's strategies, played by every player of the role
//! independently (a role-symmetric mixed strategy profile).
//!
//! The payoff of deviating to strategy `s` of role `r` while everyone else plays the mixture
//! `x` ([`Game::deviation_payoffs`]) is exact: a sum over the table's profiles in which at
//! least one player of role `r` plays `s`, each weighted by the multinomial probability that
//! the other players (the other `n_r − 1` of role `r`, all `n_r'` of every other role) draw
//! the rest of the profile from `x`. The regret of `x` is the most any one player gains by
//! deviating to a pure strategy: `max_r max_s (u_{r,s}(x) − Σ_t x_{r,t}·u_{r,t}(x))`; `x` is a
//! Nash equilibrium exactly when its regret is zero.

use std::collections::BTreeMap;
use thiserror::Error;

/// One role of a game: its name, how many players it has and their strategies' names.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RoleSpec {
    pub name: String,
    pub players: u32,
    pub strategies: Vec<String>,
}

/// Per role, per strategy, how many players play it.
pub type Profile = Vec<Vec<u32>>;

/// Per role, per strategy, a probability (each role's sums to 1).
pub type Mixture = Vec<Vec<f64>>;

#[derive(Debug, Error, PartialEq)]
pub enum GameError {
    #[error("a game needs at least one role, each with a player and a strategy")]
    Empty,
    #[error("role {role}: {players} players (allowed: 1 to 170)")]
    Players { role: String, players: u32 },
    #[error("the payoff table has no entry for profile {0}")]
    MissingProfile(String),
    #[error("profile {profile}: the payoff of role {role} strategy {strategy} is not finite")]
    NotFinite {
        profile: String,
        role: String,
        strategy: String,
    },
}

/// A role-symmetric game: roles and a payoff for every profile (module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Game {
    roles: Vec<RoleSpec>,
    /// `payoffs[profile][r][s]`: the payoff of a player of role `r` playing `s` in the
    /// profile; only read where the profile has such a player.
    payoffs: BTreeMap<Profile, Mixture>,
    /// The smallest and largest payoff in the table.
    range: (f64, f64),
}

/// Every way of giving `players` players to `k` strategies, in lexicographic order (the
/// first strategy's count descending).
pub fn compositions(players: u32, k: usize) -> Vec<Vec<u32>> {
    fn rec(left: u32, k: usize, prefix: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
        if k == 1 {
            prefix.push(left);
            out.push(prefix.clone());
            prefix.pop();
            return;
        }
        for c in (0..=left).rev() {
            prefix.push(c);
            rec(left - c, k - 1, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    if k > 0 {
        rec(players, k, &mut Vec::with_capacity(k), &mut out);
    }
    out
}

/// Every profile of a game with these roles.
pub fn all_profiles(roles: &[RoleSpec]) -> Vec<Profile> {
    let mut out: Vec<Profile> = vec![Vec::new()];
    for role in roles {
        let comps = compositions(role.players, role.strategies.len());
        out = out
            .into_iter()
            .flat_map(|p| {
                comps.iter().map(move |c| {
                    let mut q = p.clone();
                    q.push(c.clone());
                    q
                })
            })
            .collect();
    }
    out
}

/// A profile as text: `firm: snipe_fast×2 out×1; investor: ...` (strategies with no player
/// left out).
pub fn profile_label(roles: &[RoleSpec], profile: &Profile) -> String {
    roles
        .iter()
        .zip(profile)
        .map(|(role, counts)| {
            let parts: Vec<String> = role
                .strategies
                .iter()
                .zip(counts)
                .filter(|(_, c)| **c > 0)
                .map(|(s, c)| format!("{s}×{c}"))
                .collect();
            format!("{}: {}", role.name, parts.join(" "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn factorial(n: u32) -> f64 {
    (1..=n).map(f64::from).product()
}

/// The multinomial probability that `counts.iter().sum()` independent draws from `p` give
/// `counts`.
fn multinomial(counts: &[u32], p: &[f64]) -> f64 {
    let n: u32 = counts.iter().sum();
    let mut prob = factorial(n);
    for (&c, &q) in counts.iter().zip(p) {
        if c > 0 {
            prob *= q.powi(c as i32) / factorial(c);
        }
    }
    prob
}

impl Game {
    /// A game from its roles and a payoff for every profile (`payoffs[profile][r][s]`, read
    /// where the profile has a player of role `r` playing `s`).
    pub fn new(
        roles: Vec<RoleSpec>,
        payoffs: BTreeMap<Profile, Mixture>,
    ) -> Result<Game, GameError> {
        if roles.is_empty() || roles.iter().any(|r| r.strategies.is_empty()) {
            return Err(GameError::Empty);
        }
        for r in &roles {
            if !(1..=170).contains(&r.players) {
                return Err(GameError::Players {
                    role: r.name.clone(),
                    players: r.players,
                });
            }
        }
        let mut range = (f64::INFINITY, f64::NEG_INFINITY);
        for p in all_profiles(&roles) {
            let Some(u) = payoffs.get(&p) else {
                return Err(GameError::MissingProfile(profile_label(&roles, &p)));
            };
            for (r, role) in roles.iter().enumerate() {
                for (s, strategy) in role.strategies.iter().enumerate() {
                    if p[r][s] == 0 {
                        continue;
                    }
                    let v = u.get(r).and_then(|x| x.get(s)).copied().unwrap_or(f64::NAN);
                    if !v.is_finite() {
                        return Err(GameError::NotFinite {
                            profile: profile_label(&roles, &p),
                            role: role.name.clone(),
                            strategy: strategy.clone(),
                        });
                    }
                    range = (range.0.min(v), range.1.max(v));
                }
            }
        }
        Ok(Game {
            roles,
            payoffs,
            range,
        })
    }

    /// A symmetric two-player game from its row player's payoff matrix (`a[i][j]`: playing
    /// `i` against `j`): one role of two players.
    pub fn symmetric_two_player(strategies: &[&str], a: &[Vec<f64>]) -> Result<Game, GameError> {
        let k = strategies.len();
        let roles = vec![RoleSpec {
            name: "player".to_owned(),
            players: 2,
            strategies: strategies.iter().map(|s| (*s).to_owned()).collect(),
        }];
        let mut payoffs = BTreeMap::new();
        for p in all_profiles(&roles) {
            let played: Vec<usize> = (0..k).flat_map(|s| vec![s; p[0][s] as usize]).collect();
            let mut u = vec![f64::NAN; k];
            u[played[0]] = a[played[0]][played[1]];
            u[played[1]] = a[played[1]][played[0]];
            payoffs.insert(p, vec![u]);
        }
        Game::new(roles, payoffs)
    }

    pub fn roles(&self) -> &[RoleSpec] {
        &self.roles
    }

    /// The smallest and largest payoff in the table.
    pub fn payoff_range(&self) -> (f64, f64) {
        self.range
    }

    /// `range.1 − range.0`, at least a tiny positive number (a scale for tolerances).
    pub fn payoff_scale(&self) -> f64 {
        (self.range.1 - self.range.0).max(1e-300)
    }

    /// The payoff table.
    pub fn payoffs(&self) -> &BTreeMap<Profile, Mixture> {
        &self.payoffs
    }

    /// `u[r][s]`: the expected payoff of a player of role `r` playing `s` when every other
    /// player plays `mix` (module docs).
    pub fn deviation_payoffs(&self, mix: &Mixture) -> Mixture {
        let mut u: Mixture = self
            .roles
            .iter()
            .map(|r| vec![0.0; r.strategies.len()])
            .collect();
        // The probability of each role's counts, all players drawing from `mix`.
        for (p, pay) in &self.payoffs {
            let whole: Vec<f64> = p.iter().zip(mix).map(|(c, x)| multinomial(c, x)).collect();
            for (r, counts) in p.iter().enumerate() {
                let others: f64 = whole
                    .iter()
                    .enumerate()
                    .filter(|(q, _)| *q != r)
                    .map(|(_, w)| w)
                    .product();
                if others == 0.0 {
                    continue;
                }
                for s in 0..counts.len() {
                    if counts[s] == 0 {
                        continue;
                    }
                    let mut rest = counts.clone();
                    rest[s] -= 1;
                    let w = multinomial(&rest, &mix[r]) * others;
                    if w != 0.0 {
                        u[r][s] += w * pay[r][s];
                    }
                }
            }
        }
        u
    }

    /// Per role, the expected payoff of a player when everyone plays `mix`.
    pub fn expected_payoffs(&self, mix: &Mixture) -> Vec<f64> {
        let u = self.deviation_payoffs(mix);
        u.iter()
            .zip(mix)
            .map(|(ur, xr)| ur.iter().zip(xr).map(|(a, b)| a * b).sum())
            .collect()
    }

    /// The most a single player gains by deviating from `mix` to a pure strategy (module docs).
    pub fn regret(&self, mix: &Mixture) -> f64 {
        let u = self.deviation_payoffs(mix);
        u.iter()
            .zip(mix)
            .map(|(ur, xr)| {
                let mean: f64 = ur.iter().zip(xr).map(|(a, b)| a * b).sum();
                ur.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v)) - mean
            })
            .fold(0.0, f64::max)
    }

    /// The uniform mixture.
    pub fn uniform(&self) -> Mixture {
        self.roles
            .iter()
            .map(|r| vec![1.0 / r.strategies.len() as f64; r.strategies.len()])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositions_are_every_split_once() {
        let c = compositions(3, 3);
        assert_eq!(c.len(), 10); // C(5, 2)
        assert_eq!(c[0], vec![3, 0, 0]);
        assert_eq!(c[9], vec![0, 0, 3]);
        assert!(c.iter().all(|x| x.iter().sum::<u32>() == 3));
        assert_eq!(compositions(5, 1), vec![vec![5]]);
    }

    #[test]
    fn deviation_payoffs_of_a_bimatrix_are_the_matrix_times_the_mixture() {
        let a = vec![vec![3.0, 0.0], vec![5.0, 1.0]];
        let g = Game::symmetric_two_player(&["c", "d"], &a).unwrap();
        let x = vec![vec![0.25, 0.75]];
        let u = g.deviation_payoffs(&x);
        assert!((u[0][0] - (3.0 * 0.25)).abs() < 1e-12);
        assert!((u[0][1] - (5.0 * 0.25 + 0.75)).abs() < 1e-12);
        // d strictly dominates: the regret of the uniform mixture is u_d − ū.
        let u = g.deviation_payoffs(&g.uniform());
        let mean = 0.5 * (u[0][0] + u[0][1]);
        assert!((g.regret(&g.uniform()) - (u[0][1] - mean)).abs() < 1e-12);
        assert_eq!(g.regret(&vec![vec![0.0, 1.0]]), 0.0);
    }

    #[test]
    fn a_missing_profile_is_named() {
        let roles = vec![RoleSpec {
            name: "firm".into(),
            players: 2,
            strategies: vec!["a".into(), "b".into()],
        }];
        let err = Game::new(roles, BTreeMap::new()).unwrap_err();
        assert_eq!(err, GameError::MissingProfile("firm: a×2".into()));
    }
}
