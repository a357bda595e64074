/* isle-gobject.c: signals as futures, tasks bound to objects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-gobject.h"
#include "isle-diagnostics-private.h"
#include "isle-future-private.h"
#include "isle-local-set-private.h"
#include "isle-spawn-private.h"
#include "isle-task-private.h"

/* Signal arguments -------------------------------------------------------- */

/**
 * IsleSignalArgs:
 *
 * The arguments of one signal emission, copied when the signal was
 * emitted: the value of a future made by [ctor@Isle.Future.new_for_signal]. The
 * emitting instance is not among them.
 *
 * Values of type %G_TYPE_POINTER are copied as bare pointers: what they
 * point to is usually valid only during the emission. Boxed, object,
 * string and variant values are copied or referenced, and stay valid for
 * as long as the arguments.
 *
 * Since: 0.1
 */
struct _IsleSignalArgs
{
  gatomicrefcount ref_count;
  guint           n_values;
  GValue          values[];   /* (owned) n_values of them */
};

G_DEFINE_BOXED_TYPE (IsleSignalArgs, isle_signal_args, isle_signal_args_ref, isle_signal_args_unref)

static IsleSignalArgs *
signal_args_new (guint         n_values,
                 const GValue *values)
{
  IsleSignalArgs *self;
  guint i;

  self = g_malloc0 (sizeof (IsleSignalArgs) + n_values * sizeof (GValue));
  g_atomic_ref_count_init (&self->ref_count);
  self->n_values = n_values;
  for (i = 0; i < n_values; i++)
    {
      g_value_init (&self->values[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &self->values[i]);
    }

  return self;
}

/**
 * isle_signal_args_ref:
 * @self: signal arguments
 *
 * Takes a reference to the arguments.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleSignalArgs *
isle_signal_args_ref (IsleSignalArgs *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * isle_signal_args_unref:
 * @self: (transfer full): signal arguments
 *
 * Drops a reference to the arguments; the last one unsets the values.
 *
 * Safe to call from any thread, as far as the values' types allow.
 *
 * Since: 0.1
 */
void
isle_signal_args_unref (IsleSignalArgs *self)
{
  guint i;

  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (i = 0; i < self->n_values; i++)
    g_value_unset (&self->values[i]);
  g_free (self);
}

/**
 * isle_signal_args_get_n_values:
 * @self: signal arguments
 *
 * Gets how many arguments the signal had, not counting the emitting
 * instance.
 *
 * Safe to call from any thread.
 *
 * Returns: the number of arguments
 *
 * Since: 0.1
 */
guint
isle_signal_args_get_n_values (IsleSignalArgs *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_values;
}

/**
 * isle_signal_args_get:
 * @self: signal arguments
 * @index: which argument, from 0 for the first after the instance
 *
 * Gets one argument of the emission.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer none): the argument, valid while you hold @self (or
 *   the future whose value it is)
 *
 * Since: 0.1
 */
const GValue *
isle_signal_args_get (IsleSignalArgs *self,
                      guint           index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_values, NULL);

  return &self->values[index];
}

/* Signal futures ---------------------------------------------------------- */

/* One closure per signal future. The signal connection holds one
 * reference, the future another (through its settle notify); the future
 * holds none of the closure's, so a future dropped unready disconnects the
 * handler at once. Detaching (emission, cancellation, the future freed,
 * the object disposed) removes the handler and the weak reference
 * together, whichever comes first. */
typedef struct
{
  GClosure    closure;
  IsleFuture *future;            /* (unowned) (nullable) while pending */
  GObject    *instance;          /* (unowned) (nullable) weakly referenced */
  gulong      handler_id;
  char       *detailed_signal;   /* (owned) */
} SignalClosure;

static void signal_closure_disposed (gpointer  data,
                                     GObject  *where_the_object_was);

static void
signal_closure_detach (SignalClosure *self)
{
  GObject *instance = g_steal_pointer (&self->instance);
  gulong handler_id = self->handler_id;

  self->future = NULL;
  self->handler_id = 0;
  if (instance == NULL)
    return;

  /* Disposing the instance destroys its handlers before weak references
   * are notified, so the handler may be gone already. */
  if (handler_id != 0 && g_signal_handler_is_connected (instance, handler_id))
    g_signal_handler_disconnect (instance, handler_id);
  g_object_weak_unref (instance, signal_closure_disposed, self);
}

static void
signal_closure_settled (IsleFuture *future,
                        gpointer    data)
{
  signal_closure_detach (data);
}

static void
signal_closure_release (gpointer data)
{
  signal_closure_detach (data);
  g_closure_unref (data);
}

static void
signal_closure_finalize (gpointer  data,
                         GClosure *closure)
{
  SignalClosure *self = (SignalClosure *) closure;

  g_free (self->detailed_signal);
}

