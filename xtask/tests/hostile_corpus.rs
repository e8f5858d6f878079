//! The hostile corpus (issue 19): every case of `tests/hostile/cases.toml` run through the
//! xtask binary, under an address-space cap (2 GiB) and a wall-clock cap (20 s).
//!
//! For each case the test checks the exit code, that stderr holds every expected substring,
//! that nothing panicked (no "panicked at", no exit code 101, no signal), and, for a refusal
//! (non-zero exit), that nothing was written or removed: the case's scratch folder (its input
//! files, its `--out` target and whatever setup made) is byte-for-byte as it was before the
//! command. A case that exits 0 may write its `--out`, but leaves no hidden staging or
//! checkpoint folder behind.
//!
//! `HOSTILE_CASE=substring cargo test -p xtask --test hostile_corpus` runs only the cases whose
//! name holds the substring; `HOSTILE_XTASK=PATH` runs them against another xtask binary. The
//! manifest's format is described at its top.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The memory cap of every command: 2 GiB of address space (`ulimit -v`, in KiB).
const ADDRESS_SPACE_KIB: u64 = 2 * 1024 * 1024;
/// The time cap of every command.
const WALL_CLOCK: Duration = Duration::from_secs(20);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn corpus_dir() -> PathBuf {
    repo_root().join("tests/hostile")
}

/// One entry of `cases.toml`.
#[derive(Clone, Debug)]
struct Case {
    name: String,
    args: Vec<String>,
    input: Input,
    setup: Vec<Vec<String>>,
    tamper: Vec<Tamper>,
    code: i32,
    expect: Vec<String>,
    expect_stdout: Vec<String>,
    reject: Vec<String>,
}

#[derive(Clone, Debug)]
enum Input {
    None,
    /// A committed file (or folder) under `tests/hostile/`, copied to the scratch folder.
    File(PathBuf),
    /// Text given in the manifest (after `{{repeat:N:TEXT}}` expansion).
    Text(String),
    /// `base` (a path under the repository root) with each `from` replaced by its `to` (each
    /// `from` must occur exactly once), then `append` added.
    Edit {
        base: PathBuf,
        replace: Vec<(String, String)>,
        append: String,
    },
}

/// A change made to a file of the scratch folder after the setup commands ran.
#[derive(Clone, Debug)]
struct Tamper {
    path: String,
    replace: Option<(String, String)>,
    write: Option<String>,
    remove: bool,
}

fn strings(v: Option<&toml::Value>, what: &str) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(toml::Value::String(s)) => vec![s.clone()],
        Some(toml::Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .unwrap_or_else(|| panic!("{what}: expected strings"))
                    .to_owned()
            })
            .collect(),
        Some(other) => panic!("{what}: expected a string or an array of strings, got {other}"),
    }
}

fn pair(v: &toml::Value, what: &str) -> (String, String) {
    let a = strings(Some(v), what);
    assert_eq!(a.len(), 2, "{what}: expected [from, to]");
    (a[0].clone(), a[1].clone())
}

