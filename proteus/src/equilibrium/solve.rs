//! Role-symmetric Nash equilibria of a [`Game`]: candidates from two searches, each kept only
//! if its regret (the most one player gains by deviating) is within tolerance.
//!
//! 1. **Replicator dynamics** from several starts (the uniform mixture, one start leaning to
//!    each strategy, and seeded random starts): `x_s ← x_s·v_s(x) / Σ_t x_t·v_t(x)`, with `v`
//!    the deviation payoffs shifted and scaled to `[0.01, 1.01]` (a positive affine map of
//!    payoffs changes no equilibrium). A start's end point and the average of the second half
//!    of its path are both candidates: in games whose dynamics cycle (rock–paper–scissors) the
//!    path's average approaches the interior equilibrium although the path does not.
//! 2. **Support enumeration**: for every support (a non-empty set of strategies per role, up
//!    to [`SolverOptions::max_supports`] of them), Newton's method on the indifference
//!    conditions (every strategy of a role's support earns the same against the mixture),
//!    from the support's uniform mixture and seeded random starts; a root with every weight
//!    non-negative is a candidate. This finds the unstable equilibria the dynamics leave, e.g.
//!    the mixed equilibrium of a coordination game.
//!
//! Every pure profile in which the whole of each role plays one strategy is a candidate too.
//! Candidates closer than `1e-4` (largest difference of a weight) are one equilibrium; the
//! list is sorted by regret, then by the mixture, so it is deterministic.

use super::game::{Game, Mixture};
use crate::core::RepetitionSeed;
use rand::RngExt;

/// How hard the solver looks.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SolverOptions {
    /// A candidate is an equilibrium when its regret is at most `tolerance × scale`, `scale`
    /// the range of the payoff table.
    pub tolerance: f64,
    /// Replicator starts drawn at random (besides the uniform one and one per strategy).
    pub random_starts: usize,
    /// Replicator iterations per start.
    pub iterations: usize,
    /// Supports tried by support enumeration (the rest are skipped, smallest first).
    pub max_supports: usize,
    /// Seed of the random starts.
    pub seed: u64,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            tolerance: 1e-6,
            random_starts: 8,
            iterations: 20_000,
            max_supports: 4096,
            seed: 0,
        }
    }
}

/// One equilibrium: the mixture, its regret and each role's expected payoff.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Equilibrium {
    pub mixture: Mixture,
    pub regret: f64,
    pub payoffs: Vec<f64>,
}