static void
signal_closure_disposed (gpointer  data,
                         GObject  *where_the_object_was)
{
  SignalClosure *self = data;
  g_autoptr(IsleFuture) future = NULL;

  /* The weak reference is spent; detach must not remove it again. */
  self->instance = NULL;
  if (self->handler_id != 0 &&
      g_signal_handler_is_connected (where_the_object_was, self->handler_id))
    g_signal_handler_disconnect (where_the_object_was, self->handler_id);
  self->handler_id = 0;

  if (self->future == NULL)
    return;

  future = isle_future_ref (self->future);
  _isle_future_settle (future, NULL, NULL,
                       g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                    "The object was finalized before it "
                                    "emitted “%s”",
                                    self->detailed_signal));
}

static void
signal_closure_marshal (GClosure     *closure,
                        GValue       *return_value,
                        guint         n_param_values,
                        const GValue *param_values,
                        gpointer      invocation_hint,
                        gpointer      marshal_data)
{
  SignalClosure *self = (SignalClosure *) closure;
  g_autoptr(IsleFuture) future = NULL;
  IsleSignalArgs *args;

  /* A second emission racing the first one's disconnect. */
  if (self->future == NULL)
    return;

  g_assert (n_param_values >= 1);
  future = isle_future_ref (self->future);
  args = signal_args_new (n_param_values - 1, param_values + 1);
  if (!_isle_future_settle (future, args, (GDestroyNotify) isle_signal_args_unref, NULL))
    isle_signal_args_unref (args);

  /* @return_value stays as GLib initialised it: zero, FALSE or NULL. */
}

/**
 * isle_future_new_for_signal:
 * @instance: (type GObject.Object): the object that emits the signal
 * @detailed_signal: a signal name, as "clicked" or "notify::label"
 *
 * Creates a future for the next emission of a signal, resolved with its
 * arguments as [struct@Isle.SignalArgs]:
 *
 * |[<!-- language="C" -->
 * g_autoptr(IsleFuture) response = isle_future_new_for_signal (dialog, "response");
 * IsleSignalArgs *args = isle_await (response, error);
 *
 * if (args != NULL && g_value_get_int (isle_signal_args_get (args, 0)) == GTK_RESPONSE_ACCEPT)
 *   save_document (self);
 * ]|
 *
 * The handler is connected at once (emissions before the future is
 * awaited count) and disconnected as soon as the future is ready: after
 * the first emission; when the future is cancelled with
 * [method@Isle.Future.cancel] or dropped unready; or when @instance is
 * disposed, which rejects the future with %G_IO_ERROR_CLOSED. No handler
 * outlives the future, and the future holds no reference to @instance.
 *
 * The handler does not take part in the signal's return value: a signal
 * that returns something (a boolean "handled", say) gets the type's
 * default, zero or %NULL, from it, as from a handler that did nothing.
 *
 * Call it, emit the signal, cancel and drop the future on the thread that
 * owns @instance.
 *
 * A signal that objects of @instance's type do not have is a mistake: it
 * gets a critical, and the future returned is already rejected with
 * %G_IO_ERROR_INVALID_ARGUMENT.
 *
 * Returns: (transfer full): a pending future for the next emission
 *
 * Since: 0.2
 */
IsleFuture *
isle_future_new_for_signal (gpointer    instance,
                            const char *detailed_signal)
{
  SignalClosure *self;
  GClosure *closure;
  IsleFuture *future;
  guint signal_id;
  GQuark detail;

  g_return_val_if_fail (G_IS_OBJECT (instance), NULL);
  g_return_val_if_fail (detailed_signal != NULL, NULL);

  /* A future is always returned: a binding's typo gets a rejected one,
   * never a NULL where the annotation promises a future. */
  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (instance),
                            &signal_id, &detail, TRUE))
    {
      g_critical ("%s(): objects of type %s have no signal “%s”",
                  G_STRFUNC, G_OBJECT_TYPE_NAME (instance), detailed_signal);
      return isle_future_new_for_error (g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                     "Objects of type %s have no signal “%s”",
                                                     G_OBJECT_TYPE_NAME (instance),
                                                     detailed_signal));
    }

  future = _isle_future_new ();
  _isle_future_set_origin (future, &_isle_origin_signal, GUINT_TO_POINTER (signal_id), 0);
  closure = g_closure_new_simple (sizeof (SignalClosure), NULL);
  self = (SignalClosure *) closure;
  self->future = future;
  self->instance = instance;
  self->detailed_signal = g_strdup (detailed_signal);
  g_closure_set_marshal (closure, signal_closure_marshal);
  g_closure_add_finalize_notifier (closure, NULL, signal_closure_finalize);

  /* The connection sinks the floating reference; the future takes one. */
  self->handler_id = g_signal_connect_closure_by_id (instance, signal_id, detail,
                                                     closure, FALSE);
  g_object_weak_ref (instance, signal_closure_disposed, self);
  _isle_future_add_settle_notify (future, signal_closure_settled,
                                  g_closure_ref (closure), signal_closure_release);

  return future;
}

