// gjs-caller.js: summary_compute_async() from GJS, with Gio._promisify and await
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.gi.versions.Summary = '1';
const {GLib, Gio, Summary} = imports.gi;

Gio._promisify(Summary, 'compute_async', 'compute_finish');

function makeFolder() {
    const path = GLib.dir_make_tmp('summary-gjs-XXXXXX');
    for (let i = 1; i <= 4; i++)
        GLib.file_set_contents(`${path}/f${i}.txt`, 'line\n'.repeat(i));
    return path;
}

function removeFolder(path) {
    for (let i = 1; i <= 4; i++)
        GLib.unlink(`${path}/f${i}.txt`);
    GLib.rmdir(path);
}

async function main(folderPath) {
    const folder = Gio.File.new_for_path(folderPath);

    const [lines, files] = await Summary.compute_async(folder, 0, null, null);
    if (lines !== 10 || files !== 4)
        throw new Error(`expected 10 lines in 4 files, got ${lines} in ${files}`);
    print(`counted ${lines} lines in ${files} files`);

    // Progress reports run as plain callbacks on the caller's loop (a JS
    // function cannot run on an Isle fiber), before the promise settles.
    const reports = [];
    let settled = false;
    const [, counted] = await Summary.compute_async(folder, 5, null, (nFiles, nLines) => {
        if (settled)
            throw new Error('a progress report after the result');
        reports.push([nFiles, nLines]);
    });
    settled = true;
    if (counted !== 4 || reports.length < 2)
        throw new Error(`expected progress reports, got ${JSON.stringify(reports)}`);
    print(`progress: ${JSON.stringify(reports)}`);

    const cancellable = new Gio.Cancellable();
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 50, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    try {
        await Summary.compute_async(folder, 2000, cancellable, null);
        throw new Error('the cancelled call succeeded');
    } catch (e) {
        if (!(e instanceof GLib.Error) || !e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
            throw e;
        print(`cancelled: ${e.message}`);
    }
}

const loop = new GLib.MainLoop(null, false);
const folderPath = makeFolder();
let failure = null;
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 30, () => {
    failure = new Error('timed out');
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
main(folderPath).catch(e => {
    failure = e;
}).finally(() => loop.quit());
loop.run();
removeFolder(folderPath);
if (failure !== null) {
    printerr(failure);
    imports.system.exit(1);
}
