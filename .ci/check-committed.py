#!/usr/bin/env python3
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").

"""Fails when a file that the build or the README names is not in git,
or when git holds what the build makes.

A clean clone has only what git tracks.  A file that exists in a working
tree but is not committed (forgotten, or hidden by a .gitignore pattern, as
bench/bench-controller.sh once was) builds and passes there, and is missing
everywhere else.  This compares, with the git index of SRCDIR:

  - every file the build names (automake's DISTFILES: SOURCES, headers,
    EXTRA_DIST, ...; --build-files), except what the build itself makes
    (--products) or what the allow list says is made elsewhere (--allow:
    autotools' outputs, directories made at run time);
  - every path the README names in `code` spans and in indented code
    blocks: a token with a '/' that ends in '/' or a source suffix, or whose
    directory is one of the tree's (or of the products), and a bare file
    name with a source suffix (matched against file names anywhere in the
    tree).  A trailing '/' names a directory; '*' and '?' are globs.

Each missing file is reported with the rule that hides it, if any.  Exits 0
if all is committed, 1 if something is missing, 2 on bad usage or when
SRCDIR is not a git checkout (unless --skip-if-not-git, which exits 77).
"""

import argparse
import fnmatch
import os
import re
import subprocess
import sys

SOURCE_SUFFIXES = ('.c', '.h', '.at', '.sh', '.py', '.xml', '.ovsschema',
                   '.ann', '.mk', '.m4', '.ac', '.am', '.in', '.md', '.5',
                   '.8')
TOKEN = re.compile(r'^[A-Za-z0-9_.*?~-][A-Za-z0-9_.*?~/+-]*$')


def git(srcdir, *args):
    """Runs git in 'srcdir' and returns its output lines."""
    out = subprocess.run(['git', '-C', srcdir] + list(args), check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True).stdout
    return [line for line in out.split('\n') if line]


def normalize(path, srcdir):
    """Returns 'path' relative to the top of the tree, without './'."""
    for prefix in (srcdir.rstrip('/') + '/', './'):
        while path.startswith(prefix):
            path = path[len(prefix):]
    return os.path.normpath(path) if path else path


def read_list(name, srcdir):
    """Reads paths, one per line or separated by spaces; '#' comments.  A
    trailing '/' is kept."""
    paths = []
    with open(name) as f:
        for line in f:
            line = line.split('#', 1)[0]
            for p in line.split():
                path = normalize(p, srcdir)
                if path:
                    paths.append(path + ('/' if p.endswith('/') else ''))
    return paths


class Tree:
    """The tracked files, the products and the allow list, for lookups."""

    def __init__(self, tracked, products, allow):
        self.tracked = set(tracked)
        self.products = set(products)
        self.allow = list(allow)
        self.dirs = set()
        for path in self.tracked | self.products:
            parts = path.split('/')
            for i in range(1, len(parts)):
                self.dirs.add('/'.join(parts[:i]))
        self.basenames = {os.path.basename(p)
                          for p in self.tracked | self.products}

    def allowed(self, path):
        """Is 'path' on the allow list (or inside an allowed directory)?"""
        for pattern in self.allow:
            if pattern.endswith('/'):
                if (path + '/').startswith(pattern) or path == pattern[:-1]:
                    return True
            elif fnmatch.fnmatchcase(path, pattern):
                return True
        return False

    def committed(self, path):
        """Is 'path' (a file, a directory or a glob) committed or made?"""
        if self.allowed(path):
            return True
        if any(c in path for c in '*?'):
            return any(fnmatch.fnmatchcase(p, path)
                       for p in self.tracked | self.products)
        return (path in self.tracked or path in self.products
                or path in self.dirs)


def readme_paths(text, tree):
    """Returns (line number, path, token) for each path the README names;
    'path' is None for a bare file name."""
    found = []
    spans = []
    for number, line in enumerate(text.split('\n'), 1):
        if line.startswith('    '):
            spans.append((number, line))
        for span in re.findall(r'`([^`]+)`', line):
            spans.append((number, span))
    for number, span in spans:
        for token in re.split(r"[\s'\"()<>|,;]+", span):
            token = token.rstrip('.:')
            while token.startswith('./'):
                token = token[2:]
            if not token or not TOKEN.match(token) or token.startswith('-'):
                continue
            if '/' in token:
                path = os.path.normpath(token)
                first = path.split('/')[0]
                explicit = (token.endswith('/')
                            or token.endswith(SOURCE_SUFFIXES)
                            or any(c in first for c in '*?'))
                # Without a suffix, "ovs/route/add" is a unixctl command and
                # "utilities/tmirror-ctl" a program: a path only if its
                # directory is one of the tree's.
                if first == '..' or not (explicit
                                         or os.path.dirname(path)
                                         in tree.dirs):
                    continue
                found.append((number, path, token))
            elif (token.endswith(SOURCE_SUFFIXES)
                  and not token.startswith('.')):
                found.append((number, None, token))
    return found