/* Tasks bound to objects ------------------------------------------------- */

/* The task's user data: the binding lives exactly as long as the task
 * (the island releases it when the task finishes), which is when the weak
 * reference goes if the object is still there. */
typedef struct
{
  union
  {
    IsleTaskFunc  func;               /* a fiber task's body */
    IslePollFunc  poll;               /* a poll task's poll function */
  };
  gpointer        user_data;          /* (owned) */
  GDestroyNotify  user_data_destroy;
  GObject        *object;             /* (unowned) (nullable) weakly referenced */
  IsleTask       *task;               /* (unowned) valid until it finishes */
} ObjectBinding;

static gpointer
object_binding_run (gpointer   data,
                    GError   **error)
{
  ObjectBinding *binding = data;

  return binding->func (binding->user_data, error);
}

static IslePoll
object_binding_poll (gpointer    data,
                     IsleWaker  *waker,
                     gpointer   *result,
                     GError    **error)
{
  ObjectBinding *binding = data;

  return binding->poll (binding->user_data, waker, result, error);
}

static void
object_binding_disposed (gpointer  data,
                         GObject  *where_the_object_was)
{
  ObjectBinding *binding = data;
  IsleLocalSet *island = _isle_task_get_island (binding->task);

  binding->object = NULL;
  if (G_UNLIKELY (!_isle_local_set_is_owner_thread (island)))
    {
      g_critical ("An object bound to task %" G_GUINT64_FORMAT " with "
                  "isle_spawn_local_for_object() was disposed on another "
                  "thread than the task's island; the task cannot be "
                  "aborted from there and keeps running",
                  binding->task->id);
      return;
    }
  _isle_task_abort (binding->task);
}

static void
object_binding_free (gpointer data)
{
  ObjectBinding *binding = data;

  if (binding->object != NULL)
    g_object_weak_unref (binding->object, object_binding_disposed, binding);
  if (binding->user_data_destroy != NULL)
    binding->user_data_destroy (binding->user_data);
  g_free (binding);
}

/* Spawns the task that @spec describes on the current island, bound to
 * @object: its body (or poll function) and data go into the binding,
 * which the task runs instead. */
static IsleJoinHandle *
spawn_for_object (const char          *function,
                  gpointer             object,
                  const IsleSpawnArgs *spec)
{
  IsleSpawnArgs args = *spec;
  ObjectBinding *binding;
  IsleTask *task;

  /* The public functions checked their arguments. */
  args.island = _isle_spawn_require_island (function);
  _isle_local_set_check_thread (args.island, function);

  binding = g_new0 (ObjectBinding, 1);
  if (spec->kind == ISLE_TASK_KIND_POLL)
    {
      binding->poll = spec->poll;
      args.poll = object_binding_poll;
    }
  else
    {
      binding->func = spec->func;
      args.func = object_binding_run;
    }
  binding->user_data = spec->user_data;
  binding->user_data_destroy = spec->user_data_destroy;
  binding->object = object;

  args.user_data = binding;
  args.user_data_destroy = object_binding_free;

  /* The task starts when the island next runs, never inside this call:
   * the binding is complete before it can finish. */
  task = _isle_spawn (&args);
  binding->task = task;
  g_object_weak_ref (object, object_binding_disposed, binding);

  return (IsleJoinHandle *) task;
}

