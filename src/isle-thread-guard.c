/* isle-thread-guard.c: a value that only its owner thread may touch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-thread-guard.h"
#include "isle-owner-private.h"

/**
 * IsleThreadGuard:
 *
 * A value that only its owner thread may touch: the C counterpart of
 * glib-rs's `ThreadGuard`. The thread that creates a guard owns it; the
 * guard itself is reference counted and may be passed to, kept by and
 * released on any thread, but its value is handed out only on the owner
 * thread.
 *
 * Use a guard when a value that is not thread-safe must travel through
 * code that may run on another thread: a widget pointer, or a handle of a
 * C library that is not thread-safe, captured by a closure that a worker
 * thread runs or drops. The worker cannot reach the value by mistake
 * ([method@Isle.ThreadGuard.get] on it aborts with a message that names both
 * threads), and when the worker drops the last reference the value is not
 * destroyed there: its destroy notify is sent to the owner's
 * #GMainContext and runs on the owner thread.
 *
 * |[<!-- language="C" -->
 * static gboolean
 * show_text (gpointer user_data)              // on the UI thread
 * {
 *   Reply *reply = user_data;
 *
 *   gtk_label_set_text (isle_thread_guard_get (reply->label), reply->text);
 *   return G_SOURCE_REMOVE;
 * }
 *
 * static gpointer
 * fetch_thread (gpointer user_data)           // on a worker thread
 * {
 *   g_autoptr(IsleThreadGuard) label = user_data;
 *   char *text = fetch_text ();               // slow and blocking
 *   Reply *reply;
 *
 *   // Dropping the guard here releases the label on the UI thread.
 *   if (text == NULL)
 *     return NULL;
 *
 *   reply = reply_new (g_steal_pointer (&label), text);
 *   g_idle_add_full (G_PRIORITY_DEFAULT, show_text, reply, reply_free);
 *   return NULL;
 * }
 *
 *   // On the UI thread:
 *   label = isle_thread_guard_new (g_object_ref (widget), g_object_unref);
 *   g_thread_unref (g_thread_new ("fetch", fetch_thread, label));
 * ]|
 *
 * A destroy notify sent to the owner runs only when the owner's context
 * is next iterated on the owner thread; a GTK application's main loop
 * does that all the time, other programs must keep iterating the context.
 *
 * Within one island, state that tasks share needs no guard, since they all
 * run on the island's thread; see [struct@Isle.Cell] for that.
 *
 * Since: 0.1
 */

struct _IsleThreadGuard
{
  gatomicrefcount   ref_count;           /* (atomic) */
  gpointer          data;                /* (owned) (nullable) owner thread only */
  GDestroyNotify    destroy;             /* owner thread only; NULL once stolen */
  IsleOwner         owner;
  GMainContext     *context;             /* (owned) where a release on another
                                          * thread sends the destroy notify;
                                          * NULL once it is sent */
};

G_DEFINE_BOXED_TYPE (IsleThreadGuard, isle_thread_guard,
                     isle_thread_guard_ref, isle_thread_guard_unref)

static inline gboolean
is_owner_thread (IsleThreadGuard *self)
{
  return _isle_owner_is_current (&self->owner);
}

static inline void
check_thread (IsleThreadGuard *self,
              const char      *function)
{
  ISLE_OWNER_CHECK (&self->owner, function, "IsleThreadGuard", self,
                    "its value may be touched only on the thread that "
                    "created the guard. Send the work to that thread instead: "
                    "attach an idle source to its context %p, call "
                    "g_main_context_invoke() on that context while the owner "
                    "iterates it, or wake a task's IsleWaker there; "
                    "isle_thread_guard_is_owner() tells whether you are on it",
                    (gpointer) self->context);
}

/* Destroys the value (unless it was stolen) and frees the guard. Runs on
 * the owner thread, or on any thread when there is nothing to destroy. */
