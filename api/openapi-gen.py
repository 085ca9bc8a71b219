#! /usr/bin/env python3
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
#
# Turns api/openapi.json into a C source file defining api_openapi_json,
# after checking that it is valid JSON and plain ASCII.
import json
import sys

text = open(sys.argv[1], encoding="ascii").read()
json.loads(text)
print("/* Generated from api/openapi.json by api/openapi-gen.py. */")
print('#include "api-openapi.h"')
print("const char api_openapi_json[] =")
for line in text.splitlines(True):
    print("    " + json.dumps(line))
print("    ;")
