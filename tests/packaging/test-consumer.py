#!/usr/bin/env python3
# test-consumer.py: build and run examples/consumer against Isle
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: test-consumer.py install|subproject --source-root DIR
#            --build-root DIR --meson MESON --version VERSION
#
#   install     install the current build of Isle into a private directory
#               (meson install --destdir, no rebuild), then configure the
#               consumer with PKG_CONFIG_PATH pointing at the installed
#               isle-1.pc, build it, and run it with LD_LIBRARY_PATH set.
#   subproject  copy the consumer, pack Isle's source tree as a release
#               tarball would be, and give the consumer a wrap file for it
#               (subprojects/isle.wrap, [wrap-file] with the tarball's
#               SHA-256 and a [provide] section for isle-1); the tarball
#               waits in subprojects/packagecache, where meson looks before
#               it downloads anything. Configure with
#               --wrap-mode=forcefallback so that Isle is built as its
#               subproject, build it and run it.
#
# Either way the program must print its line and exit 0.  Everything
# happens in a temporary directory that is removed afterwards.
#
# Python 3 standard library only.

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

EXPECTED = 'isle-consumer: Isle '
EXPECTED_END = ' counted to 2'


def run(cmd, env=None, cwd=None):
    print('$ ' + ' '.join(cmd), flush=True)
    result = subprocess.run(cmd, env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print(result.stdout, end='', flush=True)
    if result.returncode != 0:
        raise SystemExit('test-consumer: %s failed with exit status %d'
                         % (cmd[0], result.returncode))
    return result.stdout


def clean_env():
    """The environment without what meson test sets for Isle's own tests."""
    env = dict(os.environ)
    for name in ('G_DEBUG', 'MALLOC_CHECK_', 'G_TEST_SRCDIR',
                 'G_TEST_BUILDDIR', 'MESON_TEST_ITERATION', 'PKG_CONFIG_PATH',
                 'LD_LIBRARY_PATH', 'PKG_CONFIG_SYSROOT_DIR'):
        env.pop(name, None)
    return env


def find_file(top, name):
    for dirpath, _dirnames, filenames in os.walk(top):
        if name in filenames:
            return os.path.join(dirpath, name)
    raise SystemExit('test-consumer: %s was not installed under %s'
                     % (name, top))


def relocate_pc(pc_path, destdir):
    """Points the prefix of an installed .pc file into the destdir.

    meson install --destdir copies files under DESTDIR but leaves the
    prefix they were configured for in isle-1.pc.  Rewriting the one
    prefix= line makes the staged tree usable in place; PKG_CONFIG_SYSROOT_DIR
    would instead move GLib's paths too, which are not staged.
    """
    with open(pc_path, encoding='utf-8') as f:
        lines = f.read().splitlines(True)
    prefix = None
    for i, line in enumerate(lines):
        if line.startswith('prefix='):
            prefix = line[len('prefix='):].strip()
            lines[i] = 'prefix=%s%s\n' % (destdir, prefix)
            break
    if prefix is None:
        raise SystemExit('test-consumer: no prefix= line in %s' % pc_path)
    with open(pc_path, 'w', encoding='utf-8') as f:
        f.writelines(lines)
    return destdir + prefix


def check_output(output):
    for line in output.splitlines():
        if line.startswith(EXPECTED) and line.endswith(EXPECTED_END):
            return
    raise SystemExit('test-consumer: the consumer did not print '
                     '"%s...%s"' % (EXPECTED, EXPECTED_END))


def consumer_install(args, tmp):
    destdir = os.path.join(tmp, 'dest')
    env = clean_env()
    # --no-rebuild: meson test has built everything already, and other
    # tests are running from this build directory meanwhile.
    run([args.meson, 'install', '-C', args.build_root, '--no-rebuild',
         '--quiet', '--destdir', destdir], env=env)

    pc_path = find_file(destdir, 'isle-1.pc')
    relocate_pc(pc_path, destdir)
    libdir = os.path.dirname(os.path.dirname(pc_path))
    if not os.path.exists(os.path.join(libdir, 'libisle-1.so')):
        raise SystemExit('test-consumer: libisle-1.so is not in %s' % libdir)

    env['PKG_CONFIG_PATH'] = os.path.dirname(pc_path)
    source = os.path.join(args.source_root, 'examples', 'consumer')
    build = os.path.join(tmp, 'consumer-build')
    run([args.meson, 'setup', '--buildtype=plain', build, source], env=env)
    run([args.meson, 'compile', '-C', build], env=env)

    env['LD_LIBRARY_PATH'] = libdir
    program = os.path.join(build, 'isle-consumer')
    # The program must load the staged library, not one found elsewhere.
    maps = run(['ldd', program], env=env)
    if os.path.join(libdir, 'libisle-1.so') not in maps:
        raise SystemExit('test-consumer: isle-consumer does not load the '
                         'library installed in %s' % libdir)
    check_output(run([program], env=env))


def source_files(root):
    """Isle's files as a release would ship them: what git tracks, or, out
    of a git checkout, the tree without build directories."""
    try:
        listed = subprocess.run(['git', '-C', root, 'ls-files', '-z'],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                check=True).stdout.decode()
        files = [f for f in listed.split('\0') if f]
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if not d.startswith(('_build', '.git', 'subprojects'))]
        for name in filenames:
            files.append(os.path.relpath(os.path.join(dirpath, name), root))
    return files


