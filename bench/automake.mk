# Benchmarks: programs that print figures and assert nothing.  "make bench"
# runs them; they are never part of "make check".
noinst_PROGRAMS += bench/bench-pipeline
bench_bench_pipeline_SOURCES = bench/bench-pipeline.c
bench_bench_pipeline_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# bench-controller.sh runs a scratch hypervisor (bench-lib.sh) with the
# programs of this build.
EXTRA_DIST += bench/bench-controller.sh bench/bench-lib.sh

.PHONY: bench
bench: bench/bench-pipeline controller/tmirror-controller utilities/tmirror-ctl
	bench/bench-pipeline 100 3 20 5
	TMIRROR_SRCDIR='$(abs_top_srcdir)' TMIRROR_BUILDDIR='$(abs_top_builddir)' \
		$(SHELL) $(srcdir)/bench/bench-controller.sh 16 50

# The tmirror-api load test (wrk on loopback): "make bench-api".
.PHONY: bench-api
bench-api: api/tmirror-api utilities/tmirror-ctl
	$(srcdir)/bench/bench-api.sh 5 100000
EXTRA_DIST += bench/bench-api.sh
