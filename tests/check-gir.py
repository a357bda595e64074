#!/usr/bin/env python3
# check-gir.py: what the API reference needs from Isle-1.gir
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: check-gir.py Isle-1.gir
#
# Fails, naming each problem, when
#  - a type that has a ref/unref or copy/free pair is not a registered
#    (boxed) type, unless it is marked (foreign) because it cannot be one;
#  - an enumeration or flags type has no GType;
#  - a function, method or constructor is not introspectable (g-ir-scanner
#    gave up on it, usually for a missing or impossible annotation);
#  - a type, function, constant or callback has no documentation or no
#    "Since:" version.

import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'

CALLABLES = ('function', 'method', 'constructor')
DOCUMENTED = CALLABLES + ('record', 'enumeration', 'bitfield', 'callback',
                          'constant', 'function-macro')


def local(tag):
    return tag[len(CORE):] if tag.startswith(CORE) else tag


def c_name(element):
    return (element.get(C + 'identifier') or element.get(C + 'type')
            or element.get('name'))


def main(path):
    namespace = ET.parse(path).getroot().find(CORE + 'namespace')
    problems = []

    for element in namespace.iter():
        kind = local(element.tag)
        name = c_name(element)

        if kind in DOCUMENTED and element.get('moved-to') is None:
            if element.find(CORE + 'doc') is None:
                problems.append(f'{name}: no documentation')
            if element.get('version') is None:
                problems.append(f'{name}: no "Since:" version')

        if kind in CALLABLES and element.get('introspectable') == '0':
            problems.append(f'{name}: not introspectable; see g-ir-scanner --warn-all')

        if kind == 'record' and element.get('foreign') != '1':
            methods = {m.get('name') for m in element.findall(CORE + 'method')}
            lifetime = ({'ref', 'unref'} <= methods) or ({'copy', 'free'} <= methods)
            if lifetime and element.get(GLIB + 'get-type') is None:
                problems.append(f'{name}: has a ref/unref or copy/free pair '
                                'but is not a boxed type (G_DEFINE_BOXED_TYPE)')

        if kind in ('enumeration', 'bitfield') and element.get(GLIB + 'get-type') is None:
            problems.append(f'{name}: no GType (G_DEFINE_ENUM_TYPE or G_DEFINE_FLAGS_TYPE)')

    for problem in problems:
        print(problem)
    if problems:
        print(f'{len(problems)} problems in {path}')
        return 1
    print(f'{path}: fine')
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: check-gir.py Isle-1.gir')
    sys.exit(main(sys.argv[1]))
