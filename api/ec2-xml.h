/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_EC2_XML_H
#define TMIRROR_EC2_XML_H 1

/* A small XML writer for EC2 Query responses (version 2016-11-15): element
 * names are the wire names ("trafficMirrorSessionSet", "item", ...), text
 * is escaped. */

#include <stdint.h>

#include "openvswitch/dynamic-string.h"

#define EC2_XMLNS "http://ec2.amazonaws.com/doc/2016-11-15/"

struct ec2_xml {
    struct ds ds;
    const char *stack[16];      /* Open elements. */
    int depth;
};

/* Starts "<ACTIONResponse xmlns=...><requestId>ID</requestId>". */
void ec2_xml_start(struct ec2_xml *, const char *action, uint64_t serial);
/* Closes every open element and returns the document (malloc()'d). */
char *ec2_xml_finish(struct ec2_xml *);

void ec2_xml_open(struct ec2_xml *, const char *name);
void ec2_xml_close(struct ec2_xml *);
void ec2_xml_text(struct ec2_xml *, const char *name, const char *text);
void ec2_xml_int(struct ec2_xml *, const char *name, int64_t value);

/* Appends 'text' XML-escaped to 'ds'. */
void ec2_xml_escape(struct ds *, const char *text);

/* Returns a request id (a UUID, as EC2 uses) derived from 'serial'. */
void ec2_xml_request_id(uint64_t serial, char buf[37]);

#endif /* api/ec2-xml.h */