/**
 * isle_spawn_local_for_object:
 * @object: (type GObject.Object): the object whose lifetime bounds the task
 * @func: (scope notified) (not nullable): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the task has finished
 *
 * Spawns a fiber task on the current island, as [func@Isle.spawn_local] does,
 * and aborts it when @object is disposed: closing a window stops the
 * tasks that work for it.
 *
 * The binding is a weak reference, so the task holds no reference to
 * @object. GLib notifies weak references when the object is disposed:
 * when its last reference goes (just before it is finalized), or when
 * g_object_run_dispose() runs, as gtk_window_destroy() does. The task is
 * aborted then (its cancellable is cancelled, and its pending and later
 * awaits return %G_IO_ERROR_CANCELLED) but runs to its end on the island,
 * later: by then the object may be finalized. A task that touches @object
 * after an await must check the await's error first, or hold a
 * [struct@GObject.WeakRef]. If the task finishes first, the weak reference
 * is removed with it, and the object's end concerns it no longer. A strong
 * reference to @object in @user_data keeps it alive as long as the task,
 * so that only g_object_run_dispose() would end it.
 *
 * Call it on the island's thread, and dispose @object on that thread too.
 *
 * Returns: (transfer full): the task's handle; dropping it detaches the
 *   task, which stays bound to @object
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_spawn_local_for_object (gpointer        object,
                             IsleTaskFunc    func,
                             gpointer        user_data,
                             GDestroyNotify  user_data_destroy)
{
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return spawn_for_object (G_STRFUNC, object, &(IsleSpawnArgs) {
    .kind = ISLE_TASK_KIND_FIBER,
    .priority = G_PRIORITY_DEFAULT,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .site = __builtin_return_address (0),
  });
}

/**
 * isle_spawn_local_for_object_full:
 * @object: (type GObject.Object): the object whose lifetime bounds the task
 * @name: (nullable): the task's name, for diagnostics
 * @priority: the GLib priority the task runs at
 * @stack_size: the fiber stack size, or 0 for the island's default
 * @func: (scope notified) (not nullable): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the task has finished
 * @result_destroy: (nullable): releases the task's result if nobody takes it
 *
 * The form of [func@Isle.spawn_local_for_object] with the options of
 * [func@Isle.spawn_local_full].
 *
 * Call it on the island's thread, and dispose @object on that thread too.
 *
 * Returns: (transfer full): the task's handle
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_spawn_local_for_object_full (gpointer        object,
                                  const char     *name,
                                  int             priority,
                                  gsize           stack_size,
                                  IsleTaskFunc    func,
                                  gpointer        user_data,
                                  GDestroyNotify  user_data_destroy,
                                  GDestroyNotify  result_destroy)
{
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (stack_size <= G_MAXUINT32, NULL);

  return spawn_for_object (G_STRFUNC, object, &(IsleSpawnArgs) {
    .kind = ISLE_TASK_KIND_FIBER,
    .name = name,
    .priority = priority,
    .stack_size = stack_size,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .result_destroy = result_destroy,
    .site = __builtin_return_address (0),
  });
}

/**
 * isle_spawn_local_poll_for_object:
 * @object: (type GObject.Object): the object whose lifetime bounds the task
 * @poll: (scope notified) (not nullable): the task's poll function
 * @state: (closure poll): data for @poll
 * @state_destroy: (nullable) (destroy state): releases @state when the
 *   task has finished
 *
 * Spawns a poll task on the current island, as
 * [func@Isle.spawn_local_poll] does, and aborts it when @object is
 * disposed, as [func@Isle.spawn_local_for_object] does for a fiber task.
 *
 * Call it on the island's thread, and dispose @object on that thread too.
 *
 * Returns: (transfer full): the task's handle
 *
 * Since: 0.2
 */
IsleJoinHandle *
isle_spawn_local_poll_for_object (gpointer        object,
                                  IslePollFunc    poll,
                                  gpointer        state,
                                  GDestroyNotify  state_destroy)
{
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (poll != NULL, NULL);

  return spawn_for_object (G_STRFUNC, object, &(IsleSpawnArgs) {
    .kind = ISLE_TASK_KIND_POLL,
    .priority = G_PRIORITY_DEFAULT,
    .poll = poll,
    .user_data = state,
    .user_data_destroy = state_destroy,
    .site = __builtin_return_address (0),
  });
}

/**
 * isle_spawn_local_poll_for_object_full:
 * @object: (type GObject.Object): the object whose lifetime bounds the task
 * @name: (nullable): the task's name, for diagnostics
 * @priority: the GLib priority the task runs at
 * @poll: (scope notified) (not nullable): the task's poll function
 * @state: (closure poll): data for @poll
 * @state_destroy: (nullable) (destroy state): releases @state when the
 *   task has finished
 * @result_destroy: (nullable): releases the task's result if nobody takes it
 *
 * The form of [func@Isle.spawn_local_poll_for_object] with the options of
 * [func@Isle.spawn_local_poll_full].
 *
 * Call it on the island's thread, and dispose @object on that thread too.
 *
 * Returns: (transfer full): the task's handle
 *
 * Since: 0.2
 */
IsleJoinHandle *
isle_spawn_local_poll_for_object_full (gpointer        object,
                                       const char     *name,
                                       int             priority,
                                       IslePollFunc    poll,
                                       gpointer        state,
                                       GDestroyNotify  state_destroy,
                                       GDestroyNotify  result_destroy)
{
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (poll != NULL, NULL);

  return spawn_for_object (G_STRFUNC, object, &(IsleSpawnArgs) {
    .kind = ISLE_TASK_KIND_POLL,
    .name = name,
    .priority = priority,
    .poll = poll,
    .user_data = state,
    .user_data_destroy = state_destroy,
    .result_destroy = result_destroy,
    .site = __builtin_return_address (0),
  });
}
