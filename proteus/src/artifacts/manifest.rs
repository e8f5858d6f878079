//! The `manifest.json` of a bundle: one generic type that every writer serializes and every
//! reader parses, so the format is defined once (`docs/bundle-format.md`).
//!
//! A manifest is a header (`schema_version`, `kind`, `crate_version`), the body of its kind
//! (what the bundle was made from: scenario, seeds, plan, ...), the hashed `files` and the
//! regenerable `derived` files, in that order; a run bundle adds its LOBSTER section after them.
//! The body types of the kinds live with the types they describe (`crate::schema`); this module
//! knows only the frame, so the low-level I/O code depends on nothing above it.

use super::bundle::FileDigest;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a bundle is: the `kind` of its manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleKind {
    /// `xtask run`: one run.
    Run,
    /// `xtask replay`: an order file replayed through a fresh book.
    Replay,
    /// `xtask baseline`: the calibrated regime over the scenario's grid.
    Baseline,
    /// `xtask compare`: mechanisms on the same draws.
    Compare,
    /// `xtask calibrate`: the market-maker regime search.
    Calibration,
    /// `xtask realism`: stylized facts against published ranges.
    Realism,
    /// `xtask equilibrium`: the entry/speed game and its equilibria.
    Equilibrium,
    /// `xtask equilibrium --shard K/N`: one shard of a game's payoff table.
    EquilibriumShard,
}

impl BundleKind {
    /// Every kind, in declaration order.
    pub const ALL: [BundleKind; 8] = [
        BundleKind::Run,
        BundleKind::Replay,
        BundleKind::Baseline,
        BundleKind::Compare,
        BundleKind::Calibration,
        BundleKind::Realism,
        BundleKind::Equilibrium,
        BundleKind::EquilibriumShard,
    ];

    /// The name the manifest writes: `run`, `equilibrium-shard`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            BundleKind::Run => "run",
            BundleKind::Replay => "replay",
            BundleKind::Baseline => "baseline",
            BundleKind::Compare => "compare",
            BundleKind::Calibration => "calibration",
            BundleKind::Realism => "realism",
            BundleKind::Equilibrium => "equilibrium",
            BundleKind::EquilibriumShard => "equilibrium-shard",
        }
    }

    /// The kind named `name`, if Proteus writes one.
    pub fn from_name(name: &str) -> Option<BundleKind> {
        BundleKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether bundles of this kind are packs (baseline, comparison, calibration).
    pub fn is_pack(self) -> bool {
        matches!(
            self,
            BundleKind::Baseline | BundleKind::Compare | BundleKind::Calibration
        )
    }
}

impl fmt::Display for BundleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Nothing after `derived` (every kind but a run bundle with LOBSTER files).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoTail {}

/// A bundle's `manifest.json`: header, the body `B` of its kind, the files, and the tail `T`.
///
/// `Manifest<serde_json::Map<String, serde_json::Value>>` reads any kind with its body untyped
/// (for code that needs only the header and the files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest<B, T = NoTail> {
    pub schema_version: u32,
    pub kind: BundleKind,
    pub crate_version: String,
    #[serde(flatten)]
    pub body: B,
    /// Every data file, with its size and SHA-256, sorted by name.
    pub files: Vec<FileDigest>,
    /// Files made from the others (the report): regenerable, so not hashed. Absent in kinds
    /// that have no report (replay, equilibrium shards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived: Option<Vec<String>>,
    #[serde(flatten)]
    pub tail: T,
}

/// A manifest with its body left as JSON.
pub type AnyManifest = Manifest<serde_json::Map<String, serde_json::Value>>;

impl<B, T: Default> Manifest<B, T> {
    /// A manifest of this build (`crate_version` is this crate's).
    pub fn new(
        kind: BundleKind,
        schema_version: u32,
        body: B,
        files: Vec<FileDigest>,
        derived: Option<Vec<String>>,
    ) -> Self {
        Manifest {
            schema_version,
            kind,
            crate_version: env!("CARGO_PKG_VERSION").to_owned(),
            body,
            files,
            derived,
            tail: T::default(),
        }
    }
}

impl<B, T> Manifest<B, T> {
    /// The listed digest of file `name`, if the manifest hashes it.
    pub fn file(&self, name: &str) -> Option<&FileDigest> {
        self.files.iter().find(|f| f.name == name)
    }

    /// Whether the manifest lists file `name` among its hashed files.
    pub fn lists(&self, name: &str) -> bool {
        self.file(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in BundleKind::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<BundleKind>(&json).unwrap(), k);
            assert_eq!(BundleKind::from_name(k.as_str()), Some(k));
        }
        assert_eq!(BundleKind::EquilibriumShard.as_str(), "equilibrium-shard");
        assert_eq!(BundleKind::from_name("thesis"), None);
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Body {
        scenario_id: String,
        seeds: u64,
    }

    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Tail {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extra: Option<u32>,
    }

    #[test]
    fn the_frame_keeps_key_order_and_reads_back() {
        let files = vec![FileDigest {
            name: "a.csv".into(),
            bytes: 3,
            sha256: "ab".into(),
        }];
        let mut m: Manifest<Body, Tail> = Manifest::new(
            BundleKind::Run,
            1,
            Body {
                scenario_id: "x".into(),
                seeds: 7,
            },
            files,
            Some(vec!["report.html".into()]),
        );
        m.tail.extra = Some(2);
        let text = serde_json::to_string(&m).unwrap();
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(
            text,
            format!(
                r#"{{"schema_version":1,"kind":"run","crate_version":"{v}","scenario_id":"x","seeds":7,"files":[{{"name":"a.csv","bytes":3,"sha256":"ab"}}],"derived":["report.html"],"extra":2}}"#
            )
        );
        let back: Manifest<Body, Tail> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m);
        let any: AnyManifest = serde_json::from_str(&text).unwrap();
        assert_eq!(any.kind, BundleKind::Run);
        assert!(any.lists("a.csv") && !any.lists("b.csv"));
        assert_eq!(any.body["scenario_id"], "x");
        // No tail and no derived: neither key is written.
        let bare: Manifest<Body> =
            Manifest::new(BundleKind::Replay, 1, back.body.clone(), Vec::new(), None);
        let text = serde_json::to_string(&bare).unwrap();
        assert!(text.ends_with(r#""seeds":7,"files":[]}"#), "{text}");
    }
}
