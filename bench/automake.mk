# Benchmarks: programs that print figures and assert nothing.  "make bench"
# runs them; they are never part of "make check".
noinst_PROGRAMS += bench/bench-pipeline
bench_bench_pipeline_SOURCES = bench/bench-pipeline.c
bench_bench_pipeline_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# tmirror-bench (issue 7): every scenario, each figure next to its target.
# bench-controller.sh and tmirror-bench run scratch hypervisors
# (bench-lib.sh) with the programs of this build.
EXTRA_DIST += \
	bench/bench-controller.sh \
	bench/bench-lib.sh \
	bench/tmirror-bench \
	bench/bench-converge.sh \
	bench/bench-datapath.sh \
	bench/bench-capture.sh \
	bench/bench-fleet.sh \
	bench/bench-fleet.py \
	bench/bench-flows.sh \
	bench/bench-floor.py \
	bench/bench-report.py

BENCH_ENV = TMIRROR_SRCDIR='$(abs_top_srcdir)' \
	TMIRROR_BUILDDIR='$(abs_top_builddir)'
BENCH_DEPS = controller/tmirror-controller utilities/tmirror-ctl

# "make bench BENCH_ARGS='--quick change'" passes options and scenarios.
.PHONY: bench
bench: bench/bench-pipeline $(BENCH_DEPS)
	bench/bench-pipeline 100 3 20 5
	$(BENCH_ENV) $(SHELL) $(srcdir)/bench/tmirror-bench \
		--json bench.json $(BENCH_ARGS)

# The smoke test that .ci/run runs: "tmirror-bench --quick", then a check
# that its figures are sane (present, numbers, positive where they must
# be), never how fast anything was.
BENCH_SCENARIOS = converge change idle fleet-db datapath flows capture
.PHONY: bench-smoke
bench-smoke: $(BENCH_DEPS)
	$(BENCH_ENV) $(SHELL) $(srcdir)/bench/tmirror-bench --quick \
		--json bench-smoke.json
	python3 $(srcdir)/bench/bench-report.py check bench-smoke.json \
		$(BENCH_SCENARIOS)

# The tmirror-api load test (wrk on loopback): "make bench-api".
.PHONY: bench-api
bench-api: api/tmirror-api utilities/tmirror-ctl
	$(srcdir)/bench/bench-api.sh 5 100000
EXTRA_DIST += bench/bench-api.sh
