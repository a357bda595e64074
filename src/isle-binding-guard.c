/* isle-binding-guard.c: keeping language bindings off fiber stacks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * PyGObject and GJS call a C function that takes a callback with a
 * trampoline that libffi made at run time (g_callable_info_create_closure()).
 * Such a callback runs interpreter code, and an interpreter cannot run on
 * a fiber stack: CPython keeps per-thread frame state that a fiber switch
 * does not save (a Python task that suspends corrupts the interpreter),
 * and SpiderMonkey checks the thread's native stack bounds (every JS call
 * on a fiber stack throws "too much recursion"). Compiled code (C, Vala,
 * Rust) lies inside a loaded object; a trampoline never does. So a fiber
 * task whose body lies outside every loaded object does not run its body:
 * it fails at once with an error that says what to use instead (a poll
 * task: the Python override's coroutines, or the GJS module). The check
 * is here rather than in the GIR so that Vala, which reads the same GIR,
 * keeps every fiber function.
 */

#include "config.h"

#include <dlfcn.h>

#include "isle-binding-guard-private.h"

/* The last body found to be compiled code, so that spawning the same
 * function again and again costs one comparison. */
static __thread IsleTaskFunc last_compiled_func;

static gboolean
is_in_loaded_object (gpointer address)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
  struct dl_find_object found;

  /* O(log n) in the number of loaded objects, and no symbol lookup. */
  return _dl_find_object (address, &found) == 0;
#else
  Dl_info info;

  return dladdr (address, &info) != 0;
#endif
}

static gpointer
refuse_binding_closure (gpointer   user_data,
                        GError   **error)
{
  g_set_error_literal (error, ISLE_ERROR, ISLE_ERROR_FIBER_REFUSED,
                       "A fiber task's body is a language binding's function "
                       "(Python, JavaScript), which cannot run on a fiber "
                       "stack, so it was not run. From Python, write an "
                       "async def and use island.run_until(coro) or "
                       "Isle.spawn(coro) (the gi override, "
                       "gi.overrides.Isle); from GJS, use the isle.js module "
                       "(run_until, spawn) or Isle.LocalSet.spawn_local_poll");
  return NULL;
}

/* Returns @func, or, when @func is a binding's run-time trampoline, a body
 * that fails with ISLE_ERROR_FIBER_REFUSED without running it. */
IsleTaskFunc
_isle_binding_guard_fiber_func (IsleTaskFunc func)
{
  if (G_LIKELY (func == last_compiled_func))
    return func;

  if (G_UNLIKELY (!is_in_loaded_object ((gpointer) func)))
    return refuse_binding_closure;

  last_compiled_func = func;
  return func;
}