static void
guard_free (IsleThreadGuard *self)
{
  if (self->destroy != NULL)
    self->destroy (g_steal_pointer (&self->data));
  g_clear_pointer (&self->context, g_main_context_unref);
  _isle_owner_clear (&self->owner);
  g_free (self);
}

static gboolean
release_on_owner_cb (gpointer user_data)
{
  /* The work is in release_on_owner_notify(), which also runs when the
   * source is destroyed without being dispatched. */
  return G_SOURCE_REMOVE;
}

/* The callback data's destroy notify of the source a release on another
 * thread attached to the owner's context. It runs where the source is
 * destroyed: after its dispatch, on the thread that iterates the context,
 * or when the context is finalized, on the thread that drops its last
 * reference. */
static void
release_on_owner_notify (gpointer user_data)
{
  IsleThreadGuard *self = user_data;

  if (G_UNLIKELY (self->destroy != NULL && !is_owner_thread (self)))
    {
      /* Running the destroy notify here is what the guard exists to
       * prevent, so the value is leaked instead. */
      g_critical ("The value of IsleThreadGuard %p, released on another "
                  "thread, was to be destroyed on its owner thread %s, but "
                  "the guard's context was iterated or finalized on thread "
                  "%s: the value is leaked. Iterate a guard's context on "
                  "the thread that created the guard, and keep it alive "
                  "until the guard is gone",
                  (gpointer) self, self->owner.description,
                  _isle_thread_describe_self ());
      self->destroy = NULL;
    }

  guard_free (self);
}

/* The last reference went on a thread that does not own the value. */
static void
send_to_owner (IsleThreadGuard *self)
{
  GMainContext *context;
  GSource *source;

  /* Not g_main_context_invoke_full(): when no thread holds the context at
   * that moment, it acquires it and runs the function right here, on the
   * wrong thread. An attached source runs only where the context is
   * iterated. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[isle-thread-guard]");
  g_source_set_callback (source, release_on_owner_cb, self,
                         release_on_owner_notify);
  /* The source does not keep the context alive, and the guard must not
   * either: a context its owner drops without iterating it again destroys
   * the source when it is finalized, and so the value, on the owner
   * thread. From here on the guard may be gone: the owner may have
   * dispatched the source as soon as it was attached. */
  context = g_steal_pointer (&self->context);
  g_source_attach (source, context);
  g_source_unref (source);
  g_main_context_unref (context);
}

