#!/usr/bin/env python3
# check-symbols.py: the exported symbols of libisle are the documented API
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: check-symbols.py --library LIBISLE.so --srcdir SRC [--nm NM]
#
# Compares three lists and fails, naming each offender, when they disagree:
#
#   * the dynamic symbols the shared library defines (nm -D --defined-only);
#   * the functions and variables the public headers declare with
#     ISLE_AVAILABLE_IN_ALL (or ISLE_AVAILABLE_IN_x_y);
#   * the gi-docgen doc comments ("/**" then " * name:") in the sources and
#     public headers.
#
# A public symbol must be exported, declared and documented; its doc comment
# must say "Since:", and name every parameter of the declaration as
# "@param:".  A *_get_type function counts as documented when its type has a
# doc comment (IsleLocalSet for isle_local_set_get_type).  Every other doc
# comment in a public header, or in a source file for a name in the public
# namespace (types, enums, macros, inline functions), must say "Since:" too.
#
# Python 3 standard library only.

import argparse
import os
import re
import subprocess
import sys

AVAILABLE_RE = re.compile(r'\bISLE_AVAILABLE_IN_(?:ALL|\d+_\d+)\b')
DOC_RE = re.compile(r'/\*\*[ \t]*\n[ \t]*\*[ \t]*([A-Za-z_][A-Za-z0-9_:.-]*):'
                    r'(.*?)\*/', re.S)
PUBLIC_NAME_RE = re.compile(r'(?:Isle|ISLE_|isle_)')
COMMENT_RE = re.compile(r'/\*.*?\*/', re.S)
# Attribute and annotation macros that may follow a declaration.
TRAILING_MACRO_RE = re.compile(r'\bG_GNUC_[A-Z_]+(?:\s*\([^()]*\))?|'
                               r'\bG_ANALYZER_[A-Z_]+|'
                               r'\bISLE_[A-Z_]+_FOR\s*\([^()]*\)')


def public_headers(srcdir):
    return sorted(os.path.join(srcdir, name) for name in os.listdir(srcdir)
                  if name.startswith('isle') and name.endswith('.h')
                  and not name.endswith('-private.h'))


def sources(srcdir):
    return sorted(os.path.join(srcdir, name) for name in os.listdir(srcdir)
                  if name.endswith('.c'))


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def split_params(text):
    """Splits a parameter list at the commas outside parentheses."""
    params, depth, current = [], 0, ''
    for ch in text:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            params.append(current)
            current = ''
        else:
            current += ch
    params.append(current)
    return [p.strip() for p in params if p.strip()]


def param_name(param):
    """The name a declared parameter has, or None for void and '...'."""
    if param in ('void', '...'):
        return None
    # A function pointer: int (*name) (int)
    m = re.search(r'\(\s*\*\s*([A-Za-z_]\w*)\s*\)', param)
    if m:
        return m.group(1)
    m = re.search(r'([A-Za-z_]\w*)\s*(?:\[[^\]]*\])*$', param)
    return m.group(1) if m else None


def declarations(path):
    """Yields (name, [parameter names] or None) for each declaration that
    follows an availability macro in the header at @path."""
    text = COMMENT_RE.sub(' ', read(path))
    for m in AVAILABLE_RE.finditer(text):
        end = text.find(';', m.end())
        if end < 0:
            continue
        decl = TRAILING_MACRO_RE.sub(' ', text[m.end():end])
        fm = re.search(r'\b([A-Za-z_]\w*)\s*\((.*)\)\s*$', decl, re.S)
        if fm and not re.match(r'\s*\*', fm.group(2)):
            params = [param_name(p) for p in split_params(fm.group(2))]
            yield fm.group(1), [p for p in params if p]
            continue
        vm = re.search(r'\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])*\s*$', decl)
        if vm:
            yield vm.group(1), None


def doc_comments(path):
    """Yields (name, body) for each gi-docgen doc comment in @path."""
    for m in DOC_RE.finditer(read(path)):
        yield m.group(1), m.group(2)


def exported_symbols(nm, library):
    out = subprocess.run([nm, '-D', '--defined-only', library],
                         check=True, capture_output=True, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1]
        # Code and data, global or weak; not version nodes (A).
        if kind in 'TDBRVWGSiu' and kind != 'A':
            symbols.add(name.split('@')[0])
    return symbols - {'_init', '_fini'}


def type_name_for_get_type(symbol):
    """isle_local_set_get_type -> IsleLocalSet."""
    stem = symbol[:-len('_get_type')]
    return ''.join(part.capitalize() for part in stem.split('_'))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--library', required=True)
    parser.add_argument('--srcdir', required=True)
    parser.add_argument('--nm', default='nm')
    args = parser.parse_args()

    exported = exported_symbols(args.nm, args.library)

    declared = {}
    for header in public_headers(args.srcdir):
        for name, params in declarations(header):
            declared[name] = (os.path.basename(header), params)

    docs = {}
    for path in sources(args.srcdir) + public_headers(args.srcdir):
        for name, body in doc_comments(path):
            docs.setdefault(name, (os.path.basename(path), body))

    problems = []

    for name in sorted(exported - set(declared)):
        problems.append('%s: exported but not declared with '
                        'ISLE_AVAILABLE_IN_ALL in a public header' % name)
    for name in sorted(set(declared) - exported):
        problems.append('%s: declared in %s but not exported'
                        % (name, declared[name][0]))

    for name in sorted(set(declared) | exported):
        if name.endswith('_get_type') and name not in docs:
            type_name = type_name_for_get_type(name)
            if type_name not in docs:
                problems.append('%s: its type %s has no doc comment'
                                % (name, type_name))
            continue
        if name not in docs:
            problems.append('%s: no doc comment' % name)
            continue
        where, body = docs[name]
        if not re.search(r'^\s*\*\s*Since:', body, re.M):
            problems.append('%s: the doc comment in %s does not say '
                            '"Since:"' % (name, where))
        params = declared.get(name, (None, None))[1] or []
        for param in params:
            if not re.search(r'^\s*\*\s*@%s:' % re.escape(param), body, re.M):
                problems.append('%s: the doc comment in %s does not describe '
                                '@%s' % (name, where, param))

    # Types, enums, macros and inline functions: every doc comment in the
    # public headers, and those in the sources that name something in the
    # public namespace (private helpers start with an underscore).
    checked = set(declared) | exported
    for path in sources(args.srcdir) + public_headers(args.srcdir):
        in_header = path.endswith('.h')
        for name, body in doc_comments(path):
            if name in checked:
                continue
            if not in_header and not PUBLIC_NAME_RE.match(name):
                continue
            if not re.search(r'^\s*\*\s*Since:', body, re.M):
                problems.append('%s: the doc comment in %s does not say '
                                '"Since:"' % (name, os.path.basename(path)))

    if not exported:
        problems.append('%s exports no symbol at all' % args.library)

    for problem in problems:
        print(problem)
    print('%d exported, %d declared, %d doc comments; %d problem%s'
          % (len(exported), len(declared), len(docs), len(problems),
             '' if len(problems) == 1 else 's'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
