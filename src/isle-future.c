/* isle-future.c: one-shot results that tasks await
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The future itself: settling it once, its waiters, awaiting, polling,
 * chaining and blocking on it, and cancelling it. Futures combined into
 * one are in isle-future-set.c, the promise that resolves a future in
 * isle-promise.c; what the three share is in isle-future-private.h.
 */

#include "config.h"

#include <sched.h>

#include <string.h>

#include "isle-diagnostics-private.h"
#include "isle-future-private.h"
#include "isle-local-set-private.h"
#include "isle-task-private.h"
#include "isle-waker-private.h"

/**
 * IsleFuture:
 *
 * A one-shot result: a value (with its destroy notify), or an error —
 * %G_IO_ERROR_CANCELLED when it was cancelled. A fiber task waits for it
 * with [func@Isle.await], a poll task with [method@Isle.Future.poll], and
 * plain code chains a callback with [method@Isle.Future.then].
 *
 * The value belongs to the future, which lends it: [func@Isle.await],
 * [method@Isle.Future.poll], [method@Isle.Future.get_value] and
 * [method@Isle.Future.wait] return it without transferring it, valid while
 * the caller holds a reference to the future. Any number of tasks,
 * callbacks and combinators may wait for one future, and each reads the
 * same value; the future releases it with its destroy notify when its last
 * reference goes. Take your own reference or copy to keep it longer. (The
 * waits that hand a value over, `transfer full`, are those that take it
 * out of something only one can take from: a join, a channel's recv.)
 *
 * A task is a future too: [method@Isle.JoinHandle.get_future].
 *
 * Futures are reference counted from any thread, and resolve on whatever
 * thread resolves their [struct@Isle.Promise]; awaiting tasks and chained
 * callbacks are woken on their own thread.
 *
 * Since: 0.1
 */

typedef enum
{
  WAITER_WAKER,     /* wake a task */
  WAITER_CALLBACK,  /* run a callback on a context */
  WAITER_INTERNAL,  /* called where the future resolves (combinators) */
} WaiterKind;

struct _IsleFutureWaiter
{
  IsleFutureWaiter   *next;        /* the one registered before it */
  WaiterKind          kind;
  IsleWaker          *waker;       /* (owned) WAITER_WAKER */
  IsleFutureCallback  callback;
  void              (*internal) (IsleFuture *future, gpointer data);
  gpointer            data;
  GDestroyNotify      data_destroy;
  GMainContext       *context;     /* (owned) WAITER_CALLBACK */
};

typedef IsleFutureWaiter Waiter;

G_DEFINE_BOXED_TYPE (IsleFuture, isle_future, isle_future_ref, isle_future_unref)

void
_isle_future_init (IsleFuture *self)
{
  memset (self, 0, sizeof *self);
  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->state = ISLE_FUTURE_PENDING;
}

IsleFuture *
_isle_future_new (void)
{
  IsleFuture *self = g_new (IsleFuture, 1);

  _isle_future_init (self);
  return self;
}

static void
waiter_free (Waiter *waiter)
{
  if (waiter->waker != NULL)
    isle_waker_unref (waiter->waker);
  if (waiter->data_destroy != NULL)
    waiter->data_destroy (waiter->data);
  if (waiter->context != NULL)
    g_main_context_unref (waiter->context);
  g_free (waiter);
}

typedef struct
{
  IsleFuture *future;   /* (owned) */
  Waiter     *waiter;   /* (owned) */
} Dispatch;

static gboolean
dispatch_callback (gpointer data)
{
  Dispatch *dispatch = data;

  dispatch->waiter->callback (dispatch->future, dispatch->waiter->data);
  return G_SOURCE_REMOVE;
}

static void
dispatch_free (gpointer data)
{
  Dispatch *dispatch = data;

  waiter_free (dispatch->waiter);
  isle_future_unref (dispatch->future);
  g_free (dispatch);
}

/* Runs a callback on its own context, never synchronously: the GLib
 * convention for async callbacks, and the callback may be chained on the
 * island's thread while the future resolves on a worker. */