def pack_source(root, version, cache):
    """Writes isle-VERSION.tar.gz into CACHE; returns its name and SHA-256."""
    directory = 'isle-%s' % version
    filename = directory + '.tar.gz'
    path = os.path.join(cache, filename)
    with tarfile.open(path, 'w:gz') as tar:
        for name in sorted(source_files(root)):
            full = os.path.join(root, name)
            if os.path.isfile(full):
                tar.add(full, arcname=directory + '/' + name, recursive=False)
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return directory, filename, digest


def consumer_subproject(args, tmp):
    env = clean_env()
    source = os.path.join(tmp, 'consumer')
    shutil.copytree(os.path.join(args.source_root, 'examples', 'consumer'),
                    source, ignore=shutil.ignore_patterns('subprojects'))
    cache = os.path.join(source, 'subprojects', 'packagecache')
    os.makedirs(cache)

    directory, filename, digest = pack_source(args.source_root, args.version, cache)
    with open(os.path.join(source, 'subprojects', 'isle.wrap'), 'w') as wrap:
        # The address is never used: meson finds the file in packagecache
        # and checks it against the hash, as it would after a download.
        wrap.write('[wrap-file]\n'
                   'directory = %s\n'
                   'source_url = https://isle.invalid/releases/%s\n'
                   'source_filename = %s\n'
                   'source_hash = %s\n'
                   '\n'
                   '[provide]\n'
                   'isle-1 = libisle_dep\n' % (directory, filename, filename, digest))

    build = os.path.join(tmp, 'consumer-build')
    run([args.meson, 'setup', '--buildtype=plain', '--wrap-mode=forcefallback',
         build, source], env=env)
    if not os.path.isdir(os.path.join(source, 'subprojects', directory)):
        raise SystemExit('test-consumer: meson did not unpack %s from the wrap file'
                         % filename)
    run([args.meson, 'compile', '-C', build], env=env)
    check_output(run([os.path.join(build, 'isle-consumer')], env=env))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['install', 'subproject'])
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--build-root', required=True)
    parser.add_argument('--meson', required=True)
    parser.add_argument('--version', required=True)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix='isle-consumer-')
    try:
        if args.mode == 'install':
            consumer_install(args, tmp)
        else:
            consumer_subproject(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('test-consumer: %s: ok' % args.mode)
    return 0


if __name__ == '__main__':
    sys.exit(main())
