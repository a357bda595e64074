#!/usr/bin/python3
# python-caller.py: summary_compute_async() from PyGObject
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Calls the _async with a callback in a GLib.MainLoop, then again and
# cancels it. Needs GI_TYPELIB_PATH and LD_LIBRARY_PATH to reach the build
# tree's Summary-1.typelib and libsummary.

import os
import sys
import tempfile

import gi
gi.require_version('Summary', '1')
from gi.repository import GLib, Gio, Summary  # noqa: E402


def make_folder():
    path = tempfile.mkdtemp(prefix='summary-py-')
    for i in range(1, 4):
        with open(os.path.join(path, 'f%d.txt' % i), 'w') as f:
            f.write('line\n' * i)
    return path


def run(folder, pause_msec, cancel_after_msec=None):
    loop = GLib.MainLoop()
    outcome = {'calls': 0, 'reports': []}
    cancellable = Gio.Cancellable()

    def progress(n_files, n_lines, *data):
        # Never after the callback, never going backwards.
        assert outcome['calls'] == 0, 'a progress report after the callback'
        assert not outcome['reports'] or outcome['reports'][-1] <= (n_files, n_lines)
        outcome['reports'].append((n_files, n_lines))

    def done(source, result, data):
        outcome['calls'] += 1
        try:
            outcome['value'] = Summary.compute_finish(result)
        except GLib.Error as e:
            outcome['error'] = e
        loop.quit()

    # PyGObject 3.42 hands a callback's data that is not the last argument
    # to the function as extra arguments, and wants it as a tuple: () is
    # none.
    Summary.compute_async(Gio.File.new_for_path(folder), pause_msec,
                          cancellable, progress, (), done, None)
    assert outcome['calls'] == 0, 'the callback ran inside the _async call'
    if cancel_after_msec is not None:
        GLib.timeout_add(cancel_after_msec, lambda: cancellable.cancel() or False)
    GLib.timeout_add_seconds(30, lambda: sys.exit('timed out'))
    loop.run()
    # A second callback would come in the next few iterations.
    context = GLib.MainContext.default()
    for _ in range(10):
        context.iteration(False)
    assert outcome['calls'] == 1, outcome
    return outcome


def main():
    folder = make_folder()
    try:
        outcome = run(folder, 0)
        assert outcome.get('value') == (6, 3), outcome
        print('counted 6 lines in 3 files')

        outcome = run(folder, 5)
        assert outcome.get('value') == (6, 3), outcome
        assert len(outcome['reports']) >= 2, outcome
        print('progress:', outcome['reports'])

        outcome = run(folder, 2000, cancel_after_msec=50)
        error = outcome.get('error')
        assert error is not None and error.matches(Gio.io_error_quark(),
                                                   Gio.IOErrorEnum.CANCELLED), outcome
        print('cancelled:', error.message)
    finally:
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)


if __name__ == '__main__':
    main()