/// `{{repeat:N:TEXT}}` becomes TEXT repeated N times (for the long values of the corpus that
/// would be megabytes if committed).
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{repeat:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{{repeat:".len()..];
        let end = after.find("}}").expect("a closed {{repeat:N:TEXT}}");
        let (n, unit) = after[..end].split_once(':').expect("{{repeat:N:TEXT}}");
        let n: usize = n.parse().expect("N of {{repeat:N:TEXT}}");
        out.push_str(&unit.repeat(n));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn load_cases() -> Vec<Case> {
    let path = corpus_dir().join("cases.toml");
    let text = fs::read_to_string(&path).expect("tests/hostile/cases.toml");
    let doc: toml::Table = toml::from_str(&text).expect("cases.toml parses");
    let default_args = strings(
        doc.get("defaults").and_then(|d| d.get("args")),
        "defaults.args",
    );
    let list = doc
        .get("case")
        .and_then(toml::Value::as_array)
        .expect("[[case]] entries");
    let mut cases = Vec::new();
    for c in list {
        let t = c.as_table().expect("a [[case]] table");
        for key in t.keys() {
            assert!(
                [
                    "name",
                    "args",
                    "file",
                    "text",
                    "base",
                    "replace",
                    "append",
                    "setup",
                    "tamper",
                    "code",
                    "expect",
                    "expect_stdout",
                    "reject"
                ]
                .contains(&key.as_str()),
                "unknown key `{key}` in a case of cases.toml"
            );
        }
        let name = t["name"].as_str().expect("name").to_owned();
        let what = |k: &str| format!("case {name}: {k}");
        let input = if let Some(f) = t.get("file") {
            Input::File(PathBuf::from(f.as_str().expect("file")))
        } else if let Some(s) = t.get("text") {
            Input::Text(expand(s.as_str().expect("text")))
        } else if t.contains_key("replace") || t.contains_key("append") || t.contains_key("base") {
            Input::Edit {
                base: PathBuf::from(
                    t.get("base")
                        .and_then(toml::Value::as_str)
                        .unwrap_or("scenarios/default.toml"),
                ),
                replace: t
                    .get("replace")
                    .and_then(toml::Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|p| {
                                let (from, to) = pair(p, &what("replace"));
                                (from, expand(&to))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                append: expand(t.get("append").and_then(toml::Value::as_str).unwrap_or("")),
            }
        } else {
            Input::None
        };
        let args = match t.get("args") {
            Some(a) => strings(Some(a), &what("args")),
            None => default_args.clone(),
        }
        .iter()
        .map(|a| expand(a))
        .collect();
        let setup = t
            .get("setup")
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().map(|s| strings(Some(s), &what("setup"))).collect())
            .unwrap_or_default();
        let tamper = t
            .get("tamper")
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|x| {
                        let x = x.as_table().expect("a tamper table");
                        Tamper {
                            path: x["path"].as_str().expect("tamper.path").to_owned(),
                            replace: x.get("replace").map(|p| pair(p, &what("tamper.replace"))),
                            write: x.get("write").map(|w| expand(w.as_str().expect("write"))),
                            remove: x
                                .get("remove")
                                .and_then(toml::Value::as_bool)
                                .unwrap_or(false),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        cases.push(Case {
            name: name.clone(),
            args,
            input,
            setup,
            tamper,
            code: t
                .get("code")
                .and_then(toml::Value::as_integer)
                .expect("code") as i32,
            expect: strings(t.get("expect"), &what("expect")),
            expect_stdout: strings(t.get("expect_stdout"), &what("expect_stdout")),
            reject: strings(t.get("reject"), &what("reject")),
        });
    }
    cases
}

/// What one command left.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
    timed_out: bool,
}

/// Runs the xtask binary with `args` in `cwd` under the address-space cap (`ulimit -v` in a
/// `/bin/sh` that then `exec`s the binary, so no `unsafe` pre-exec hook is needed) and kills it
/// past the wall-clock cap.
fn xtask(args: &[String], cwd: &Path) -> Ran {
    // `HOSTILE_XTASK=/path/to/xtask` runs the corpus against another build (e.g. an older
    // commit's, to count what it gets wrong).
    let bin = std::env::var("HOSTILE_XTASK").unwrap_or_else(|_| env!("CARGO_BIN_EXE_xtask").into());
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} || exit 199; exec \"$0\" \"$@\""
        ))
        .arg(&bin)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        // glibc reserves 64 MiB of address space per malloc arena, up to 8 per core: on a
        // many-core machine a pack's threads alone would pass the cap without using memory.
        .env("MALLOC_ARENA_MAX", "2")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("/bin/sh runs");
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    // Each pipe is read to its end on its own thread (so the child never blocks on a full
    // pipe), keeping only its first MiB.
    fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match r.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if kept.len() < 1 << 20 {
                            kept.extend_from_slice(&buf[..n]);
                        }
                    }
                }
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    }
    let out_t = drain(out);
    let err_t = drain(err);
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for xtask") {
            break Some(status);
        }
        if started.elapsed() > WALL_CLOCK {
            timed_out = true;
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = started.elapsed();
    Ran {
        code: status.and_then(|s| s.code()),
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
        took,
        timed_out,
    }
}

