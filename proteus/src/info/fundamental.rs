//! Configuration of the fundamental value process.

use super::jump_size::JumpSizeLaw;
use crate::core::ConfigError;
use crate::core::config_error::{field_path, require, require_finite, require_non_negative};
use serde::{Deserialize, Serialize};

/// The fundamental value process, in ticks. Both variants evolve on a fixed time grid of
/// `step_ns` (see [`super::FundamentalPath`] for the exact update rules).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FundamentalConfig {
    /// Arithmetic Brownian motion plus compound-Poisson jumps:
    /// `dX = σ dW + J dN`, `N` a Poisson process of rate `jump_rate_per_s`, `J ~ jump_size`.
    JumpDiffusion {
        initial_ticks: f64,
        sigma_ticks_per_sqrt_s: f64,
        jump_rate_per_s: f64,
        jump_size: JumpSizeLaw,
        step_ns: u64,
    },
    /// Ornstein–Uhlenbeck: `dX = κ (μ − X) dt + σ dW`, sampled exactly on the grid.
    MeanReverting {
        initial_ticks: f64,
        mean_ticks: f64,
        kappa_per_s: f64,
        sigma_ticks_per_sqrt_s: f64,
        step_ns: u64,
    },
}

impl FundamentalConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let f = |name| field_path(path, name);
        match *self {
            FundamentalConfig::JumpDiffusion {
                initial_ticks,
                sigma_ticks_per_sqrt_s,
                jump_rate_per_s,
                jump_size,
                step_ns,
            } => {
                require_finite(&f("initial_ticks"), initial_ticks)?;
                require_non_negative(&f("sigma_ticks_per_sqrt_s"), sigma_ticks_per_sqrt_s)?;
                require_non_negative(&f("jump_rate_per_s"), jump_rate_per_s)?;
                jump_size.validate(&f("jump_size"))?;
                require(step_ns >= 1, &f("step_ns"), step_ns, "must be >= 1")
            }
            FundamentalConfig::MeanReverting {
                initial_ticks,
                mean_ticks,
                kappa_per_s,
                sigma_ticks_per_sqrt_s,
                step_ns,
            } => {
                require_finite(&f("initial_ticks"), initial_ticks)?;
                require_finite(&f("mean_ticks"), mean_ticks)?;
                require_non_negative(&f("kappa_per_s"), kappa_per_s)?;
                require_non_negative(&f("sigma_ticks_per_sqrt_s"), sigma_ticks_per_sqrt_s)?;
                require(step_ns >= 1, &f("step_ns"), step_ns, "must be >= 1")
            }
        }
    }

    /// The value at time 0, in ticks.
    pub fn initial_ticks(&self) -> f64 {
        match *self {
            FundamentalConfig::JumpDiffusion { initial_ticks, .. }
            | FundamentalConfig::MeanReverting { initial_ticks, .. } => initial_ticks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jump_diffusion() -> FundamentalConfig {
        FundamentalConfig::JumpDiffusion {
            initial_ticks: 10_000.0,
            sigma_ticks_per_sqrt_s: 1.0,
            jump_rate_per_s: 0.1,
            jump_size: JumpSizeLaw::Normal {
                mean: 0.0,
                std: 5.0,
            },
            step_ns: 1_000_000,
        }
    }

    #[test]
    fn validation_errors_name_the_full_field_path() {
        assert!(jump_diffusion().validate("fundamental").is_ok());
        let FundamentalConfig::JumpDiffusion {
            initial_ticks,
            sigma_ticks_per_sqrt_s,
            jump_size,
            step_ns,
            ..
        } = jump_diffusion()
        else {
            unreachable!()
        };
        let bad_rate = FundamentalConfig::JumpDiffusion {
            initial_ticks,
            sigma_ticks_per_sqrt_s,
            jump_rate_per_s: -0.5,
            jump_size,
            step_ns,
        };
        let e = bad_rate.validate("fundamental").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`fundamental.jump_rate_per_s` = -0.5: must be finite and >= 0"
        );

        let bad_jump = FundamentalConfig::JumpDiffusion {
            initial_ticks,
            sigma_ticks_per_sqrt_s,
            jump_rate_per_s: 1.0,
            jump_size: JumpSizeLaw::Normal {
                mean: 0.0,
                std: f64::INFINITY,
            },
            step_ns,
        };
        assert_eq!(
            bad_jump.validate("fundamental").unwrap_err().path,
            "fundamental.jump_size.std"
        );

        let ou = FundamentalConfig::MeanReverting {
            initial_ticks: 0.0,
            mean_ticks: 0.0,
            kappa_per_s: 1.0,
            sigma_ticks_per_sqrt_s: 1.0,
            step_ns: 0,
        };
        let e = ou.validate("scenario.fundamental").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`scenario.fundamental.step_ns` = 0: must be >= 1"
        );
        let ou = FundamentalConfig::MeanReverting {
            initial_ticks: 0.0,
            mean_ticks: f64::NAN,
            kappa_per_s: 1.0,
            sigma_ticks_per_sqrt_s: 1.0,
            step_ns: 1,
        };
        assert_eq!(
            ou.validate("fundamental").unwrap_err().path,
            "fundamental.mean_ticks"
        );
    }

    #[test]
    fn deserializes_from_a_scenario_shape_and_rejects_unknown_fields() {
        let v = serde_json::json!({
            "kind": "mean_reverting", "initial_ticks": 100.0, "mean_ticks": 100.0,
            "kappa_per_s": 0.5, "sigma_ticks_per_sqrt_s": 2.0, "step_ns": 1000000
        });
        let cfg: FundamentalConfig = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(cfg.initial_ticks(), 100.0);
        let mut typo = v;
        typo["kapa_per_s"] = serde_json::json!(0.5);
        assert!(serde_json::from_value::<FundamentalConfig>(typo).is_err());
    }
}