static void
schedule_callback (IsleFuture *self,
                   Waiter     *waiter)
{
  Dispatch *dispatch = g_new (Dispatch, 1);
  GSource *source = g_idle_source_new ();

  dispatch->future = isle_future_ref (self);
  dispatch->waiter = waiter;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_name (source, "[isle-future-callback]");
  g_source_set_callback (source, dispatch_callback, dispatch, dispatch_free);
  g_source_attach (source, waiter->context);
  g_source_unref (source);
}

static void
notify_waiter (IsleFuture *self,
               Waiter     *waiter)
{
  switch (waiter->kind)
    {
    case WAITER_WAKER:
      isle_waker_wake (waiter->waker);
      waiter_free (waiter);
      break;

    case WAITER_CALLBACK:
      schedule_callback (self, waiter);
      break;

    case WAITER_INTERNAL:
      waiter->internal (self, waiter->data);
      waiter_free (waiter);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Settles the future once; the waiters are told outside the lock, since
 * they may resolve other futures. Returns FALSE if it was settled already:
 * @error is then freed, and @value is still the caller's. */
gboolean
_isle_future_settle (IsleFuture     *self,
                     gpointer        value,
                     GDestroyNotify  value_destroy,
                     GError         *error)
{
  Waiter *waiters = NULL;
  Waiter *newest;
  IsleWaker *waker;

  g_mutex_lock (&self->lock);
  if (self->state != ISLE_FUTURE_PENDING)
    {
      g_mutex_unlock (&self->lock);
      g_clear_error (&error);
      return FALSE;
    }
  if (error != NULL)
    self->error = error;
  else
    {
      self->value = value;
      self->value_destroy = value_destroy;
    }
  waker = g_steal_pointer (&self->waker);
  newest = g_steal_pointer (&self->waiters);
  g_atomic_int_set (&self->state, error != NULL ? ISLE_FUTURE_REJECTED : ISLE_FUTURE_RESOLVED);
  g_mutex_unlock (&self->lock);

  /* Oldest first, the order they were added in, which
   * _isle_future_add_settle_notify_first() counts on. */
  while (newest != NULL)
    {
      Waiter *next = newest->next;

      newest->next = waiters;
      waiters = newest;
      newest = next;
    }

  /* Waiters may drop the last other reference. */
  isle_future_ref (self);
  if (self->hooks != NULL && self->hooks->settled != NULL)
    self->hooks->settled (self, self->hooks_data);
  while (waiters != NULL)
    {
      Waiter *next = waiters->next;

      notify_waiter (self, waiters);
      waiters = next;
    }
  /* The common waiter, a task, last: an isle_future_all() fills its value
   * array in before anyone runs. */
  _isle_waker_wake_and_unref (waker);
  isle_future_unref (self);

  return TRUE;
}

/* Adds @waiter unless the future is ready; then it is told at once. */
static void
future_add_waiter (IsleFuture *self,
                   Waiter     *waiter)
{
  g_mutex_lock (&self->lock);
  if (self->state == ISLE_FUTURE_PENDING)
    {
      waiter->next = self->waiters;
      self->waiters = waiter;
      g_mutex_unlock (&self->lock);
      return;
    }
  g_mutex_unlock (&self->lock);

  notify_waiter (self, waiter);
}

/**
 * isle_future_new_for_value:
 * @value: (transfer full) (nullable): the value
 * @value_destroy: (nullable): releases @value with the future
 *
 * Creates a future that is ready with @value.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): a new future
 *
 * Since: 0.1
 */
IsleFuture *
isle_future_new_for_value (gpointer       value,
                           GDestroyNotify value_destroy)
{
  IsleFuture *self = _isle_future_new ();

  _isle_future_settle (self, value, value_destroy, NULL);
  return self;
}

/**
 * isle_future_new_for_error:
 * @error: (transfer full): the error
 *
 * Creates a future that is ready with @error.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): a new future
 *
 * Since: 0.1
 */
IsleFuture *
isle_future_new_for_error (GError *error)
{
  IsleFuture *self;

  g_return_val_if_fail (error != NULL, NULL);

  self = _isle_future_new ();
  _isle_future_settle (self, NULL, NULL, error);
  return self;
}

/**
 * isle_future_ref:
 * @self: a future
 *
 * Takes a reference to the future.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleFuture *
isle_future_ref (IsleFuture *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * isle_future_unref:
 * @self: (transfer full): a future
 *
 * Drops a reference to the future; the last one releases its value with
 * its destroy notify, on the calling thread.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_future_unref (IsleFuture *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* The owner of the hooks frees it with _isle_future_free(), perhaps
   * later and on another thread (a timer leaves its island's queue). */
  if (self->hooks != NULL && self->hooks->last_unref != NULL)
    {
      self->hooks->last_unref (self, self->hooks_data);
      return;
    }

  _isle_future_free (self);
}

/* Frees a future whose last reference is gone. */
void
_isle_future_free (IsleFuture *self)
{
  _isle_future_clear (self);
  g_free (self);
}

/* Releases what a future whose last reference is gone holds, but not the
 * future's own memory: for futures embedded in a record of their maker's
 * (timers). */
void
_isle_future_clear (IsleFuture *self)
{
  /* A future nobody can settle any more: its callbacks will never run.
   * (No fiber awaits it: isle_await() holds a reference meanwhile.) */
  while (self->waiters != NULL)
    {
      Waiter *waiter = self->waiters;

      self->waiters = waiter->next;
      waiter_free (waiter);
    }
  g_clear_pointer (&self->waker, isle_waker_unref);
  if (self->value_destroy != NULL && self->value != NULL)
    self->value_destroy (self->value);
  g_clear_error (&self->error);
  g_clear_pointer (&self->children, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->lock);
}

/**
 * isle_future_is_finished:
 * @self: a future
 *
 * Whether the future has a value or an error.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE once the future is ready
 *
 * Since: 0.2
 */
gboolean
isle_future_is_finished (IsleFuture *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return g_atomic_int_get (&self->state) != ISLE_FUTURE_PENDING;
}

/**
 * isle_future_get_value:
 * @self: a ready future
 * @error: return location for a #GError
 *
 * Reads the outcome of a ready future. Reading a pending one is a
 * programming error, reported with a critical; it fails with
 * %ISLE_ERROR_PENDING.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer none) (nullable): the value, valid while you hold a
 *   reference to the future; or %NULL with @error set to the future's
 *   error
 *
 * Since: 0.1
 */
gpointer
isle_future_get_value (IsleFuture  *self,
                       GError     **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (g_atomic_int_get (&self->state))
    {
    case ISLE_FUTURE_RESOLVED:
      return g_atomic_pointer_get (&self->value);

    case ISLE_FUTURE_REJECTED:
      g_propagate_error (error, g_error_copy (self->error));
      return NULL;

    default:
      g_critical ("isle_future_get_value() called on a future that is not "
                  "ready; wait for it with isle_await(), isle_future_poll() "
                  "or isle_future_then() first");
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_PENDING, "The future is not ready");
      return NULL;
    }
}

