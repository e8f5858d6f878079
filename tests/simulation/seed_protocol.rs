//! Pins the seed protocol of `docs/seed-protocol.md`.
//!
//! The repetition seeds and stream keys below were computed independently of this crate (with
//! Python's `hashlib`, by the recipe in the document). The first draws of each stream are golden
//! values of ChaCha8 as implemented by `rand_chacha`, reproduced by
//! `docs/seed_protocol_reference.py` (a from-scratch ChaCha8 in Python): if a dependency update changes them, every
//! result of every experiment changes, so this test fails loudly instead.

use proteus::core::RepetitionSeed;
use rand::RngExt;

#[test]
fn repetition_seeds_match_the_document() {
    let cases: [(u64, &str, u64, u64); 6] = [
        (0, "default", 0, 16707940331304044921),
        (42, "default", 0, 3170034154072251074),
        (42, "default", 1, 14296515699751186324),
        (42, "rmsc04-like", 0, 16976459930334793249),
        (2026, "validation/kyle", 7, 15709789963714381735),
        (u64::MAX, "", 0, 10440848010662309354),
    ];
    for (master, scenario, rep, expected) in cases {
        assert_eq!(
            RepetitionSeed::derive(master, scenario, rep).0,
            expected,
            "master {master}, scenario {scenario:?}, repetition {rep}"
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn stream_keys_match_the_document() {
    let seed = RepetitionSeed::derive(42, "default", 0);
    let cases = [
        (
            "fundamental",
            "9d12224e1182dd3ab96f29b6c698953ceb58c82fdc6f52b3b1014a76832578e5",
        ),
        (
            "news",
            "24712cbd62fb791690e542923f67b9f01062463e181b8d006faaa67e069cfcb3",
        ),
        (
            "agent/noise/3/arrivals",
            "9644c365acf97f8990f334ffbb7e085f8f35c815d8eddf207c4669e84ff307bb",
        ),
        (
            "latency/agent/7/submit",
            "7f601d96b26b652190990696b49fcbf90a40ac041a72bc39a3bf19c2dd28782c",
        ),
    ];
    for (name, key) in cases {
        assert_eq!(hex(&seed.stream_key(name)), key, "stream {name}");
    }
}

#[test]
fn first_draws_of_named_streams_are_pinned() {
    let seed = RepetitionSeed::derive(42, "default", 0);
    let mut s = seed.stream("fundamental");
    let words: Vec<u64> = (0..3).map(|_| s.random::<u64>()).collect();
    assert_eq!(
        words,
        [
            8463525509385613312,
            16223212572826347103,
            949166435081270238
        ],
        "first u64 of stream `fundamental`"
    );
    let mut s = seed.stream("agent/noise/3/arrivals");
    let unit: Vec<f64> = (0..3).map(|_| s.random::<f64>()).collect();
    assert_eq!(
        unit,
        [0.4551674169689325, 0.7733760220255611, 0.9407583310021538],
        "first f64 in [0, 1) of `agent/noise/3/arrivals`"
    );
}
