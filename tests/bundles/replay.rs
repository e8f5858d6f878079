//! Order replay of the committed sample `tests/data/orders_sample.csv`.
//!
//! The expected tables were worked out by hand from the file (walk-through in the comments), not
//! copied from the program's output.

use crate::support::repo_path;
use crate::support::scratch::Scratch;
use proteus::replay::replay_file;
use std::fs;
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    repo_path("tests/data/orders_sample.csv")
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn sample_file_gives_the_hand_worked_tables() {
    let root = Scratch::new("replay-sample");
    let out = root.join("out");
    replay_file(&sample(), &out, false).unwrap();

    // t=3000 market buy 12 (#6) takes #1 (10 @ 10005) then 2 of #3 (queued behind #1 at 10005).
    // t=3500 amend #2 down to 15 at the same price keeps its place.
    // t=4000 IOC buy 10 @ 10006 (#7) takes the last 3 of #3, then 7 of #2 at 10006.
    // t=6000 sell 12 @ 9996 (#10) hits #4 (amended up to 9996 at t=5500) for 10, rests 2.
    // t=7200 buy 7 @ 9999 (#12) takes the 2 resting of #10, rests 5 at 9999.
    // t=7300 FOK sell 3 @ 9999 (#13) fills whole against #12.
    assert_eq!(
        read(&out, "fills.csv"),
        "time_ns,price,qty,taker_side,taker_agent,taker_role,maker_agent,maker_role,\
         taker_order_id,maker_order_id,line\n\
         3000,10005,10,buy,5,,1,,6,1,7\n\
         3000,10005,2,buy,5,,2,,6,3,7\n\
         4000,10005,3,buy,6,,2,,7,3,9\n\
         4000,10006,7,buy,6,,1,,7,2,9\n\
         6000,9996,10,sell,8,,3,,10,4,14\n\
         7200,9996,2,buy,3,,8,,12,10,18\n\
         7300,9999,3,sell,8,,3,,13,12,19\n"
    );
    // #3 was filled by t=4000, so its cancel at 4500 is too late; the FOK sell of 30 finds only
    // 25 lots of bids; the post-only sell at 9995 would cross the 9995 bid; zero quantity; a
    // cancel of an id never seen.
    assert_eq!(
        read(&out, "rejects.csv"),
        "time_ns,order_id,reason,trader,line\n\
         4500,3,too_late,2,10\n\
         5000,8,fok_cannot_fill,7,11\n\
         5200,9,post_only_would_cross,7,12\n\
         7000,11,non_positive_qty,9,16\n\
         7100,99,unknown_order,9,17\n"
    );
    // #5 was cancelled at 6500; what rests is 2 of #12 and 8 of #2.
    assert_eq!(
        read(&out, "book.csv"),
        "side,price,order_id,qty,trader\nbuy,9999,12,2,3\nsell,10006,2,8,1\n"
    );
    let manifest: serde_json::Value = serde_json::from_str(&read(&out, "manifest.json")).unwrap();
    assert_eq!(manifest["summary"]["fills"], 7);
    assert_eq!(manifest["summary"]["filled_qty"], 37);
    assert_eq!(manifest["input"]["rows"], 18);
    for f in manifest["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let bytes = fs::read(out.join(name)).unwrap();
        assert_eq!(
            f["sha256"],
            proteus::artifacts::sha256_hex(&bytes),
            "{name}"
        );
    }
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn replay_is_byte_identical_across_runs() {
    let root = Scratch::new("replay-twice");
    replay_file(&sample(), &root.join("a"), false).unwrap();
    replay_file(&sample(), &root.join("b"), false).unwrap();
    for name in [
        "fills.csv",
        "book.csv",
        "rejects.csv",
        "events.csv",
        "manifest.json",
    ] {
        assert_eq!(
            read(&root.join("a"), name),
            read(&root.join("b"), name),
            "{name}"
        );
    }
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn malformed_file_leaves_no_output_folder() {
    let root = Scratch::new("replay-bad");
    let orders = root.join("bad.csv");
    fs::write(
        &orders,
        "time_ns,trader,action,order_id,side,price,qty,tif\n0,1,limit,1,buy,100,5,gtc\n1,1,limit,2,buy,1o1,5,gtc\n",
    )
    .unwrap();
    let out = root.join("out");
    let e = replay_file(&orders, &out, false).unwrap_err().to_string();
    assert!(
        e.ends_with("bad.csv:3: column `price`: expected an integer, found \"1o1\""),
        "{e}"
    );
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(&root).unwrap().count(),
        1,
        "only the input file remains"
    );
    fs::remove_dir_all(root).unwrap();
}