/* A combined future's children are set when it is made, before anyone
 * else sees it, and kept until it goes, so they are read without the lock. */
void
_isle_future_cancel_children (IsleFuture *parent)
{
  guint i;

  if (parent->children == NULL)
    return;

  for (i = 0; i < parent->children->len; i++)
    isle_future_cancel (g_ptr_array_index (parent->children, i));
}

/**
 * isle_future_cancel:
 * @self: a future
 *
 * Rejects the future with %G_IO_ERROR_CANCELLED if it is not ready yet,
 * and cancels the futures it combines (see [func@Isle.Future.race]). A promise
 * resolving it later is ignored.
 *
 * A task's future ([method@Isle.JoinHandle.get_future]) is the exception:
 * cancelling it does nothing, neither to it nor to its task, which runs on
 * and settles its future when it finishes. Abort the task through its
 * handle to stop it.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_future_cancel (IsleFuture *self)
{
  g_autoptr(GCancellable) cancellable = NULL;

  g_return_if_fail (self != NULL);

  /* A task's future reports its task and nothing else (see
   * isle_join_handle_get_future()). */
  if (self->hooks != NULL && self->hooks->cancel != NULL)
    {
      self->hooks->cancel (self, self->hooks_data);
      return;
    }

  g_mutex_lock (&self->lock);
  if (self->cancellable != NULL)
    cancellable = g_object_ref (self->cancellable);
  g_mutex_unlock (&self->lock);

  /* A GError costs a lock and a hash lookup in GLib 2.74: make none for
   * a future that is ready already (the winner of a race, cancelled with
   * its siblings). */
  if (!isle_future_is_finished (self))
    _isle_future_settle (self, NULL, NULL,
                         g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              "The future was cancelled"));
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  _isle_future_cancel_children (self);
}

