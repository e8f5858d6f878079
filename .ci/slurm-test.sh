#!/usr/bin/env bash
# The real Slurm test (docs/scale-out.md): a single-node Slurm cluster in a temporary folder runs
# a planned compare pack as a job array plus an `afterany` merge job, and the merged bundle must
# equal the single-process one byte for byte. Then shard 1 is made to fail (a folder sits where
# its result must go): merge must name it and fail; after the obstacle is removed, re-submitting
# re-runs only shard 1 and the merge completes.
#
# Installs slurm-wlm and munge from Debian's packages when missing (root and apt-get needed;
# otherwise it prints SKIPPED and exits 0, or 1 with SLURM_TEST_REQUIRED=1). Every daemon it
# starts is stopped on exit, failure included. Own munge socket, own ports, own state: it does
# not touch a Slurm or munge that may already run on the machine. SLURM_TEST_BINARY=FILE uses that
# xtask binary instead of building target/release/xtask; SLURM_TEST_KEEP=1 keeps the temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
started=$(date +%s)

say() { echo "slurm-test: $*"; }
skip() {
  say "SKIPPED: $*"
  if [ "${SLURM_TEST_REQUIRED:-0}" = 1 ]; then exit 1; fi
  exit 0
}
fail() {
  say "FAILED: $*"
  exit 1
}

# --- Slurm and munge --------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
  || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  [ "$(id -u)" = 0 ] || skip "slurm-wlm/munge are not installed and this is not root (apt-get install -y slurm-wlm munge)"
  command -v apt-get >/dev/null || skip "slurm-wlm/munge are not installed and there is no apt-get"
  say "installing slurm-wlm and munge from Debian's packages"
  apt-get update -qq || skip "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge \
    >/dev/null || skip "apt-get install slurm-wlm munge failed"
fi
[ "$(id -u)" = 0 ] || skip "the single-node cluster runs slurmd as root; run as root"
say "$(slurmctld -V), $(munged --version 2>&1 | head -n 1)"

# --- The release binary the nodes run --------------------------------------------------------
if [ -n "${SLURM_TEST_BINARY:-}" ]; then
  BIN=$(realpath "$SLURM_TEST_BINARY")
  say "using $BIN (SLURM_TEST_BINARY)"
else
  say "building target/release/xtask"
  cargo build --release --locked --quiet -p xtask
  BIN="$ROOT/target/release/xtask"
fi

