# python-gtk.py: a GTK 4 window whose label a Python task updates across
# awaits while a blocking job runs on Isle's pool (run under xvfb-run -a)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import threading

import gi
gi.require_version('Isle', '1')
gi.require_version('Gtk', '4.0')
from gi.repository import GLib, Gtk, Isle

labels = []
main_thread = threading.get_ident()
job_thread = []
# Set by the task once it has updated the label three times: the job
# waits for it, so it ends only after the island (and GTK) went on while
# it ran, however slow the machine (it used to sleep 0.2 s, and a loaded
# machine did not always tick three times in that).
ticked = threading.Event()


def blocking_job(cancellable):
    # On a worker thread of Isle's pool, with the GIL released around it.
    job_thread.append(threading.get_ident())
    if not ticked.wait(30):
        return 'the island did not tick while the job ran'
    return 'job result'


async def update(label, window):
    label.set_label('starting')
    labels.append(label.get_label())
    job = Isle.spawn_blocking(blocking_job, None)
    ticks = 0
    while not job.is_finished():
        # The label changes while the job runs: the island (and GTK) go on.
        ticks += 1
        label.set_label('working %d' % ticks)
        if len(labels) < 3:
            labels.append(label.get_label())
        if ticks >= 3:
            ticked.set()
        await Isle.sleep_msec(20)
    assert await job == 'job result'
    label.set_label('done after %d ticks' % ticks)
    labels.append(label.get_label())
    assert threading.get_ident() == main_thread
    window.close()
    return ticks


def on_activate(app):
    window = Gtk.ApplicationWindow(application=app, title='Isle from Python')
    label = Gtk.Label(label='…')
    window.set_child(label)
    window.present()
    island = Isle.LocalSet.new()
    island.spawn(update(label, window))
    app.island = island


app = Gtk.Application(application_id='org.isle.BindingsTest')
app.connect('activate', on_activate)
GLib.timeout_add_seconds(60, lambda: app.quit() or False)
status = app.run([])
assert status == 0
assert labels[0] == 'starting', labels
assert labels[1].startswith('working'), labels
assert labels[-1].startswith('done after'), labels
ticks = int(labels[-1].split()[2])
assert ticks >= 3, labels
assert job_thread and job_thread[0] != main_thread
print(labels)