/**
 * isle_future_then:
 * @self: a future
 * @callback: (scope notified) (not nullable): called once the future is ready
 * @user_data: (closure callback): data for @callback
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   after the call, or if the future is dropped unready
 *
 * Chains a callback for plain code, outside any task. It runs on the
 * thread-default main context of the calling thread, from an idle source,
 * never inside this call: even a ready future's callback waits for that
 * context to be iterated.
 *
 * A thread with no thread-default context (one that never called
 * g_main_context_push_thread_default(), as a plain worker thread or a
 * console program's main thread) gets the global default context, as
 * g_main_context_ref_thread_default() gives it: the callback runs only
 * when some thread iterates that context, which a program without a
 * GApplication or g_main_loop_run() on it may never do. Push the context
 * you iterate as the thread default before calling this.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_future_then (IsleFuture         *self,
                  IsleFutureCallback  callback,
                  gpointer            user_data,
                  GDestroyNotify      user_data_destroy)
{
  Waiter *waiter;

  g_return_if_fail (self != NULL);
  g_return_if_fail (callback != NULL);

  waiter = g_new0 (Waiter, 1);
  waiter->kind = WAITER_CALLBACK;
  waiter->callback = callback;
  waiter->data = user_data;
  waiter->data_destroy = user_data_destroy;
  waiter->context = g_main_context_ref_thread_default ();
  future_add_waiter (self, waiter);
}

/* A task polled again before the future is ready registers once. The
 * first task to wait takes the slot in the future itself, which is all
 * most futures ever need: no allocation, one lock. */
static void
add_waker (IsleFuture *self,
           IsleWaker  *waker)
{
  Waiter *waiter;

  g_mutex_lock (&self->lock);
  if (self->state == ISLE_FUTURE_PENDING)
    {
      if (self->waker == waker)
        {
          g_mutex_unlock (&self->lock);
          return;
        }
      if (self->waker == NULL)
        {
          self->waker = isle_waker_ref (waker);
          g_mutex_unlock (&self->lock);
          return;
        }
      for (waiter = self->waiters; waiter != NULL; waiter = waiter->next)
        if (waiter->kind == WAITER_WAKER && waiter->waker == waker)
          {
            g_mutex_unlock (&self->lock);
            return;
          }
    }
  g_mutex_unlock (&self->lock);

  waiter = g_new0 (Waiter, 1);
  waiter->kind = WAITER_WAKER;
  waiter->waker = isle_waker_ref (waker);
  future_add_waiter (self, waiter);
}

/* An await that gives up (its task was aborted) takes its waker back, so
 * a future that settles much later, or never, does not keep the task. */