/// The equilibria of `game` (module docs).
pub fn equilibria(game: &Game, opts: &SolverOptions) -> Vec<Equilibrium> {
    let tol = opts.tolerance * game.payoff_scale();
    let mut candidates = Vec::new();
    for start in starts(game, opts) {
        let (end, average) = replicator(game, &start, opts.iterations);
        candidates.push(end);
        candidates.push(average);
    }
    candidates.extend(pure_profiles(game));
    candidates.extend(support_enumeration(game, opts));
    let mut found: Vec<Equilibrium> = Vec::new();
    for mix in candidates {
        let regret = game.regret(&mix);
        if regret.is_nan() || regret > tol {
            continue;
        }
        let eq = Equilibrium {
            payoffs: game.expected_payoffs(&mix),
            mixture: mix,
            regret,
        };
        match found
            .iter_mut()
            .find(|e| distance(&e.mixture, &eq.mixture) < 1e-4)
        {
            Some(e) if eq.regret < e.regret => *e = eq,
            Some(_) => {}
            None => found.push(eq),
        }
    }
    found.sort_by(|a, b| {
        a.regret.total_cmp(&b.regret).then_with(|| {
            let fa: Vec<f64> = a.mixture.concat();
            let fb: Vec<f64> = b.mixture.concat();
            fb.iter()
                .zip(&fa)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    found
}

/// The equilibrium of `game` nearest to `mix` (e.g. an equilibrium of a nearby game, as in a
/// bootstrap): Newton's method on `mix`'s support from `mix`, kept if its weights are
/// non-negative and its regret within tolerance; otherwise the nearest of [`equilibria`].
/// `None` when the game has no equilibrium within tolerance.
pub fn nearest(game: &Game, mix: &Mixture, opts: &SolverOptions) -> Option<Equilibrium> {
    let tol = opts.tolerance * game.payoff_scale();
    let support: Vec<Vec<usize>> = mix
        .iter()
        .map(|x| {
            let mut s: Vec<usize> = (0..x.len()).filter(|&t| x[t] > 1e-9).collect();
            // The heaviest strategy first: it carries the remainder of the weights.
            s.sort_by(|&a, &b| x[b].total_cmp(&x[a]).then(a.cmp(&b)));
            s
        })
        .collect();
    let y0: Vec<f64> = support
        .iter()
        .zip(mix)
        .flat_map(|(s, x)| s[1..].iter().map(|&t| x[t]).collect::<Vec<_>>())
        .collect();
    let local = if y0.is_empty() {
        Some(mix.clone())
    } else {
        newton(game, &support, y0).map(|y| mixture_of(game, &support, &y))
    };
    if let Some(m) = local.filter(|m| m.iter().flatten().all(|&w| w >= -1e-9)) {
        let m: Mixture = m
            .iter()
            .map(|x| {
                let c: Vec<f64> = x.iter().map(|w| w.max(0.0)).collect();
                let sum: f64 = c.iter().sum();
                c.into_iter().map(|w| w / sum).collect()
            })
            .collect();
        let regret = game.regret(&m);
        if regret <= tol {
            return Some(Equilibrium {
                payoffs: game.expected_payoffs(&m),
                mixture: m,
                regret,
            });
        }
    }
    equilibria(game, opts)
        .into_iter()
        .min_by(|a, b| distance(&a.mixture, mix).total_cmp(&distance(&b.mixture, mix)))
}

/// The largest difference of one weight between two mixtures.
pub fn distance(a: &Mixture, b: &Mixture) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f64::max)
}

/// Replicator dynamics from `start`: the end point and the average of the second half of the
/// path (module docs).
pub fn replicator(game: &Game, start: &Mixture, iterations: usize) -> (Mixture, Mixture) {
    let (lo, _) = game.payoff_range();
    let scale = game.payoff_scale();
    let mut x = start.clone();
    let mut sum: Mixture = x.iter().map(|r| vec![0.0; r.len()]).collect();
    let mut averaged = 0usize;
    let half = iterations / 2;
    for it in 0..iterations {
        let u = game.deviation_payoffs(&x);
        let mut change = 0.0f64;
        for (xr, ur) in x.iter_mut().zip(&u) {
            let v: Vec<f64> = ur.iter().map(|&p| (p - lo) / scale + 0.01).collect();
            let mean: f64 = xr.iter().zip(&v).map(|(a, b)| a * b).sum();
            for (xs, vs) in xr.iter_mut().zip(&v) {
                let next = *xs * vs / mean;
                change = change.max((next - *xs).abs());
                *xs = next;
            }
        }
        if it >= half {
            for (sr, xr) in sum.iter_mut().zip(&x) {
                for (a, b) in sr.iter_mut().zip(xr) {
                    *a += b;
                }
            }
            averaged += 1;
        }
        if change < 1e-13 {
            break;
        }
    }
    let average = if averaged == 0 {
        x.clone()
    } else {
        sum.iter()
            .map(|r| r.iter().map(|a| a / averaged as f64).collect())
            .collect()
    };
    (x, average)
}

fn rng(opts: &SolverOptions) -> crate::core::Stream {
    RepetitionSeed::derive(opts.seed, "equilibrium/solver", 0).stream("starts")
}

/// A point of the simplex drawn uniformly (normalised exponentials).
fn random_simplex(k: usize, r: &mut crate::core::Stream) -> Vec<f64> {
    let e: Vec<f64> = (0..k)
        .map(|_| -(1.0 - r.random::<f64>()).ln() + 1e-12)
        .collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|v| v / s).collect()
}

fn starts(game: &Game, opts: &SolverOptions) -> Vec<Mixture> {
    let uniform = game.uniform();
    let mut out = vec![uniform.clone()];
    for (r, role) in game.roles().iter().enumerate() {
        let k = role.strategies.len();
        if k < 2 {
            continue;
        }
        for s in 0..k {
            let mut m = uniform.clone();
            m[r] = vec![0.2 / (k - 1) as f64; k];
            m[r][s] = 0.8;
            out.push(m);
        }
    }
    let mut r = rng(opts);
    for _ in 0..opts.random_starts {
        out.push(
            game.roles()
                .iter()
                .map(|role| random_simplex(role.strategies.len(), &mut r))
                .collect(),
        );
    }
    out
}

/// Every profile in which each role plays one strategy, as a mixture.
fn pure_profiles(game: &Game) -> Vec<Mixture> {
    let mut out: Vec<Mixture> = vec![Vec::new()];
    for role in game.roles() {
        let k = role.strategies.len();
        out = out
            .into_iter()
            .flat_map(|m| {
                (0..k).map(move |s| {
                    let mut m = m.clone();
                    let mut v = vec![0.0; k];
                    v[s] = 1.0;
                    m.push(v);
                    m
                })
            })
            .collect();
    }
    out
}

/// Supports (per role, the strategies in it), smallest total size first, at most `max`.
fn supports(game: &Game, max: usize) -> Vec<Vec<Vec<usize>>> {
    let mut all: Vec<Vec<Vec<usize>>> = vec![Vec::new()];
    for role in game.roles() {
        let k = role.strategies.len();
        let subsets: Vec<Vec<usize>> = (1u32..(1 << k))
            .map(|mask| (0..k).filter(|s| mask & (1 << s) != 0).collect())
            .collect();
        let mut next = Vec::new();
        for a in &all {
            for s in &subsets {
                let mut a = a.clone();
                a.push(s.clone());
                next.push(a);
                if next.len() > 4 * max {
                    break;
                }
            }
        }
        all = next;
    }
    all.sort_by_key(|s| s.iter().map(Vec::len).sum::<usize>());
    all.truncate(max);
    all
}

/// Mixture from the free weights of a support: per role, every weight but the first.
fn mixture_of(game: &Game, support: &[Vec<usize>], y: &[f64]) -> Mixture {
    let mut i = 0;
    game.roles()
        .iter()
        .zip(support)
        .map(|(role, sup)| {
            let mut x = vec![0.0; role.strategies.len()];
            let mut rest = 1.0;
            for &s in &sup[1..] {
                x[s] = y[i];
                rest -= y[i];
                i += 1;
            }
            x[sup[0]] = rest;
            x
        })
        .collect()
}

/// The indifference residuals of a support: per role, each support strategy's payoff minus
/// the first's, over the payoff scale.
fn residuals(game: &Game, support: &[Vec<usize>], y: &[f64]) -> Vec<f64> {
    let u = game.deviation_payoffs(&mixture_of(game, support, y));
    let scale = game.payoff_scale();
    support
        .iter()
        .enumerate()
        .flat_map(|(r, sup)| {
            let base = u[r][sup[0]];
            sup[1..]
                .iter()
                .map(|&s| (u[r][s] - base) / scale)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Solves `a·x = b` by Gaussian elimination with partial pivoting; `None` if singular.
fn solve_linear(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-14 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let (upper, lower) = a.split_at_mut(c + 1);
        let pivot = &upper[c];
        for (r, row) in lower.iter_mut().enumerate() {
            let f = row[c] / pivot[c];
            for (x, p) in row[c..].iter_mut().zip(&pivot[c..]) {
                *x -= f * p;
            }
            b[c + 1 + r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

fn norm(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Newton's method on a support's residuals from `y`; the root if it converges.
fn newton(game: &Game, support: &[Vec<usize>], mut y: Vec<f64>) -> Option<Vec<f64>> {
    let n = y.len();
    let mut f = residuals(game, support, &y);
    for _ in 0..100 {
        if norm(&f) < 1e-12 {
            return Some(y);
        }
        let h = 1e-7;
        let mut jac = vec![vec![0.0; n]; n];
        for j in 0..n {
            let mut yp = y.clone();
            let mut ym = y.clone();
            yp[j] += h;
            ym[j] -= h;
            let (fp, fm) = (residuals(game, support, &yp), residuals(game, support, &ym));
            for i in 0..n {
                jac[i][j] = (fp[i] - fm[i]) / (2.0 * h);
            }
        }
        let step = solve_linear(jac, f.iter().map(|v| -v).collect())?;
        // Halve the step until the residual falls (a damped Newton step).
        let mut t = 1.0;
        loop {
            let cand: Vec<f64> = y.iter().zip(&step).map(|(a, d)| a + t * d).collect();
            let fc = residuals(game, support, &cand);
            if norm(&fc) < norm(&f) || t < 1e-6 {
                y = cand;
                f = fc;
                break;
            }
            t *= 0.5;
        }
        if y.iter().any(|v| !v.is_finite() || v.abs() > 1e3) {
            return None;
        }
    }
    (norm(&f) < 1e-10).then_some(y)
}

fn support_enumeration(game: &Game, opts: &SolverOptions) -> Vec<Mixture> {
    let mut r = rng(opts).child("supports");
    let mut out = Vec::new();
    for support in supports(game, opts.max_supports) {
        let free: usize = support.iter().map(|s| s.len() - 1).sum();
        if free == 0 {
            continue; // a pure profile: already a candidate
        }
        let mut inits: Vec<Vec<f64>> = vec![
            support
                .iter()
                .flat_map(|s| vec![1.0 / s.len() as f64; s.len() - 1])
                .collect(),
        ];
        for _ in 0..2 {
            inits.push(
                support
                    .iter()
                    .flat_map(|s| random_simplex(s.len(), &mut r).split_off(1))
                    .collect(),
            );
        }
        for y0 in inits {
            let Some(y) = newton(game, &support, y0) else {
                continue;
            };
            let mut mix = mixture_of(game, &support, &y);
            if mix.iter().flatten().any(|&w| w < -1e-9) {
                continue;
            }
            for xr in &mut mix {
                for w in xr.iter_mut() {
                    *w = w.max(0.0);
                }
                let s: f64 = xr.iter().sum();
                for w in xr.iter_mut() {
                    *w /= s;
                }
            }
            out.push(mix);
            break;
        }
    }
    out
}
