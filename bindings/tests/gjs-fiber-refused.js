// gjs-fiber-refused.js: the counter example of issue 15 against the fiber
// API throws a JS exception that names what to use instead (it used to
// throw "too much recursion")
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Isle from 'gi://Isle?version=1';
import System from 'system';

let count = 0;
function child() {
    count++;
    Isle.yield_now();
    count++;
    return null;
}
function root() {
    const handle = Isle.spawn_local(child);
    handle.join();
    return null;
}

const island = Isle.LocalSet.new();
let message = null;
try {
    island.run_until(root);
} catch (error) {
    if (!error.matches(Isle.Error, Isle.Error.FIBER_REFUSED))
        throw error;
    message = error.message;
}
if (message === null || !message.includes('cannot run on a fiber stack') ||
    !message.includes('isle.js') || count !== 0) {
    printerr(`not refused as expected: ${message}, count ${count}`);
    System.exit(1);
}
// The island is usable afterwards.
if (island.get_n_tasks() !== 0) {
    printerr(island.dump_tasks());
    System.exit(1);
}
print(`refused: ${message}`);