void
_isle_future_remove_waker (IsleFuture *self,
                           IsleWaker  *waker)
{
  IsleWaker *slot = NULL;
  Waiter *found = NULL;
  Waiter **link;

  g_mutex_lock (&self->lock);
  if (self->waker == waker)
    slot = g_steal_pointer (&self->waker);
  else
    for (link = &self->waiters; *link != NULL; link = &(*link)->next)
      if ((*link)->kind == WAITER_WAKER && (*link)->waker == waker)
        {
          found = *link;
          *link = found->next;
          break;
        }
  g_mutex_unlock (&self->lock);

  if (slot != NULL)
    isle_waker_unref (slot);
  if (found != NULL)
    waiter_free (found);
}

/**
 * isle_future_poll:
 * @self: a future
 * @waker: (transfer none): the polling task's waker
 * @value: (out) (transfer none) (nullable): the value, when ready, lent
 *   by the future as [func@Isle.await] lends it
 * @error: return location for a #GError
 *
 * The form of [func@Isle.await] for poll functions: if the future is ready,
 * returns %ISLE_POLL_READY with its value or error; otherwise arranges for
 * @waker to be woken when it is, and returns %ISLE_POLL_PENDING.
 *
 * Call it on the polling task's island thread.
 *
 * Returns: whether the future was ready
 *
 * Since: 0.1
 */
IslePoll
isle_future_poll (IsleFuture  *self,
                  IsleWaker   *waker,
                  gpointer    *value,
                  GError     **error)
{
  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (value != NULL, ISLE_POLL_READY);

  *value = NULL;
  if (!isle_future_is_finished (self))
    {
      add_waker (self, waker);
      if (!isle_future_is_finished (self))
        return ISLE_POLL_PENDING;
    }

  *value = isle_future_get_value (self, error);
  return ISLE_POLL_READY;
}

/* An aborted task gave up awaiting @future. If nobody else waits for it
 * and nobody holds it but the awaiting task (the caller's reference and
 * the await's own) and its producer (a promise, a GIO callback's
 * reference), the work behind it is pointless: cancel it, so a blocking
 * job's GCancellable and a GIO operation's are cancelled and their
 * threads stop, as g_task_run_in_thread() passes the caller's. */
#define ISLE_AWAIT_HOLDERS 3

static void
cancel_if_abandoned (IsleFuture *future)
{
  gboolean abandoned;

  g_mutex_lock (&future->lock);
  abandoned = future->waker == NULL && future->waiters == NULL &&
              g_atomic_int_get ((gint *) &future->ref_count) <= ISLE_AWAIT_HOLDERS;
  g_mutex_unlock (&future->lock);

  if (abandoned && !isle_future_is_finished (future))
    isle_future_cancel (future);
}

/**
 * isle_await:
 * @future: (transfer none): a future
 * @error: return location for a #GError
 *
 * Suspends the running fiber task until @future is ready, and returns its
 * outcome. If the task is aborted meanwhile, this returns
 * %G_IO_ERROR_CANCELLED; the future is then cancelled too
 * ([method@Isle.Future.cancel]) if nobody else awaits or holds it (its
 * producer aside: the promise, the GIO callback's reference), so that the
 * work behind it stops: a blocking job sees its #GCancellable cancelled, a
 * GIO call made with [method@Isle.Future.get_cancellable] stops. Hold
 * another reference to keep a future's work going past an abort.
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * The value is lent, not handed over: the future keeps it for everyone
 * else who waits for it (see [struct@Isle.Future]). A task's future lends
 * it too, until the task is joined.
 *
 * Returns: (transfer none) (nullable): the value, valid while you hold a
 *   reference to @future; or %NULL with @error set
 *
 * Since: 0.1
 */
