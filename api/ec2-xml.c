/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "ec2-xml.h"

#include <stdio.h>

#include "hash.h"
#include "util.h"

/* Appends 'text' escaped.  Control characters other than tab, CR and LF
 * cannot appear in XML 1.0 and are written as U+FFFD. */
void
ec2_xml_escape(struct ds *ds, const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        switch (*p) {
        case '<': ds_put_cstr(ds, "&lt;"); break;
        case '>': ds_put_cstr(ds, "&gt;"); break;
        case '&': ds_put_cstr(ds, "&amp;"); break;
        case '"': ds_put_cstr(ds, "&quot;"); break;
        case '\'': ds_put_cstr(ds, "&apos;"); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
                ds_put_cstr(ds, "\xef\xbf\xbd");
            } else {
                ds_put_char(ds, *p);
            }
        }
    }
}

/* Writes a UUID-shaped request id for 'serial'. */
void
ec2_xml_request_id(uint64_t serial, char buf[37])
{
    uint32_t a = hash_uint64(serial);
    uint32_t b = hash_uint64_basis(serial, a);
    snprintf(buf, 37, "%08x-%04x-4%03x-8%03x-%012"PRIx64, a, b >> 16,
             b & 0xfff, (a >> 20) & 0xfff,
             serial & UINT64_C(0xffffffffffff));
}

void
ec2_xml_start(struct ec2_xml *x, const char *action, uint64_t serial)
{
    char id[37];
    ds_init(&x->ds);
    x->depth = 0;
    ds_put_format(&x->ds, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<%sResponse xmlns=\"%s\">", action, EC2_XMLNS);
    ec2_xml_request_id(serial, id);
    ds_put_format(&x->ds, "<requestId>%s</requestId>", id);
}

char *
ec2_xml_finish(struct ec2_xml *x)
{
    while (x->depth > 0) {
        ec2_xml_close(x);
    }
    /* The root's name is in the first element written. */
    const char *root = x->ds.string + strlen("<?xml version=\"1.0\" "
                                             "encoding=\"UTF-8\"?>\n<");
    size_t len = strcspn(root, " ");
    char *name = xmemdup0(root, len);
    ds_put_format(&x->ds, "</%s>\n", name);
    free(name);
    return ds_steal_cstr(&x->ds);
}

void
ec2_xml_open(struct ec2_xml *x, const char *name)
{
    ovs_assert(x->depth < ARRAY_SIZE(x->stack));
    x->stack[x->depth++] = name;
    ds_put_format(&x->ds, "<%s>", name);
}

void
ec2_xml_close(struct ec2_xml *x)
{
    ovs_assert(x->depth > 0);
    ds_put_format(&x->ds, "</%s>", x->stack[--x->depth]);
}

void
ec2_xml_text(struct ec2_xml *x, const char *name, const char *text)
{
    ds_put_format(&x->ds, "<%s>", name);
    ec2_xml_escape(&x->ds, text);
    ds_put_format(&x->ds, "</%s>", name);
}

void
ec2_xml_int(struct ec2_xml *x, const char *name, int64_t value)
{
    ds_put_format(&x->ds, "<%s>%"PRId64"</%s>", name, value, name);
}
