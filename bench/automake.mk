# Benchmarks: programs that print figures and assert nothing.  "make bench"
# runs them; they are never part of "make check".
noinst_PROGRAMS += bench/bench-pipeline
bench_bench_pipeline_SOURCES = bench/bench-pipeline.c
bench_bench_pipeline_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

.PHONY: bench
bench: bench/bench-pipeline controller/tmirror-controller utilities/tmirror-ctl
	bench/bench-pipeline 100 3 20 5
	$(srcdir)/bench/bench-controller.sh 16 50
EXTRA_DIST += bench/bench-controller.sh

# The tmirror-api load test (wrk on loopback): "make bench-api".
.PHONY: bench-api
bench-api: api/tmirror-api utilities/tmirror-ctl
	$(srcdir)/bench/bench-api.sh 5 100000
EXTRA_DIST += bench/bench-api.sh