gpointer
isle_await (IsleFuture  *future,
            GError     **error)
{
  IsleTask *task;
  gboolean registered = FALSE;
  gpointer value;

  g_return_val_if_fail (future != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  task = _isle_task_require_fiber (G_STRFUNC, error);
  if (task == NULL)
    return NULL;

  _isle_task_check_borrows (task, G_STRFUNC, __builtin_return_address (0));

  /* Held while suspended: whoever else owns the future may drop it. */
  isle_future_ref (future);
  while (!isle_future_is_finished (future))
    {
      /* Park wakes spuriously (a wake meant for something else); the
       * waker stays registered across those. */
      if (!registered)
        {
          add_waker (future, (IsleWaker *) task);
          registered = TRUE;
          continue;
        }
      if (!_isle_task_park_on (task, &_isle_wait_future, future, error))
        {
          _isle_future_remove_waker (future, (IsleWaker *) task);
          cancel_if_abandoned (future);
          isle_future_unref (future);
          return NULL;
        }
    }
  value = isle_future_get_value (future, error);
  isle_future_unref (future);

  /* Still valid: the caller holds a reference. */
  return value;
}

/* Blocking a plain thread ----------------------------------------------- */

/* Shared by the waiting thread and the future's waiter, which may outlive
 * the wait (a cancelled wait leaves it registered). */
typedef struct
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  GCond            cond;
  gboolean         woken;      /* protected by lock */
} BlockedWait;

static BlockedWait *
blocked_wait_ref (BlockedWait *wait)
{
  g_atomic_ref_count_inc (&wait->ref_count);
  return wait;
}

static void
blocked_wait_unref (gpointer data)
{
  BlockedWait *wait = data;

  if (!g_atomic_ref_count_dec (&wait->ref_count))
    return;

  g_mutex_clear (&wait->lock);
  g_cond_clear (&wait->cond);
  g_free (wait);
}

static void
blocked_wait_wake (gpointer data)
{
  BlockedWait *wait = data;

  g_mutex_lock (&wait->lock);
  wait->woken = TRUE;
  g_cond_broadcast (&wait->cond);
  g_mutex_unlock (&wait->lock);
}

static void
blocked_wait_settled (IsleFuture *future,
                      gpointer    data)
{
  blocked_wait_wake (data);
}

static void
blocked_wait_cancelled (GCancellable *cancellable,
                        gpointer      data)
{
  blocked_wait_wake (data);
}

/* How long a plain thread watches a future before it goes to sleep on
 * it. An island settles the futures of remote spawns microseconds apart,
 * and putting the waiting thread to sleep and waking it again costs both
 * threads a system call and the waiter a trip through the scheduler
 * (tens of microseconds on a virtual machine): a spawn_remote round trip
 * was a third faster with the wait watching first. Only with a second
 * processor, on which the island can make progress meanwhile; and the
 * watch yields the processor between looks, or a thread waiting for a
 * pool's results took a core from the pool's own threads (pool_scaling's
 * speedup fell from 1.8 to 1.2). */
#define WAIT_SPIN_USEC 50
#define WAIT_SPIN_PAUSES 64

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield" ::: "memory");
#else
  __asm__ __volatile__ ("" ::: "memory");
#endif
}

static void
wait_spin (IsleFuture *self)
{
  static int n_processors;   /* (atomic) 0 until first read */
  gint64 until;
  int n = g_atomic_int_get (&n_processors);

  if (n == 0)
    {
      n = (int) g_get_num_processors ();
      g_atomic_int_set (&n_processors, n);
    }
  if (n < 2)
    return;

  until = g_get_monotonic_time () + WAIT_SPIN_USEC;
  do
    {
      for (guint i = 0; i < WAIT_SPIN_PAUSES; i++)
        cpu_relax ();
      /* A thread that would run here (a worker of the same pool, say)
       * goes first: the watch only uses a processor nobody else wants. */
      sched_yield ();
      if (isle_future_is_finished (self))
        return;
    }
  while (g_get_monotonic_time () < until);
}