static IsleThreadGuard *
guard_new (GMainContext   *context,
           gpointer        data,
           GDestroyNotify  destroy)
{
  IsleThreadGuard *self;

  self = g_new0 (IsleThreadGuard, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->data = data;
  self->destroy = destroy;
  _isle_owner_init (&self->owner);
  self->context = context;

  return self;
}

/**
 * isle_thread_guard_new:
 * @data: (transfer full) (nullable): the value to guard, such as a widget
 * @destroy: (nullable): releases @data when the last reference goes, on
 *   the owner thread
 *
 * Creates a guard that holds @data, owned by the calling thread. A release
 * of the last reference on another thread sends @destroy to the calling
 * thread's thread-default main context (see
 * g_main_context_ref_thread_default()), which must be iterated on this
 * thread for it to run.
 *
 * Call it on the thread that owns @data; that thread becomes the owner.
 *
 * Returns: (transfer full): a new guard; release it with
 *   [method@Isle.ThreadGuard.unref]
 *
 * Since: 0.1
 */
IsleThreadGuard *
isle_thread_guard_new (gpointer       data,
                       GDestroyNotify destroy)
{
  return guard_new (g_main_context_ref_thread_default (), data, destroy);
}

/**
 * isle_thread_guard_new_for_context:
 * @context: (nullable) (transfer none): the context that the calling
 *   thread iterates, to which a release on another thread sends @destroy;
 *   %NULL for the global default context
 * @data: (transfer full) (nullable): the value to guard
 * @destroy: (nullable): releases @data when the last reference goes, on
 *   the owner thread
 *
 * Creates a guard that holds @data, owned by the calling thread, like
 * [ctor@Isle.ThreadGuard.new], for a thread that iterates a context other than
 * its thread-default one. @context must be iterated on the calling thread
 * for a destroy notify sent to it to run: one that is dispatched on
 * another thread, or one finalized on another thread before it was
 * dispatched, leaks the value with a critical rather than destroy it on
 * the wrong thread.
 *
 * Call it on the thread that owns @data; that thread becomes the owner.
 *
 * Returns: (transfer full): a new guard; release it with
 *   [method@Isle.ThreadGuard.unref]
 *
 * Since: 0.1
 */
IsleThreadGuard *
isle_thread_guard_new_for_context (GMainContext   *context,
                                   gpointer        data,
                                   GDestroyNotify  destroy)
{
  if (context == NULL)
    context = g_main_context_default ();

  return guard_new (g_main_context_ref (context), data, destroy);
}

/**
 * isle_thread_guard_ref:
 * @self: a guard
 *
 * Takes another reference to the guard, for instance for a closure that
 * may run on another thread. It does not touch the value.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleThreadGuard *
isle_thread_guard_ref (IsleThreadGuard *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * isle_thread_guard_unref:
 * @self: (transfer full): a guard
 *
 * Drops a reference to the guard. The last one destroys the value, with
 * the destroy notify given at creation, on the owner thread: right away
 * when it is dropped there, and otherwise when the owner's context is next
 * iterated on the owner thread, which must happen for the value to be
 * destroyed. A value that was taken out with [method@Isle.ThreadGuard.steal]
 * is not destroyed.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_thread_guard_unref (IsleThreadGuard *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* With nothing to destroy, there is nothing the owner must do. The last
   * reference also orders every write the other threads made before their
   * release before this read of the destroy notify. */
  if (is_owner_thread (self) || self->destroy == NULL)
    guard_free (self);
  else
    send_to_owner (self);
}

/**
 * isle_thread_guard_get:
 * @self: a guard
 *
 * Returns the guarded value. On any thread but the owner this aborts the
 * program with a message that names the owner's thread and the caller's:
 * send the work to the owner thread instead, with g_main_context_invoke()
 * or an idle source on its context, or by waking a task of an island on
 * that thread.
 *
 * Call it on the owner thread.
 *
 * Returns: (transfer none) (nullable): the value, which stays owned by the
 *   guard; %NULL once it was taken with [method@Isle.ThreadGuard.steal]
 *
 * Since: 0.1
 */
gpointer
isle_thread_guard_get (IsleThreadGuard *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  check_thread (self, G_STRFUNC);
  return self->data;
}

/**
 * isle_thread_guard_steal:
 * @self: a guard
 *
 * Takes the value out of the guard: the caller owns it from now on, and
 * the guard's destroy notify will not be called. Later calls to
 * [method@Isle.ThreadGuard.get] and [method@Isle.ThreadGuard.steal] return
 * %NULL. On any thread but the owner this aborts the program, as
 * [method@Isle.ThreadGuard.get] does.
 *
 * Call it on the owner thread.
 *
 * Returns: (transfer full) (nullable): the value; %NULL if it was taken
 *   already
 *
 * Since: 0.1
 */
gpointer
isle_thread_guard_steal (IsleThreadGuard *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  check_thread (self, G_STRFUNC);
  self->destroy = NULL;
  return g_steal_pointer (&self->data);
}

/**
 * isle_thread_guard_is_owner:
 * @self: a guard
 *
 * Tells whether the calling thread owns the guard, that is, whether
 * [method@Isle.ThreadGuard.get] may be called here.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE on the thread that created the guard
 *
 * Since: 0.1
 */
gboolean
isle_thread_guard_is_owner (IsleThreadGuard *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return is_owner_thread (self);
}