/// Every file under `dir` (relative path → contents; folders as `None`), hidden ones included.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut all = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_owned();
            let ty = e.file_type().unwrap();
            if ty.is_dir() {
                all.insert(rel, None);
                stack.push(p);
            } else {
                all.insert(rel, Some(fs::read(&p).unwrap_or_default()));
            }
        }
    }
    all
}

fn substitute(arg: &str, file: &Path, scratch: &Path) -> String {
    arg.replace("{file}", file.to_str().unwrap())
        .replace("{out}", scratch.join("out").to_str().unwrap())
        .replace("{dir}", scratch.to_str().unwrap())
        .replace("{root}", repo_root().to_str().unwrap())
        .replace("{corpus}", corpus_dir().to_str().unwrap())
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap();
        for e in fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        fs::copy(from, to).unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
    }
}

/// Runs one case in its own scratch folder; `Err` says what went wrong.
fn run_case(case: &Case, scratch: &Path) -> Result<(), String> {
    let _ = fs::remove_dir_all(scratch);
    fs::create_dir_all(scratch).unwrap();
    let file = match &case.input {
        Input::None => scratch.join("input"),
        Input::File(rel) => {
            let src = corpus_dir().join(rel);
            let dst = scratch.join(rel.file_name().unwrap());
            copy_tree(&src, &dst);
            dst
        }
        Input::Text(text) => {
            let dst = scratch.join("input");
            fs::write(&dst, text).unwrap();
            dst
        }
        Input::Edit {
            base,
            replace,
            append,
        } => {
            let mut text = fs::read_to_string(repo_root().join(base))
                .unwrap_or_else(|e| panic!("{}: {e}", base.display()));
            for (from, to) in replace {
                let n = text.matches(from.as_str()).count();
                if n != 1 {
                    return Err(format!(
                        "manifest: `{from}` occurs {n} times in {}",
                        base.display()
                    ));
                }
                text = text.replace(from.as_str(), to);
            }
            text.push_str(append);
            let dst = scratch.join(base.file_name().unwrap());
            fs::write(&dst, text).unwrap();
            dst
        }
    };
    for step in &case.setup {
        let args: Vec<String> = step.iter().map(|a| substitute(a, &file, scratch)).collect();
        let r = xtask(&args, scratch);
        if r.code != Some(0) {
            return Err(format!("setup {args:?} exited {:?}:\n{}", r.code, r.stderr));
        }
    }
    for t in &case.tamper {
        let p = scratch.join(&t.path);
        if t.remove {
            fs::remove_file(&p).map_err(|e| format!("tamper: removing {}: {e}", p.display()))?;
        }
        if let Some(w) = &t.write {
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent).unwrap();
            }
            fs::write(&p, w).unwrap();
        }
        if let Some((from, to)) = &t.replace {
            let text = fs::read_to_string(&p)
                .map_err(|e| format!("tamper: reading {}: {e}", p.display()))?;
            if !text.contains(from.as_str()) {
                return Err(format!("tamper: {} does not hold `{from}`", p.display()));
            }
            fs::write(&p, text.replacen(from.as_str(), to, 1)).unwrap();
        }
    }
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| substitute(a, &file, scratch))
        .collect();
    let before = snapshot(scratch);
    let r = xtask(&args, scratch);
    let after = snapshot(scratch);
    let mut problems = Vec::new();
    if r.timed_out {
        problems.push(format!(
            "killed after {:?} (the cap is {WALL_CLOCK:?})",
            r.took
        ));
    } else if r.code.is_none() {
        problems.push("killed by a signal (an abort, a stack overflow or the memory cap)".into());
    }
    if r.code == Some(101) || r.stderr.contains("panicked at") {
        problems.push("panicked".into());
    }
    if r.code == Some(199) {
        problems.push("the shell could not set the address-space cap".into());
    }
    if !r.timed_out && r.code != Some(case.code) {
        problems.push(format!("exit code {:?}, expected {}", r.code, case.code));
    }
    for n in &case.expect {
        if !r.stderr.contains(n.as_str()) {
            problems.push(format!("stderr lacks {n:?}"));
        }
    }
    for n in &case.expect_stdout {
        if !r.stdout.contains(n.as_str()) {
            problems.push(format!("stdout lacks {n:?}"));
        }
    }
    for n in &case.reject {
        if r.stderr.contains(n.as_str()) || r.stdout.contains(n.as_str()) {
            problems.push(format!("output holds {n:?}, which it must not"));
        }
    }
    if case.code != 0 {
        if before != after {
            let changed: Vec<_> = before
                .keys()
                .chain(after.keys())
                .filter(|k| before.get(*k) != after.get(*k))
                .map(|k| k.display().to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            problems.push(format!("a refusal changed files: {changed:?}"));
        }
    } else {
        let left: Vec<_> = after
            .keys()
            .filter(|k| !before.contains_key(*k))
            .filter(|k| {
                k.components().any(|c| {
                    let c = c.as_os_str().to_string_lossy();
                    c.contains(".staging") || c.ends_with(".checkpoint")
                })
            })
            .map(|k| k.display().to_string())
            .collect();
        if !left.is_empty() {
            problems.push(format!("left behind: {left:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n    args: {args:?}\n    took {:?}\n    stderr: {}\n    stdout: {}",
            problems.join("; "),
            r.took,
            cut(&r.stderr),
            cut(&r.stdout)
        ))
    }
}

fn cut(s: &str) -> String {
    let s = s.trim_end();
    if s.chars().count() > 1500 {
        format!("{}…", s.chars().take(1500).collect::<String>())
    } else {
        s.to_owned()
    }
}

#[test]
fn the_hostile_corpus_is_refused_cleanly() {
    if !Path::new("/bin/sh").exists() {
        eprintln!("no /bin/sh: the corpus needs it for its memory cap; skipped");
        return;
    }
    let cases = load_cases();
    let mut names = std::collections::BTreeSet::new();
    for c in &cases {
        assert!(names.insert(c.name.clone()), "duplicate case {}", c.name);
    }
    assert!(
        cases.len() >= 100,
        "the corpus holds {} cases, fewer than 100",
        cases.len()
    );
    let filter = std::env::var("HOSTILE_CASE").unwrap_or_default();
    let selected: Vec<&Case> = cases.iter().filter(|c| c.name.contains(&filter)).collect();
    let root = std::env::temp_dir().join(format!("proteus-hostile-corpus-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let started = Instant::now();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = selected.get(i) else { break };
                    let scratch = root.join(format!("{i:03}"));
                    if let Err(why) = run_case(case, &scratch) {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {why}", case.name));
                    } else {
                        let _ = fs::remove_dir_all(&scratch);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "hostile corpus: {} of {} cases run in {:.1}s, {} failed",
        selected.len(),
        cases.len(),
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    let kinds = [
        ("panicked", "panicked"),
        ("killed", "killed (signal, memory or time cap)"),
        ("changed files", "wrote or removed files on a refusal"),
        ("left behind", "left staging or checkpoint folders"),
        ("exit code", "wrong exit code"),
        ("lacks", "message lacking the expected text"),
        ("must not", "message holding a hint it must not"),
    ];
    for (needle, what) in kinds {
        let n = failures.iter().filter(|f| f.contains(needle)).count();
        if n > 0 {
            eprintln!("  {n} cases: {what}");
        }
    }
    if failures.is_empty() {
        let _ = fs::remove_dir_all(&root);
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n\n{}",
        failures.len(),
        selected.len(),
        failures.join("\n\n")
    );
}