# --- A single-node cluster in a temporary folder ----------------------------------------------
T=$(mktemp -d /tmp/proteus-slurm.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/work"
chown munge:munge "$T/munge"
chmod 755 "$T/munge"
SOCK="$T/munge/munge.socket"
CTLD_PID="$T/slurmctld.pid"
SLURMD_PID="$T/slurmd.pid"
export SLURM_CONF="$T/slurm.conf"

dump_logs() {
  for f in "$T"/slurmctld.log "$T"/slurmd.log "$T"/munge/munged.log; do
    [ -f "$f" ] && { echo "----- tail of $f"; tail -n 15 "$f"; }
  done
  return 0
}
stop_pid_file() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "daemon $pid ($f) did not stop after scontrol shutdown; sending TERM"
  kill "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  set +e
  if [ "$rc" != 0 ]; then dump_logs; fi
  if [ -f "$CTLD_PID" ] || [ -f "$SLURMD_PID" ]; then
    timeout 10 scontrol shutdown >/dev/null 2>&1
    stop_pid_file "$CTLD_PID"
    stop_pid_file "$SLURMD_PID"
  fi
  if [ -S "$SOCK" ]; then
    runuser -u munge -- munged --stop --socket="$SOCK" >/dev/null 2>&1
  fi
  if [ "${SLURM_TEST_KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
  say "finished in $(($(date +%s) - started))s (exit $rc)"
}
trap cleanup EXIT

[ -f /etc/munge/munge.key ] || mungekey --create
runuser -u munge -- munged --socket="$SOCK" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed" \
  || fail "munged did not start"

# Ports of our own, so that another cluster on this machine is left alone.
PORT=$((20000 + ($$ % 20000)))
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
cat >"$SLURM_CONF" <<EOF
ClusterName=proteusci
SlurmctldHost=localhost
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MpiDefault=none
ReturnToService=2
NodeName=localhost CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=ci Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld || fail "slurmctld did not start"
slurmd -N localhost || fail "slurmd did not start"
for i in $(seq 1 60); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  [ "$i" = 60 ] && fail "the node is not idle after 30 s (sinfo: ${state:-nothing})"
  sleep 0.5
done
say "single-node cluster up ($CPUS CPUs) in $(($(date +%s) - started))s"

# Waits for jobs to leave the queue, polling every 0.5 s, at most $2 seconds.
wait_jobs() {
  local jobs=$1 limit=$2 t0
  t0=$(date +%s)
  while [ -n "$(squeue -h -j "$jobs" -o %i 2>/dev/null)" ]; do
    [ $(($(date +%s) - t0)) -lt "$limit" ] || { squeue; fail "jobs $jobs still queued after ${limit}s"; }
    sleep 0.5
  done
}
# Submits a plan; sets ARRAY and MERGE.
submit() {
  local out
  out=$(sh "$1/submit.sh") || fail "submitting $1: $out"
  say "$out"
  ARRAY=$(echo "$out" | awk '{print $3}')
  MERGE=$(echo "$out" | awk '{print $NF}')
}

# --- The pack ---------------------------------------------------------------------------------
SCENARIO="$T/work/short.toml"
sed 's/^duration_s = .*/duration_s = 5.0/' scenarios/default.toml >"$SCENARIO"
grep -q '^duration_s = 5.0' "$SCENARIO" || fail "could not shorten scenarios/default.toml"
PACK=(--pack compare --scenario "$SCENARIO" --repetitions 3 --mechanisms clob,fba:100ms)
"$BIN" compare --scenario "$SCENARIO" --repetitions 3 --mechanisms clob,fba:100ms \
  --threads 1 --out "$T/work/single" >/dev/null 2>&1 || fail "the single-process compare failed"

# Case 1: array of 3 shards plus merge gives the single-process bytes.
PLAN="$T/work/plan"
"$BIN" shard plan "${PACK[@]}" --shards 3 --max-parallel 3 --time 00:05:00 --mem 200M \
  --binary "$BIN" --out "$PLAN" >/dev/null
submit "$PLAN"
wait_jobs "$ARRAY,$MERGE" 180
[ -f "$PLAN/bundle/summary.json" ] || { cat "$PLAN"/logs/*; fail "case 1: merge wrote no bundle"; }
diff -r "$T/work/single" "$PLAN/bundle" || fail "case 1: the merged bundle differs from the single-process one"
cmp "$T/work/single/summary.json" "$PLAN/bundle/summary.json"
say "case 1 ok: 3-shard array + afterany merge == single process ($(wc -c <"$PLAN/bundle/summary.json") bytes of summary.json, $(ls "$PLAN/bundle" | wc -l) files identical)"

# Case 2: shard 1 fails (a folder sits where its result goes); merge names it and fails.
PLAN2="$T/work/plan-fail"
"$BIN" shard plan "${PACK[@]}" --shards 3 --time 00:05:00 --mem 200M \
  --binary "$BIN" --out "$PLAN2" >/dev/null
mkdir -p "$PLAN2/shards/shard-00001.json/obstacle"
submit "$PLAN2"
wait_jobs "$ARRAY,$MERGE" 180
grep -q "error" "$PLAN2/logs/shard-${ARRAY}_1.out" || { cat "$PLAN2/logs/shard-${ARRAY}_1.out"; fail "case 2: shard 1 did not fail"; }
MERGE_LOG="$PLAN2/logs/merge-$MERGE.out"
[ -f "$MERGE_LOG" ] || fail "case 2: the merge job did not run after the failed array (afterany)"
grep -q "shard 1 .*shard-00001.json" "$MERGE_LOG" || { cat "$MERGE_LOG"; fail "case 2: merge did not name shard 1"; }
if grep -q "shard 0 \|shard 2 " "$MERGE_LOG"; then cat "$MERGE_LOG"; fail "case 2: merge named a complete shard"; fi
[ ! -e "$PLAN2/bundle" ] || fail "case 2: merge wrote a bundle although shard 1 failed"
say "case 2: merge named the failed shard: $(grep -o 'shard 1 [^;]*' "$MERGE_LOG" | head -n 1)"

# Re-submitting after the cause is gone re-runs shard 1 only and completes.
rm -rf "$PLAN2/shards/shard-00001.json"
submit "$PLAN2"
wait_jobs "$ARRAY,$MERGE" 180
for k in 0 2; do
  grep -q "skipped" "$PLAN2/logs/shard-${ARRAY}_$k.out" || { cat "$PLAN2/logs/shard-${ARRAY}_$k.out"; fail "case 2: shard $k was not skipped on re-submission"; }
done
grep -q "runs (" "$PLAN2/logs/shard-${ARRAY}_1.out" || fail "case 2: shard 1 did not run on re-submission"
diff -r "$T/work/single" "$PLAN2/bundle" || fail "case 2: the resumed bundle differs from the single-process one"
say "case 2 ok: re-submission skipped shards 0 and 2, ran shard 1, merged bundle == single process"
say "PASSED"
