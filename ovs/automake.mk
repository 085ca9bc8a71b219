# jansson and libopenvswitch in one program (README, Decisions, "jansson and
# libopenvswitch").  Both define json_object(), json_array(), json_string(),
# json_integer(), json_real() and json_equal(), with different meanings.  So
# tmirror never links OVS's archives as they are:
#
#   - ovs/json-rename.map: every global symbol that an OVS archive defines
#     and jansson exports, mapped to "ovs_" + its name (json-rename-map.sh);
#   - ovs/NAME.a: each OVS archive (OVS_ARCHIVES) with those symbols renamed
#     by objcopy --redefine-syms; programs link these (OVS_LIBS);
#   - ovs/include/openvswitch/json.h: first on every include path, maps the
#     same names to the new ones for the code that uses OVS's JSON API, then
#     includes OVS's header; ovs/include/jansson.h includes jansson's.  Each
#     stops the compilation of a file that has included the other.
#
# Then ovs/json-clash.stamp checks, on every build, that no renamed archive
# and no program defines a symbol that jansson exports, and that no source
# includes both <jansson.h> and OVS's openvswitch/json.h; "make check" checks
# the test programs too.

EXTRA_DIST += \
	ovs/check-json-clash.sh \
	ovs/json-rename-map.sh \
	ovs/json-wrappers.sh

OVS_JSON_WRAPPERS = ovs/include/openvswitch/json.h ovs/include/jansson.h
BUILT_SOURCES += $(OVS_JSON_WRAPPERS)
CLEANFILES += \
	$(OVS_JSON_WRAPPERS) \
	$(OVS_RENAMED_ARCHIVES) \
	ovs/json-rename.map \
	ovs/json-rename.stamp \
	ovs/json-clash.conf \
	ovs/json-clash.stamp \
	ovs/json-clash-check.stamp

# The map is replaced only when its contents change, so that rebuilding OVS
# does not recompile every file.  Every object depends on it (through the
# wrapper header), which automake's dependency tracking cannot see for an
# object compiled before the map existed or when it said otherwise: so a new
# map removes all of tmirror's objects, and they are compiled again.  This
# runs before any compilation, the wrappers being BUILT_SOURCES.
ovs/json-rename.map: ovs/json-rename.stamp
	@test -f $@ || { rm -f ovs/json-rename.stamp; \
	    $(MAKE) $(AM_MAKEFLAGS) ovs/json-rename.stamp; }
ovs/json-rename.stamp: $(OVS_ARCHIVES) $(JANSSON_SO) \
		$(srcdir)/ovs/json-rename-map.sh
	$(AM_V_GEN)$(MKDIR_P) ovs && \
	NM='$(NM)' $(SHELL) $(srcdir)/ovs/json-rename-map.sh '$(JANSSON_SO)' \
		$(OVS_ARCHIVES) > ovs/json-rename.map.tmp && \
	if cmp -s ovs/json-rename.map.tmp ovs/json-rename.map; then \
	  rm -f ovs/json-rename.map.tmp; \
	else \
	  find . -path ./_ovs -prune -o \( -name '*.$(OBJEXT)' -o -name '*.lo' \) \
	    -type f -exec rm -f {} + && \
	  mv ovs/json-rename.map.tmp ovs/json-rename.map; \
	fi && touch $@

ovs/include/openvswitch/json.h: ovs/json-rename.map \
		$(srcdir)/ovs/json-wrappers.sh
	$(AM_V_GEN)$(MKDIR_P) ovs/include/openvswitch && \
	$(SHELL) $(srcdir)/ovs/json-wrappers.sh ovs-json ovs/json-rename.map \
		> $@.tmp && mv $@.tmp $@
ovs/include/jansson.h: $(srcdir)/ovs/json-wrappers.sh
	$(AM_V_GEN)$(MKDIR_P) ovs/include && \
	$(SHELL) $(srcdir)/ovs/json-wrappers.sh jansson > $@.tmp && \
	mv $@.tmp $@

# One rule makes every renamed archive; ovs/libopenvswitch.a stands for all.
ovs/libopenvswitch.a: ovs/json-rename.map $(OVS_ARCHIVES)
	$(AM_V_GEN)$(MKDIR_P) ovs && \
	for a in $(OVS_ARCHIVES); do \
	  b=ovs/`basename "$$a"` && \
	  $(OBJCOPY) --redefine-syms=ovs/json-rename.map "$$a" "$$b.tmp" && \
	  $(RANLIB) "$$b.tmp" && mv "$$b.tmp" "$$b" || exit 1; \
	done

# The settings of ovs/check-json-clash.sh, also used by tests/build.at.
# Absolute, for the tests.  The same include path as AM_CPPFLAGS, without
# ovs/include, plus what single programs add.
OVS_JSON_CHECK_CPPFLAGS = \
	-I$(abs_top_builddir) \
	-I$(abs_top_srcdir) \
	-I$(abs_top_srcdir)/include \
	-I$(abs_top_srcdir)/lib \
	-I$(abs_top_srcdir)/utilities \
	-I$(abs_top_builddir)/ovsdb \
	$(OVS_CFLAGS) \
	$(JANSSON_CFLAGS) \
	$(CMOCKA_CFLAGS)
ovs/json-clash.conf: Makefile
	$(AM_V_GEN)$(MKDIR_P) ovs && { \
	  echo "NM='$(NM)'"; \
	  echo "JANSSON_SO='$(JANSSON_SO)'"; \
	  echo "CPP='$(CPP)'"; \
	  echo "CHECK_CPPFLAGS='$(OVS_JSON_CHECK_CPPFLAGS) $(CPPFLAGS)'"; \
	  echo "srcdir='$(abs_top_srcdir)'"; \
	  echo "builddir='$(abs_top_builddir)'"; \
	  echo "export NM JANSSON_SO CPP CHECK_CPPFLAGS srcdir builddir"; \
	  echo "# For tests/build.at."; \
	  echo "CC='$(CC)'"; \
	  echo "OVS_JSON_WRAPPER_DIR='$(abs_top_builddir)/ovs/include'"; \
	  echo "CHECK_SOURCES='$(SOURCES)'"; \
	  echo "OVS_ARCHIVES='$(OVS_ARCHIVES)'"; \
	  echo "OVS_RENAMED_ARCHIVES='`for a in $(OVS_RENAMED_ARCHIVES); do \
	      printf ' %s' $(abs_top_builddir)/$$a; done`'"; \
	} > $@.tmp && mv $@.tmp $@

OVS_JSON_CHECK = . ./ovs/json-clash.conf && \
	$(SHELL) $(srcdir)/ovs/check-json-clash.sh

ALL_LOCAL += ovs/json-clash.stamp
ovs/json-clash.stamp: ovs/json-clash.conf ovs/libopenvswitch.a \
		$(bin_PROGRAMS) $(noinst_PROGRAMS) \
		$(srcdir)/ovs/check-json-clash.sh
	$(AM_V_GEN)$(OVS_JSON_CHECK) archives $(OVS_RENAMED_ARCHIVES) && \
	$(OVS_JSON_CHECK) programs $(bin_PROGRAMS) $(noinst_PROGRAMS) && \
	$(OVS_JSON_CHECK) includes $(SOURCES) && touch $@

check_DATA += ovs/json-clash-check.stamp
ovs/json-clash-check.stamp: ovs/json-clash.stamp $(check_PROGRAMS)
	$(AM_V_GEN)$(OVS_JSON_CHECK) programs $(check_PROGRAMS) && touch $@
