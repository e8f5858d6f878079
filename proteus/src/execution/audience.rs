//! Who may see a piece of information.

use crate::core::{AgentId, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The agents a piece of information concerns: its `owner` (whose order or request it is) and
/// its `addressees` (the dealers an RFQ was sent to).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Parties<'a> {
    pub owner: Option<AgentId>,
    pub addressees: &'a [AgentId],
}

impl<'a> Parties<'a> {
    /// Market-wide information, concerning nobody in particular (a trade print, the book).
    pub fn public() -> Self {
        Parties {
            owner: None,
            addressees: &[],
        }
    }

    /// Information about `owner`'s own order or request.
    pub fn owned_by(owner: AgentId) -> Self {
        Parties {
            owner: Some(owner),
            addressees: &[],
        }
    }

    /// An RFQ by `client` sent to `dealers`.
    pub fn request(client: AgentId, dealers: &'a [AgentId]) -> Self {
        Parties {
            owner: Some(client),
            addressees: dealers,
        }
    }
}

/// Who sees a field. In a scenario: `"owner"`, `"addressees"`, `"everyone"`, `"nobody"`,
/// `{ roles = ["market_maker"] }` or `{ owner_and_roles = ["arbitrageur"] }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Only the owner.
    Owner,
    /// Only the addressees (the dealers asked in an RFQ), not the owner.
    Addressees,
    /// Every agent.
    Everyone,
    /// Every agent with one of these roles (the owner only if it has one of them).
    Roles(BTreeSet<Role>),
    /// The owner, and every agent with one of these roles.
    OwnerAndRoles(BTreeSet<Role>),
    /// No agent (the field is still logged for metrics).
    Nobody,
}

impl Audience {
    /// Whether `viewer`, whose role is `role`, belongs to this audience for `parties`.
    pub fn admits(&self, parties: &Parties<'_>, viewer: AgentId, role: Role) -> bool {
        let is_owner = parties.owner == Some(viewer);
        match self {
            Audience::Owner => is_owner,
            Audience::Addressees => parties.addressees.contains(&viewer),
            Audience::Everyone => true,
            Audience::Roles(roles) => roles.contains(&role),
            Audience::OwnerAndRoles(roles) => is_owner || roles.contains(&role),
            Audience::Nobody => false,
        }
    }
}

/// As in a scenario: `owner`, `roles [market_maker, noise]`, ...
impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, name: &str, roles: &BTreeSet<Role>| {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            write!(f, "{name} [{}]", names.join(", "))
        };
        match self {
            Audience::Owner => f.write_str("owner"),
            Audience::Addressees => f.write_str("addressees"),
            Audience::Everyone => f.write_str("everyone"),
            Audience::Roles(r) => list(f, "roles", r),
            Audience::OwnerAndRoles(r) => list(f, "owner_and_roles", r),
            Audience::Nobody => f.write_str("nobody"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: AgentId = AgentId(1);
    const ASKED: AgentId = AgentId(2);
    const OTHER: AgentId = AgentId(3);

    fn roles(r: &[Role]) -> BTreeSet<Role> {
        r.iter().copied().collect()
    }

    /// Truth table: (audience, viewer, viewer's role) → admitted, for an RFQ by `CLIENT` to
    /// `ASKED`.
    #[test]
    fn each_audience_admits_exactly_its_members() {
        let dealers = [ASKED];
        let p = Parties::request(CLIENT, &dealers);
        let mm = Role::MarketMaker;
        let cases = [
            (Audience::Owner, CLIENT, Role::Noise, true),
            (Audience::Owner, ASKED, mm, false),
            (Audience::Addressees, ASKED, mm, true),
            (Audience::Addressees, CLIENT, Role::Noise, false),
            (Audience::Addressees, OTHER, mm, false),
            (Audience::Everyone, OTHER, Role::Informed, true),
            (Audience::Roles(roles(&[mm])), OTHER, mm, true),
            (
                Audience::Roles(roles(&[mm])),
                OTHER,
                Role::Arbitrageur,
                false,
            ),
            (Audience::Roles(roles(&[mm])), CLIENT, Role::Noise, false),
            (
                Audience::OwnerAndRoles(roles(&[mm])),
                CLIENT,
                Role::Noise,
                true,
            ),
            (Audience::OwnerAndRoles(roles(&[mm])), OTHER, mm, true),
            (
                Audience::OwnerAndRoles(roles(&[mm])),
                OTHER,
                Role::Informed,
                false,
            ),
            (Audience::Nobody, CLIENT, Role::Noise, false),
            (Audience::Nobody, ASKED, mm, false),
        ];
        for (audience, viewer, role, want) in cases {
            assert_eq!(
                audience.admits(&p, viewer, role),
                want,
                "{audience:?} {viewer} {role}"
            );
        }
        assert!(!Audience::Owner.admits(&Parties::public(), CLIENT, Role::Noise));
        assert!(Audience::Owner.admits(&Parties::owned_by(OTHER), OTHER, Role::Noise));
    }

    #[test]
    fn serde_shape() {
        let a: Audience = serde_json::from_value(serde_json::json!("addressees")).unwrap();
        assert_eq!(a, Audience::Addressees);
        let a: Audience =
            serde_json::from_value(serde_json::json!({"roles": ["market_maker", "arbitrageur"]}))
                .unwrap();
        assert_eq!(
            a,
            Audience::Roles(roles(&[Role::Arbitrageur, Role::MarketMaker]))
        );
        assert!(serde_json::from_value::<Audience>(serde_json::json!("dealers")).is_err());
        assert!(
            serde_json::from_value::<Audience>(serde_json::json!({"roles": ["dealer"]})).is_err()
        );
    }
}