def found_elsewhere(token, search, srcdir, tree):
    """Is 'token' a file relative to one of the 'search' directories: in git
    if the directory is in SRCDIR, existing if it is outside?"""
    top = os.path.realpath(srcdir)
    for directory in search:
        full = os.path.realpath(os.path.join(srcdir, directory, token))
        if full == top or full.startswith(top + '/'):
            rel = os.path.relpath(full, top)
            if tree.allowed(rel):
                # In a directory made elsewhere (such as _ovs/): only if it
                # is there, not because the allow list covers the whole
                # directory.
                if os.path.exists(full):
                    return True
            elif tree.committed(rel):
                return True
        elif os.path.exists(full):
            return True
    return False


def is_binary_product(path):
    """True if 'path' is an executable, object or archive (ELF or ar)."""
    try:
        with open(path, 'rb') as f:
            magic = f.read(8)
    except OSError:
        return False
    return magic.startswith(b'\x7fELF') or magic == b'!<arch>\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--srcdir', required=True)
    parser.add_argument('--build-files', required=True,
                        help='file listing what the build names')
    parser.add_argument('--products', required=True,
                        help='file listing what the build makes')
    parser.add_argument('--allow', required=True,
                        help='file listing what is made elsewhere')
    parser.add_argument('--readme', action='append', default=[],
                        help='a README, relative to SRCDIR')
    parser.add_argument('--search', action='append', default=[],
                        help='a directory in which the README may name a '
                        'file by a relative name, such as an include '
                        'directory: inside SRCDIR the file must be in git, '
                        'outside it (another project) it must exist')
    parser.add_argument('--skip-if-not-git', action='store_true')
    args = parser.parse_args()

    srcdir = args.srcdir
    try:
        top = git(srcdir, 'rev-parse', '--show-toplevel')
        if os.path.realpath(top[0]) != os.path.realpath(srcdir):
            raise ValueError    # Inside another project's checkout.
        tracked = git(srcdir, 'ls-files')
    except (OSError, IndexError, ValueError, subprocess.CalledProcessError):
        print('check-committed: %s is not a git checkout' % srcdir,
              file=sys.stderr)
        return 77 if args.skip_if_not_git else 2
    # The index, not HEAD: in CI (a clean clone) they are the same, and a
    # developer's "git add" is enough before committing.
    tree = Tree(tracked, read_list(args.products, srcdir),
                read_list(args.allow, srcdir))

    missing = []
    for path in sorted(set(read_list(args.build_files, srcdir))):
        if not tree.committed(path):
            missing.append((path, 'named by the build (DISTFILES)'))
    for readme in args.readme:
        with open(os.path.join(srcdir, readme)) as f:
            text = f.read()
        for number, path, token in readme_paths(text, tree):
            if path is not None:
                ok = tree.committed(path)
            else:
                ok = (tree.allowed(token)
                      or any(fnmatch.fnmatchcase(b, token)
                             for b in tree.basenames))
            if not ok:
                ok = found_elsewhere(token, args.search, srcdir, tree)
            if not ok:
                missing.append((token, 'named by %s:%d' % (readme, number)))

    # The reverse: what the build makes must not be committed (a program
    # that "git add -A" took along would be stale in every other tree).
    products = set(normalize(p, srcdir)
                   for p in read_list(args.products, srcdir))
    committed_products = []
    for path in tracked:
        if path in products or is_binary_product(os.path.join(srcdir, path)):
            committed_products.append(path)
    for path in committed_products:
        print('check-committed: %s: made by the build, but in git '
              '(git rm --cached it)' % path, file=sys.stderr)

    seen = set()
    for path, why in missing:
        if path in seen:
            continue
        seen.add(path)
        reason = ''
        try:
            rule = git(srcdir, 'check-ignore', '--no-index', '-v', path)
        except subprocess.CalledProcessError:
            rule = []
        if rule:
            source, _, _ = rule[0].partition('\t')
            reason = ', hidden by %s' % source
        exists = os.path.exists(os.path.join(srcdir, path))
        print('check-committed: %s: %s, but not in git%s%s'
              % (path, why, reason,
                 ' (it exists here: git add it)' if exists else ''),
              file=sys.stderr)
    return 1 if missing or committed_products else 0


if __name__ == '__main__':
    sys.exit(main())
