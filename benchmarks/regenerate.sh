#!/bin/sh
# Regenerate docs/performance.md and docs/performance.svg from fresh runs (issue 15's page):
# instruction counts under callgrind, the per-layer profile, end to end with interleaved
# rounds, the chart, then the page (the hand-written notes between its markers are kept).
#
#   benchmarks/regenerate.sh              # the full run; prints its planned duration first
#   PLAN_ONLY=1 benchmarks/regenerate.sh  # only the planned duration
#   QUICK=1 benchmarks/regenerate.sh      # a few minutes, to try the pipeline: writes a trial
#                                         # page to benchmarks/results/, not docs/
#   STEPS=instructions,profile benchmarks/regenerate.sh   # some steps only (the deterministic
#   STEPS=e2e,page benchmarks/regenerate.sh               # ones can run beside other work; e2e
#                                                         # needs an idle machine); the page is
#                                                         # built from the JSON files present
#
# Settings (environment): PYTHON (default .venv/bin/python), OUT_DIR for the JSON (default
# benchmarks/results, git-ignored), APPS, E2E_APPS (default APPS), ROUTES, REQUESTS (callgrind), JOBS (callgrind runs at
# once), INSTR_SCENARIOS (default: every scenario of each app), E2E_SCENARIOS, REPEATS, DURATION, WARMUP, LATENCY, WAIT_IDLE, PROFILE_APPS,
# INPROCESS=1 to add the timed in-process tables (inprocess.py, about 10 more minutes).
# Needs valgrind and wrk (apt-get install -y valgrind wrk) and the bench extra.
set -eu
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
OUT_DIR=${OUT_DIR:-benchmarks/results}
APPS=${APPS:-raw,microrest,microrest_corepost,microrest_vestespy,microrest_webpy,microrest_xio,microrest_pyservice,falcon,blacksheep}
ROUTES=${ROUTES:-200}
REQUESTS=${REQUESTS:-1000}
JOBS=${JOBS:-2}
INSTR_SCENARIOS=${INSTR_SCENARIOS:-}
E2E_SCENARIOS=${E2E_SCENARIOS:-plaintext,json,param,echo,notfound,call}
REPEATS=${REPEATS:-5}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
LATENCY=${LATENCY:-3}
WAIT_IDLE=${WAIT_IDLE:-60}
PROFILE_APPS=${PROFILE_APPS:-raw,microrest}
STEPS=${STEPS:-instructions,profile,e2e,page}
PROFILE_ROUNDS=${PROFILE_ROUNDS:-25}
PROFILE_REQUESTS=${PROFILE_REQUESTS:-400}
PAGE=${PAGE:-docs/performance.md}
if [ "${QUICK:-}" = 1 ]; then
    APPS=${QUICK_APPS:-raw,microrest,microrest_webpy}
    E2E_SCENARIOS=plaintext,notfound INSTR_SCENARIOS=plaintext,notfound REQUESTS=200
    REPEATS=2 DURATION=1 WARMUP=1 LATENCY=0
    WAIT_IDLE=0 PROFILE_ROUNDS=5 PROFILE_REQUESTS=200 PROFILE_APPS=raw,microrest
    # A trial page beside the JSON, from a copy of the real one (so its notes are kept).
    PAGE=$OUT_DIR/performance.md
    mkdir -p "$OUT_DIR"
    cp docs/performance.md "$PAGE"
fi
SVG=$(dirname "$PAGE")/performance.svg
E2E_APPS=${E2E_APPS:-$APPS}

INSTRUCTIONS="benchmarks/instructions.py --apps $APPS --routes $ROUTES --requests $REQUESTS --jobs $JOBS --json $OUT_DIR/instructions.json"
if [ -n "$INSTR_SCENARIOS" ]; then INSTRUCTIONS="$INSTRUCTIONS --scenarios $INSTR_SCENARIOS"; fi
PROFILE="benchmarks/profile_layers.py --apps $PROFILE_APPS --routes $ROUTES --rounds $PROFILE_ROUNDS --requests $PROFILE_REQUESTS --json $OUT_DIR/profile.json"
E2E="benchmarks/e2e.py --apps $E2E_APPS --scenarios $E2E_SCENARIOS --routes $ROUTES --repeats $REPEATS --duration $DURATION --warmup $WARMUP --latency-duration $LATENCY --wait-idle $WAIT_IDLE --json $OUT_DIR/e2e.json"
INPROC="benchmarks/inprocess.py --routes 10,$ROUTES,1000 --apps $APPS --repeats 9 --batch-ms 30 --json $OUT_DIR/inprocess.json"
CHART="benchmarks/chart.py --instructions $OUT_DIR/instructions.json --e2e $OUT_DIR/e2e.json --out $SVG"

# The planned duration: each tool's own estimate (minutes), plus the profile and the page.
minutes() { sed -n 's/.*about \([0-9.]*\) min.*/\1/p' | tail -n 1; }
m_ins=$($PYTHON $INSTRUCTIONS --plan 2>&1 | tee /dev/stderr | minutes)
m_e2e=$($PYTHON $E2E --plan 2>&1 | tee /dev/stderr | minutes)
m_inp=0
if [ "${INPROCESS:-}" = 1 ]; then m_inp=10; fi
total=$(awk "BEGIN { printf \"%.0f\", $m_ins + $m_e2e + $m_inp + 2 }")
echo "regenerate: planned duration about $total min (instructions ~$m_ins, e2e ~$m_e2e, profile and page ~2, in-process ~$m_inp) on an otherwise idle machine" >&2
if [ "${PLAN_ONLY:-}" = 1 ]; then exit 0; fi

mkdir -p "$OUT_DIR"
start=$(date +%s)
# A tool that exits non-zero (an app answered wrongly, a run failed) still wrote its JSON, and
# the page lists what failed: go on, but say so.
run() {
    echo "== $*" >&2
    "$@" || echo "regenerate: WARNING: '$2' exited with $?; see above and the page" >&2
}
step() { case ",$STEPS," in *",$1,"*) return 0 ;; esac; return 1; }
if step instructions; then run $PYTHON $INSTRUCTIONS; fi
if step profile; then run $PYTHON $PROFILE >/dev/null; fi
if step e2e; then run $PYTHON $E2E >"$OUT_DIR/e2e.md"; fi
if ! step page; then
    echo "regenerate: steps $STEPS done in $(( ($(date +%s) - start) / 60 )) min" >&2
    exit 0
fi
set -- \
    --command "benchmarks/regenerate.sh   # which ran:" \
    --command ".venv/bin/python $INSTRUCTIONS" \
    --command ".venv/bin/python $PROFILE" \
    --command ".venv/bin/python $E2E"
if [ "${INPROCESS:-}" = 1 ]; then
    run $PYTHON $INPROC >"$OUT_DIR/inprocess.md"
    set -- "$@" --inprocess "$OUT_DIR/inprocess.json" --command ".venv/bin/python $INPROC"
fi
run $PYTHON $CHART
$PYTHON benchmarks/report.py "$@" --command ".venv/bin/python $CHART" \
    --instructions "$OUT_DIR/instructions.json" --e2e "$OUT_DIR/e2e.json" \
    --profile "$OUT_DIR/profile.json" --chart "$SVG" --out "$PAGE"
echo "regenerate: done in $(( ($(date +%s) - start) / 60 )) min: $PAGE and $SVG written" \
    "($OUT_DIR/*.json kept)" >&2
