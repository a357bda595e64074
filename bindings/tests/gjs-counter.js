// gjs-counter.js: the guide's counter example in JavaScript, with the
// island's tasks as JS async functions in task slots (isle.js)
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Isle from 'gi://Isle?version=1';
import GLib from 'gi://GLib';
import System from 'system';

const IsleJs = await import(GLib.getenv('ISLE_GJS_MODULE'));

const island = Isle.LocalSet.new();
let count = 0;

const result = await IsleJs.runUntil(island, async function root() {
    const child = IsleJs.spawn(island, async function child() {
        count++;
        await IsleJs.sleepMsec(0);
        count++;
        return 'child done';
    });
    if (count !== 0)
        throw new Error('the child ran inline');
    const value = await child.promise;
    // The join handle as a promise too.
    await IsleJs.promise(child.handle);
    if (!child.isFinished())
        throw new Error('join handle not finished');
    return `${value} ${count}`;
});

if (result !== 'child done 2') {
    printerr(`wrong result: ${result}`);
    System.exit(1);
}
print(result);