/**
 * isle_future_wait:
 * @self: a future
 * @cancellable: (nullable): stops the wait early
 * @error: return location for a #GError
 *
 * Blocks the calling thread until @self is ready, and returns its outcome:
 * for worker threads, and for tests, that need a result from an island
 * ([method@Isle.LocalSet.spawn_remote]) and have no island of their own to
 * await it on.
 *
 * Call it on a plain thread: one that is not running a task and has no
 * island entered. Inside a task it would block the island's thread, and
 * every other task on it, possibly for ever; that is a programming error,
 * reported with a critical that names [func@Isle.await], which suspends only
 * the task. The call then fails with %ISLE_ERROR_WOULD_DEADLOCK.
 *
 * If @cancellable is cancelled first, the wait fails with
 * %G_IO_ERROR_CANCELLED and the future is left alone.
 *
 * On a machine with more than one processor the thread watches the future
 * for up to 50 µs before it goes to sleep on it: an island usually settles
 * the result of a small task sooner than a sleeping thread can be woken.
 *
 * Safe to call from any plain thread.
 *
 * Returns: (transfer none) (nullable): the value, valid while you hold a
 *   reference to @self; or %NULL with @error set
 *
 * Since: 0.2
 */
gpointer
isle_future_wait (IsleFuture    *self,
                  GCancellable  *cancellable,
                  GError       **error)
{
  IsleThreadState *thread;
  BlockedWait *wait;
  gulong handler = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  thread = _isle_thread_state_get ();
  if (G_UNLIKELY (thread->current_task != NULL || thread->entered != NULL))
    {
      g_critical ("%s() called on an island's thread (%s), in %s: blocking "
                  "there stops every task of the island, and the future may "
                  "need one of them to settle. Use isle_await() in a fiber "
                  "task, isle_future_poll() in a poll task, or "
                  "isle_future_then() in plain code",
                  G_STRFUNC, _isle_thread_describe_self (),
                  thread->current_task != NULL ? "a task" : "an entered island");
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK,
                   "%s() would block an island's thread", G_STRFUNC);
      return NULL;
    }

  if (!isle_future_is_finished (self))
    wait_spin (self);

  if (!isle_future_is_finished (self))
    {
      wait = g_new0 (BlockedWait, 1);
      g_atomic_ref_count_init (&wait->ref_count);
      g_mutex_init (&wait->lock);
      g_cond_init (&wait->cond);

      _isle_future_add_settle_notify (self, blocked_wait_settled,
                                      blocked_wait_ref (wait), blocked_wait_unref);
      if (cancellable != NULL)
        handler = g_cancellable_connect (cancellable, G_CALLBACK (blocked_wait_cancelled),
                                         blocked_wait_ref (wait), blocked_wait_unref);

      g_mutex_lock (&wait->lock);
      while (!wait->woken)
        g_cond_wait (&wait->cond, &wait->lock);
      g_mutex_unlock (&wait->lock);

      /* Outside the lock: a handler running now takes it. */
      if (handler != 0)
        g_cancellable_disconnect (cancellable, handler);
      blocked_wait_unref (wait);
    }

  if (!isle_future_is_finished (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "The wait for the future was cancelled");
      return NULL;
    }

  return isle_future_get_value (self, error);
}

/* Private hooks for the GIO and GObject bridges ------------------------- */

void
_isle_future_set_origin (IsleFuture             *future,
                         const IsleFutureOrigin *origin,
                         gconstpointer           data,
                         gint64                  value)
{
  future->origin = origin;
  future->origin_data = data;
  future->origin_value = value;
}

const IsleFutureOrigin *
_isle_future_get_origin (IsleFuture     *future,
                         gconstpointer  *data,
                         gint64         *value)
{
  *data = future->origin_data;
  *value = future->origin_value;
  return future->origin;
}

guint
_isle_future_get_n_children (IsleFuture *future)
{
  return future->children != NULL ? future->children->len : 0;
}

IsleFuture *
_isle_future_get_child (IsleFuture *future,
                        guint       index)
{
  return g_ptr_array_index (future->children, index);
}

void
_isle_future_add_settle_notify (IsleFuture             *future,
                                IsleFutureSettleNotify  notify,
                                gpointer                data,
                                GDestroyNotify          destroy)
{
  Waiter *waiter = g_new0 (Waiter, 1);

  waiter->kind = WAITER_INTERNAL;
  waiter->internal = notify;
  waiter->data = data;
  waiter->data_destroy = destroy;
  future_add_waiter (future, waiter);
}

