/* isle-promise.c: the resolving end of a future
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-diagnostics-private.h"
#include "isle-future-private.h"
#include "isle-local-set-private.h"
#include "isle-promise-private.h"
#include "isle-remote-private.h"

/**
 * IslePromise:
 *
 * The resolving end of a future: resolve or reject it once, from any
 * thread. Dropping the last reference to an unresolved promise rejects its
 * future with %G_IO_ERROR_CLOSED, so nobody waits forever. A promise made
 * on an island ([func@Isle.LocalSet.get_current]) gives its future back to
 * that island's thread when its last reference goes elsewhere, so the
 * value's destroy notify runs there.
 *
 * Since: 0.1
 */

struct _IslePromise
{
  gatomicrefcount  ref_count;
  IsleFuture      *future;         /* (owned) */
  IsleRemote      *home;           /* (owned) (nullable) the island it was made on */
};

G_DEFINE_BOXED_TYPE (IslePromise, isle_promise, isle_promise_ref, isle_promise_unref)

static void
release_future (gpointer data)
{
  isle_future_unref (data);
}

typedef struct
{
  gpointer       value;
  GDestroyNotify value_destroy;
} ValueRelease;

static void
value_release_run (gpointer data)
{
  ValueRelease *release = data;

  release->value_destroy (release->value);
  g_free (release);
}

/**
 * isle_promise_new:
 *
 * Creates a promise and its pending future.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): a new promise
 *
 * Since: 0.1
 */
IslePromise *
isle_promise_new (void)
{
  IslePromise *self = g_new0 (IslePromise, 1);
  IsleLocalSet *island = isle_local_set_get_current ();

  g_atomic_ref_count_init (&self->ref_count);
  self->future = _isle_future_new ();
  self->future->origin = &_isle_origin_promise;
  if (island != NULL)
    self->home = _isle_remote_ref (island->remote);
  return self;
}

/**
 * isle_promise_ref:
 * @self: a promise
 *
 * Takes a reference to the promise.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IslePromise *
isle_promise_ref (IslePromise *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * isle_promise_unref:
 * @self: (transfer full): a promise
 *
 * Drops a reference to the promise. If it was the last and the future is
 * still pending, the future is rejected with %G_IO_ERROR_CLOSED.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_promise_unref (IslePromise *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  _isle_future_settle (self->future, NULL, NULL,
                       g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                            "The promise was dropped without being resolved"));

  /* A promise made on an island gives its future back there. The
   * wake-ups already went out. */
  _isle_future_unref_at_home (self->future, self->home);

  if (self->home != NULL)
    _isle_remote_unref (self->home);
  g_free (self);
}

/**
 * isle_promise_get_future:
 * @self: a promise
 *
 * Gets the future the promise resolves.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer none): the future; take a reference to keep it
 *
 * Since: 0.1
 */
IsleFuture *
isle_promise_get_future (IslePromise *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->future;
}

static void
report_settled_twice (const char *function)
{
  g_critical ("%s() called on a promise whose future is already ready: a "
              "promise is resolved once. (A future cancelled meanwhile also "
              "counts; check isle_future_is_finished() first if that can happen)",
              function);
}

/* Settles @future as its promise, made on the island of @home (or on
 * none), would; a second settle is reported (unless the future was
 * cancelled) and its value released. */
void
_isle_future_settle_as_promise (IsleFuture     *future,
                                IsleRemote     *home,
                                gpointer        value,
                                GDestroyNotify  value_destroy,
                                GError         *error,
                                const char     *function)
{
  if (!_isle_future_settle (future, value, value_destroy, error))
    {
      if (!g_error_matches (future->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        report_settled_twice (function);
      /* Nobody will see the value (a blocking job whose future timed out
       * or was cancelled): it is released where the future would have
       * released it, on the thread of the island the promise was made on. */
      if (value_destroy != NULL && value != NULL)
        {
          ValueRelease *release = g_new (ValueRelease, 1);

          release->value = value;
          release->value_destroy = value_destroy;
          _isle_remote_run_at_home (home, value_release_run, release);
        }
    }
}

/* Drops the producer's reference to @future as a promise made on the
 * island of @home does: if nobody else holds the future any more (the
 * awaiting task was aborted), its value is destroyed on the island's
 * thread, where it belongs, not on the worker that resolved it. */
void
_isle_future_unref_at_home (IsleFuture *future,
                            IsleRemote *home)
{
  _isle_remote_run_at_home (home, release_future, future);
}

static void
promise_settle (IslePromise    *self,
                gpointer        value,
                GDestroyNotify  value_destroy,
                GError         *error,
                const char     *function)
{
  _isle_future_settle_as_promise (self->future, self->home, value,
                                  value_destroy, error, function);
}

/**
 * isle_promise_resolve:
 * @self: a promise
 * @value: (transfer full) (nullable): the value
 * @value_destroy: (nullable): releases @value with the future
 *
 * Resolves the promise's future with @value. Tasks awaiting it are woken
 * on their island's thread; chained callbacks run on their own context.
 * Resolving a second time is a programming error, reported with a
 * critical; @value is then released (as is a value that comes after the
 * future was cancelled), on the thread of the island the promise was made
 * on if there is one, at once otherwise.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_promise_resolve (IslePromise    *self,
                      gpointer        value,
                      GDestroyNotify  value_destroy)
{
  g_return_if_fail (self != NULL);

  promise_settle (self, value, value_destroy, NULL, G_STRFUNC);
}

/**
 * isle_promise_reject:
 * @self: a promise
 * @error: (transfer full): the error
 *
 * Rejects the promise's future with @error. Rejecting or resolving a
 * second time is a programming error, reported with a critical.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_promise_reject (IslePromise *self,
                     GError      *error)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (error != NULL);

  promise_settle (self, NULL, NULL, error, G_STRFUNC);
}
