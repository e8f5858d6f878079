//! The leakage (visibility) policy: for each mechanism and each output field, who sees it and
//! after what extra delay.
//!
//! One policy type serves all three mechanisms, so that "what a losing RFQ dealer learns" and
//! "what an FBA publishes after a batch" are configuration, not code. A field `f` that the venue
//! emits at time `t` about [`Parties`] `p` reaches `viewer` iff
//! `policy.visible_to(f, &p, viewer, role)` is `Some(delay)`; it is then sent at `t + delay` on
//! the viewer's [`AgentWire`](super::AgentWire) channel [`Field::channel`], whose own latency
//! comes on top. Hidden fields are still logged for metrics.
//!
//! Default tables ([`LeakagePolicy::default_for`]); fields a mechanism never produces are
//! `nobody`:
//!
//! | mechanism | field | audience | delay | why |
//! |---|---|---|---|---|
//! | all | `own_fill`, `own_ack` | owner | 0 | a trader always learns its own outcome |
//! | CLOB | `trade_print`, `top_of_book`, `depth` | everyone | 0 | a lit book with a real-time tape |
//! | FBA | `clearing_price`, `clearing_volume` | everyone | 0 | published at each batch end (Budish, Cramton and Shim 2015) |
//! | FBA | `top_of_book`, `depth` | everyone | 0 | the residual book, aggregated by price, published right after each batch clears (Budish, Cramton and Shim 2015 propose it); nothing of the sealed book during a batch |
//! | FBA | `trade_print` | nobody | – | the batch results summarise the trades |
//! | FBA | `aggregate_curves` | nobody | – | the curves would reveal the whole order book |
//! | RFQ | `rfq_request`, `rfq_side`, `rfq_size` | addressees | 0 | asked dealers must see the request to quote |
//! | RFQ | `rfq_trade_happened` | addressees | 0 | losing dealers learn they lost (common on D2C platforms) |
//! | RFQ | `rfq_trade_price` | everyone | 1 s | a deferred public print, like TRACE's (15 min in reality) scaled to the simulated time scale |
//!
//! How a run applies the RFQ fields (the event loop in `sim`; `docs/mechanisms.md`): an asked
//! dealer is told of a request if `rfq_request` admits it, with the side (one-way requests only)
//! and size where `rfq_side` and `rfq_size` admit it; losing dealers are told of a trade if
//! `rfq_trade_happened` admits them; the trade price goes on the public feed after the delay of
//! `rfq_trade_price`, to the roles its audience admits.
//!
//! A scenario overrides single fields per mechanism; an override replaces the whole entry
//! (`delay_ns` defaults to 0):
//!
//! ```toml
//! [leakage.clob.trade_print]
//! audience = "everyone"
//! delay_ns = 50_000
//!
//! [leakage.fba.aggregate_curves]
//! audience = { roles = ["market_maker"] }
//!
//! [leakage.rfq.rfq_side]
//! audience = "nobody"            # two-way requests: dealers quote both sides
//!
//! [leakage.rfq.rfq_trade_price]
//! audience = "everyone"
//! delay_ns = 900_000_000_000     # 15 minutes
//! ```
//!
//! Unknown mechanisms, fields or keys are errors, and so is overriding a field the mechanism
//! never produces ([`LeakageConfig::validate`]).

use super::audience::{Audience, Parties};
use super::field::Field;
use crate::core::config_error::field_path;
use crate::core::{AgentId, ConfigError, Duration, MechanismKind, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Who sees a field, and how long after it is produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    pub audience: Audience,
    /// Extra delay before publication, on top of the wire's latency.
    #[serde(default)]
    pub delay_ns: u64,
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{ audience = {}, delay_ns = {} }}",
            self.audience, self.delay_ns
        )
    }
}

impl Visibility {
    pub fn new(audience: Audience, delay_ns: u64) -> Self {
        Visibility { audience, delay_ns }
    }
}

/// Per-mechanism overrides of the default tables, as written in a scenario's `[leakage]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeakageConfig {
    #[serde(default)]
    pub clob: BTreeMap<Field, Visibility>,
    #[serde(default)]
    pub fba: BTreeMap<Field, Visibility>,
    #[serde(default)]
    pub rfq: BTreeMap<Field, Visibility>,
}

