# Headers shared by the controller, tmirror-ctl and the tests.
noinst_HEADERS += \
	include/tmirror/inc-engine.h \
	include/tmirror/intent-check.h \
	include/tmirror/intent-doc.h \
	include/tmirror/intent-lookup.h \
	include/tmirror/row-demand.h \
	include/tmirror/intent-rows.h \
	include/tmirror/jpath.h \
	include/tmirror/text.h \
	include/tmirror/txn-token.h \
	include/tmirror/validate.h \
	include/tmirror/vlan-set.h