/* Like _isle_future_add_settle_notify(), but @notify is told before every
 * other waiter, those added already included (isle_future_all() fills its
 * value array in this way before anyone hears of the future). Waiters are
 * kept newest first and told oldest first, so it goes at the far end. */
void
_isle_future_add_settle_notify_first (IsleFuture             *future,
                                      IsleFutureSettleNotify  notify,
                                      gpointer                data,
                                      GDestroyNotify          destroy)
{
  Waiter *waiter = g_new0 (Waiter, 1);
  Waiter **oldest;

  waiter->kind = WAITER_INTERNAL;
  waiter->internal = notify;
  waiter->data = data;
  waiter->data_destroy = destroy;

  g_mutex_lock (&future->lock);
  if (future->state == ISLE_FUTURE_PENDING)
    {
      for (oldest = &future->waiters; *oldest != NULL; oldest = &(*oldest)->next)
        ;
      *oldest = waiter;
      g_mutex_unlock (&future->lock);
      return;
    }
  g_mutex_unlock (&future->lock);

  notify_waiter (future, waiter);
}

/* Takes the value out of a resolved future, for a join of the task whose
 * future it is: the caller owns the value from then on, and the future
 * reads as resolved with %NULL. A rejected future keeps its error and
 * gives a copy. */
gpointer
_isle_future_take_value (IsleFuture  *self,
                         GError     **error)
{
  gpointer value = NULL;

  g_mutex_lock (&self->lock);
  g_assert (self->state != ISLE_FUTURE_PENDING);
  if (self->state == ISLE_FUTURE_REJECTED)
    g_propagate_error (error, g_error_copy (self->error));
  else
    {
      value = g_atomic_pointer_get (&self->value);
      g_atomic_pointer_set (&self->value, NULL);
      self->value_destroy = NULL;
    }
  g_mutex_unlock (&self->lock);

  return value;
}

/* Settles the future from the outside, for work that runs elsewhere
 * (blocking jobs): isle_future_cancel() also cancels @cancellable, so the
 * work in flight sees it. Set it once, before the future is handed out. */
void
_isle_future_set_cancellable (IsleFuture   *self,
                              GCancellable *cancellable)
{
  g_assert (self != NULL);
  g_assert (G_IS_CANCELLABLE (cancellable));

  g_mutex_lock (&self->lock);
  g_assert (self->cancellable == NULL);
  self->cancellable = g_object_ref (cancellable);
  g_mutex_unlock (&self->lock);
}

/* The cancellable set with _isle_future_set_cancellable(), or NULL; it
 * never changes once set. */
GCancellable *
_isle_future_get_cancellable (IsleFuture *self)
{
  GCancellable *cancellable;

  g_mutex_lock (&self->lock);
  cancellable = self->cancellable;
  g_mutex_unlock (&self->lock);
  return cancellable;
}

/* Attaches @hooks (static) to a future nobody else has seen yet. */
void
_isle_future_set_hooks (IsleFuture            *self,
                        const IsleFutureHooks *hooks,
                        gpointer               data)
{
  g_assert (self->hooks == NULL);
  self->hooks = hooks;
  self->hooks_data = data;
}

/* The data given with @hooks, or NULL if the future has other hooks or
 * none; a cheap test of what a future is. */
gpointer
_isle_future_get_hooks_data (IsleFuture            *self,
                             const IsleFutureHooks *hooks)
{
  return self->hooks == hooks ? self->hooks_data : NULL;
}

/* Takes a reference unless the last one is gone already (its
 * last_unref hook is then on the way); for owners that hold none. */
gboolean
_isle_future_try_ref (IsleFuture *self)
{
  gint *count = (gint *) &self->ref_count;
  gint old = g_atomic_int_get (count);

  while (old > 0)
    {
      if (g_atomic_int_compare_and_exchange_full (count, old, old + 1, &old))
        return TRUE;
    }
  return FALSE;
}
