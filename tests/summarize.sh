#!/bin/sh
# Prints the totals of the unit tests (cmocka and pytest, through automake's
# harness) and of the Autotest suite, as one line
# "N passed, N failed[, N skipped]".
# Exits nonzero when anything failed or when no test ran at all.

cd "$(dirname "$0")/.." || exit 1

passed=0 failed=0 skipped=0

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), ...".
for log in tests/test-*.log; do
    [ -f "$log" ] || continue
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    if [ -z "$p$f" ]; then
        echo "summarize: $log has no cmocka result: counted as one failure"
        f=1
    fi
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    skipped=$((skipped + ${s:-0}))
done

# pytest (networking_tmirror's unit tests) ends with "N passed, N failed,
# N skipped, N errors in Ts" (only the counts that are not zero).
log=tests/openstack-unit.sh.log
if [ -f "$log" ]; then
    last=$(grep -E '^=* *[0-9]+ [a-z]+.* in [0-9.]+s' "$log" | tail -1)
    if [ -z "$last" ]; then
        echo "summarize: $log has no pytest result: counted as one failure"
        failed=$((failed + 1))
    fi
    count () {
        echo "$last" | sed -n "s/.*\b\([0-9][0-9]*\) $1.*/\1/p"
    }
    p=$(count passed) f=$(count failed) e=$(count error) s=$(count skipped)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0} + ${e:-0}))
    skipped=$((skipped + ${s:-0}))
    if [ -n "$s" ]; then
        echo "Skipped Python tests ($log says why):"
        grep -E '^SKIPPED' "$log"
    fi
fi

# Autotest prints one line per test: "  N: TITLE   ok|FAILED (f:l)|skipped (f:l)".
out=tests/testsuite.out
if [ -f "$out" ]; then
    at=$(grep -E '^ *[0-9]+: ' "$out")
    p=$(echo "$at" | grep -cE ' (ok|expected failure)$')
    f=$(echo "$at" | grep -cE ' (FAILED|UNEXPECTED PASS|FAILED \(.*\))$')
    s=$(echo "$at" | grep -cE ' skipped \(.*\)$')
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    if [ "$s" -gt 0 ]; then
        echo "Skipped Autotest tests (tests/testsuite.log says why):"
        echo "$at" | grep -E ' skipped \(.*\)$'
    fi
    if [ "$f" -gt 0 ]; then
        echo "Failed Autotest tests (see tests/testsuite.log):"
        echo "$at" | grep -E ' FAILED'
    fi
else
    echo "summarize: $out missing: the Autotest suite did not run"
    failed=$((failed + 1))
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
