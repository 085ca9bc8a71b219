/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_API_EC2_H
#define TMIRROR_API_EC2_H 1

/* The EC2 Traffic Mirroring dialect at "/" (api-ec2.c): the EC2 Query
 * protocol of API version 2016-11-15 (form-encoded Action=..., XML
 * responses and errors in EC2's shapes), authenticated with AWS Signature
 * Version 4, for the Create, Describe, Modify and Delete operations on
 * traffic mirror filters, filter rules, targets and sessions. */

#include <stdint.h>

struct api_call;

void api_ec2_handle(struct api_call *);

/* Returns an EC2 error document (malloc()'d). */
char *api_ec2_error_xml(const char *code, const char *message,
                        uint64_t serial);

#endif /* api/api-ec2.h */