/// The complete visibility table of one mechanism: an entry for every [`Field`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeakagePolicy {
    mechanism: MechanismKind,
    fields: BTreeMap<Field, Visibility>,
}

impl LeakageConfig {
    /// Every override must concern a field its mechanism produces, and a role list must not be
    /// empty (write `"nobody"` to hide a field).
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        for kind in MechanismKind::ALL {
            let mech_path = field_path(path, kind.as_str());
            for (field, vis) in self.overrides(kind) {
                let p = field_path(&mech_path, field.as_str());
                if !field.applies_to(kind) {
                    let produced: Vec<&str> = Field::ALL
                        .into_iter()
                        .filter(|f| f.applies_to(kind))
                        .map(Field::as_str)
                        .collect();
                    return Err(ConfigError::new(
                        p,
                        vis,
                        format!(
                            "{kind} never produces `{field}`; its fields are {}",
                            produced.join(", ")
                        ),
                    ));
                }
                let no_roles = match &vis.audience {
                    Audience::Roles(r) | Audience::OwnerAndRoles(r) => r.is_empty(),
                    _ => false,
                };
                if no_roles {
                    return Err(ConfigError::new(
                        field_path(&p, "audience"),
                        &vis.audience,
                        "needs at least one role (use \"nobody\" to hide the field)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The overrides for `kind`.
    pub fn overrides(&self, kind: MechanismKind) -> &BTreeMap<Field, Visibility> {
        match kind {
            MechanismKind::Clob => &self.clob,
            MechanismKind::Fba => &self.fba,
            MechanismKind::Rfq => &self.rfq,
        }
    }

    /// The default table of `kind` with this configuration's overrides applied.
    pub fn policy_for(&self, kind: MechanismKind) -> LeakagePolicy {
        let mut policy = LeakagePolicy::default_for(kind);
        for (field, vis) in self.overrides(kind) {
            policy.fields.insert(*field, vis.clone());
        }
        policy
    }
}

impl LeakagePolicy {
    /// The default table of `kind` (see the module docs for the table and its reasons).
    pub fn default_for(kind: MechanismKind) -> LeakagePolicy {
        use Audience::{Addressees, Everyone, Nobody, Owner};
        use Field::*;
        let mut fields: BTreeMap<Field, Visibility> = Field::ALL
            .into_iter()
            .map(|f| (f, Visibility::new(Nobody, 0)))
            .collect();
        let mut set = |f: Field, audience: Audience, delay_ns: u64| {
            fields.insert(f, Visibility::new(audience, delay_ns));
        };
        set(OwnFill, Owner, 0);
        set(OwnAck, Owner, 0);
        match kind {
            MechanismKind::Clob => {
                set(TradePrint, Everyone, 0);
                set(TopOfBook, Everyone, 0);
                set(Depth, Everyone, 0);
            }
            MechanismKind::Fba => {
                set(ClearingPrice, Everyone, 0);
                set(ClearingVolume, Everyone, 0);
                set(TopOfBook, Everyone, 0);
                set(Depth, Everyone, 0);
            }
            MechanismKind::Rfq => {
                set(RfqRequest, Addressees, 0);
                set(RfqSide, Addressees, 0);
                set(RfqSize, Addressees, 0);
                set(RfqTradeHappened, Addressees, 0);
                set(RfqTradePrice, Everyone, RFQ_PRINT_DELAY_NS);
            }
        }
        LeakagePolicy {
            mechanism: kind,
            fields,
        }
    }

    pub fn mechanism(&self) -> MechanismKind {
        self.mechanism
    }

    /// The visibility of `field`.
    pub fn visibility(&self, field: Field) -> &Visibility {
        // Every constructor fills every field.
        &self.fields[&field]
    }

    /// `Some(extra delay)` if `viewer` (with role `viewer_role`) sees `field` about `parties`,
    /// `None` if it never does.
    pub fn visible_to(
        &self,
        field: Field,
        parties: &Parties<'_>,
        viewer: AgentId,
        viewer_role: Role,
    ) -> Option<Duration> {
        let v = self.visibility(field);
        v.audience
            .admits(parties, viewer, viewer_role)
            .then_some(Duration(v.delay_ns))
    }
}

/// Default publication delay of an RFQ trade's price: 1 s.
const RFQ_PRINT_DELAY_NS: u64 = 1_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeSet;

    fn vis(audience: Audience, delay_ns: u64) -> Visibility {
        Visibility::new(audience, delay_ns)
    }

    /// The default tables, spelled out for every (mechanism, field).
    #[test]
    fn default_tables_are_exactly_as_documented() {
        use Audience::{Addressees, Everyone, Nobody, Owner};
        use MechanismKind::{Clob, Fba, Rfq};
        let expected = |kind: MechanismKind, field: Field| -> Visibility {
            match (kind, field) {
                (_, Field::OwnFill | Field::OwnAck) => vis(Owner, 0),
                (Clob, Field::TradePrint | Field::TopOfBook | Field::Depth) => vis(Everyone, 0),
                (
                    Fba,
                    Field::ClearingPrice | Field::ClearingVolume | Field::TopOfBook | Field::Depth,
                ) => vis(Everyone, 0),
                (
                    Rfq,
                    Field::RfqRequest | Field::RfqSide | Field::RfqSize | Field::RfqTradeHappened,
                ) => vis(Addressees, 0),
                (Rfq, Field::RfqTradePrice) => vis(Everyone, 1_000_000_000),
                _ => vis(Nobody, 0),
            }
        };
        for kind in MechanismKind::ALL {
            let p = LeakagePolicy::default_for(kind);
            assert_eq!(p.mechanism(), kind);
            for field in Field::ALL {
                assert_eq!(
                    p.visibility(field),
                    &expected(kind, field),
                    "{kind} {field}"
                );
                if !field.applies_to(kind) {
                    assert_eq!(p.visibility(field).audience, Nobody, "{kind} {field}");
                }
            }
        }
    }

    #[test]
    fn visible_to_under_the_defaults() {
        let (client, asked, unasked, sniper) = (AgentId(1), AgentId(2), AgentId(3), AgentId(4));
        let dealers = [asked];
        let rfq = LeakagePolicy::default_for(MechanismKind::Rfq);
        let req = Parties::request(client, &dealers);
        let mm = Role::MarketMaker;
        assert_eq!(
            rfq.visible_to(Field::RfqRequest, &req, asked, mm),
            Some(Duration(0))
        );
        assert_eq!(rfq.visible_to(Field::RfqSide, &req, unasked, mm), None);
        assert_eq!(
            rfq.visible_to(Field::RfqTradeHappened, &req, client, Role::Noise),
            None
        );
        assert_eq!(
            rfq.visible_to(Field::RfqTradeHappened, &req, asked, mm),
            Some(Duration(0))
        );
        assert_eq!(
            rfq.visible_to(Field::RfqTradePrice, &req, sniper, Role::Arbitrageur),
            Some(Duration(1_000_000_000))
        );
        let own = Parties::owned_by(client);
        assert_eq!(
            rfq.visible_to(Field::OwnFill, &own, client, Role::Noise),
            Some(Duration(0))
        );
        assert_eq!(rfq.visible_to(Field::OwnFill, &own, asked, mm), None);

        let clob = LeakagePolicy::default_for(MechanismKind::Clob);
        let public = Parties::public();
        for f in [Field::TradePrint, Field::TopOfBook, Field::Depth] {
            assert_eq!(
                clob.visible_to(f, &public, sniper, Role::Arbitrageur),
                Some(Duration(0))
            );
        }
        assert_eq!(
            clob.visible_to(Field::ClearingPrice, &public, sniper, Role::Arbitrageur),
            None
        );

        let fba = LeakagePolicy::default_for(MechanismKind::Fba);
        assert_eq!(
            fba.visible_to(Field::ClearingPrice, &public, sniper, mm),
            Some(Duration(0))
        );
        assert_eq!(
            fba.visible_to(Field::AggregateCurves, &public, sniper, mm),
            None
        );
        // The residual book after each batch is public; the trade tape is not.
        assert_eq!(
            fba.visible_to(Field::TopOfBook, &public, sniper, mm),
            Some(Duration(0))
        );
        assert_eq!(fba.visible_to(Field::TradePrint, &public, sniper, mm), None);
    }

    fn scenario() -> serde_json::Value {
        json!({
            "clob": { "trade_print": { "audience": "everyone", "delay_ns": 50000 } },
            "fba": { "aggregate_curves": { "audience": { "roles": ["market_maker"] } } },
            "rfq": {
                "rfq_side": { "audience": "nobody" },
                "rfq_trade_price": { "audience": { "owner_and_roles": ["informed"] }, "delay_ns": 7 }
            }
        })
    }

    #[test]
    fn overrides_replace_defaults_field_by_field() {
        let cfg: LeakageConfig = serde_json::from_value(scenario()).unwrap();
        cfg.validate("leakage").unwrap();
        let mm: BTreeSet<Role> = [Role::MarketMaker].into();
        for kind in MechanismKind::ALL {
            let policy = cfg.policy_for(kind);
            let defaults = LeakagePolicy::default_for(kind);
            for field in Field::ALL {
                let want = match (kind, field) {
                    (MechanismKind::Clob, Field::TradePrint) => vis(Audience::Everyone, 50_000),
                    (MechanismKind::Fba, Field::AggregateCurves) => {
                        vis(Audience::Roles(mm.clone()), 0)
                    }
                    (MechanismKind::Rfq, Field::RfqSide) => vis(Audience::Nobody, 0),
                    (MechanismKind::Rfq, Field::RfqTradePrice) => {
                        vis(Audience::OwnerAndRoles([Role::Informed].into()), 7)
                    }
                    _ => defaults.visibility(field).clone(),
                };
                assert_eq!(policy.visibility(field), &want, "{kind} {field}");
            }
        }
        let fba = cfg.policy_for(MechanismKind::Fba);
        let public = Parties::public();
        assert_eq!(
            fba.visible_to(
                Field::AggregateCurves,
                &public,
                AgentId(5),
                Role::MarketMaker
            ),
            Some(Duration(0))
        );
        assert_eq!(
            fba.visible_to(Field::AggregateCurves, &public, AgentId(5), Role::Noise),
            None
        );
        assert_eq!(
            LeakageConfig::default().policy_for(MechanismKind::Rfq),
            LeakagePolicy::default_for(MechanismKind::Rfq)
        );
    }

    #[test]
    fn unknown_mechanisms_fields_keys_and_audiences_are_rejected() {
        let bad = |patch: serde_json::Value| {
            let r = serde_json::from_value::<LeakageConfig>(patch.clone());
            assert!(r.is_err(), "accepted {patch}");
        };
        bad(json!({ "cblo": {} }));
        bad(json!({ "clob": { "trade_prints": { "audience": "everyone" } } }));
        bad(json!({ "clob": { "trade_print": { "audience": "everyone", "delay_ms": 5 } } }));
        bad(json!({ "clob": { "trade_print": { "delay_ns": 5 } } }));
        bad(json!({ "rfq": { "rfq_side": { "audience": "dealers" } } }));
        bad(json!({ "rfq": { "rfq_side": { "audience": { "roles": ["dealer"] } } } }));
        assert!(serde_json::from_value::<LeakageConfig>(json!({})).is_ok());
    }

    #[test]
    fn validation_rejects_fields_a_mechanism_never_produces_and_empty_role_lists() {
        let cfg: LeakageConfig = serde_json::from_value(
            json!({ "clob": { "clearing_price": { "audience": "everyone" } } }),
        )
        .unwrap();
        let e = cfg.validate("leakage").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`leakage.clob.clearing_price` = { audience = everyone, delay_ns = 0 }: clob never \
             produces `clearing_price`; its fields are own_fill, own_ack, trade_print, \
             top_of_book, depth"
        );
        let cfg: LeakageConfig = serde_json::from_value(
            json!({ "rfq": { "rfq_size": { "audience": { "roles": [] } } } }),
        )
        .unwrap();
        let e = cfg.validate("leakage").unwrap_err();
        assert_eq!(e.path, "leakage.rfq.rfq_size.audience");
        assert_eq!(e.value, "roles []");
    }

    #[test]
    fn policy_serializes_as_a_field_table() {
        let v = serde_json::to_value(LeakagePolicy::default_for(MechanismKind::Rfq)).unwrap();
        assert_eq!(v["mechanism"], "rfq");
        assert_eq!(
            v["fields"]["rfq_trade_price"],
            json!({ "audience": "everyone", "delay_ns": 1_000_000_000u64 })
        );
        assert_eq!(
            v["fields"]["rfq_side"],
            json!({ "audience": "addressees", "delay_ns": 0 })
        );
    }
}
