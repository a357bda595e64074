/* isle-join-set.c: a set of tasks joined in the order they finish
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-join-set.h"
#include "isle-local-set-private.h"
#include "isle-spawn-private.h"
#include "isle-task-private.h"
#include "isle-waker-private.h"

/* Marked (foreign): a join set has one owner and cannot be copied, so it
 * cannot be a boxed type; bindings would need code of their own. */
/**
 * IsleJoinSet: (foreign)
 *
 * A set of tasks spawned together and joined in the order they finish:
 * Tokio's `JoinSet`. It keeps local-task ownership structured: the code
 * that spawns the tasks also collects every result, and freeing the set
 * aborts whatever is left, so no task outlives the work it was part of.
 *
 * |[<!-- language="C" -->
 * g_autoptr(IsleJoinSet) set = isle_join_set_new ();
 * IsleJoinHandle *done;
 *
 * for (guint i = 0; i < n_files; i++)
 *   isle_join_set_spawn (set, load_file, files[i], NULL);
 *
 * while ((done = isle_join_set_join_next (set, &error)) != NULL)
 *   {
 *     g_autoptr(IsleJoinHandle) handle = done;
 *     g_autoptr(GBytes) bytes = isle_join_handle_join (handle, &error);
 *     ...
 *   }
 * ]|
 *
 * A set belongs to the thread that created it; its tasks are spawned on
 * the island current there ([func@Isle.LocalSet.get_current]).
 *
 * Since: 0.1
 */

struct _IsleJoinSet
{
  IsleOwner        owner;
  GHashTable      *running;    /* (owned) &task->id -> IsleTask *; each holds a handle reference */
  GQueue           finished;   /* IsleJoinHandle * (owned), in the order the tasks finished */
  IsleTask        *waiter;     /* (owned) (nullable) who waits in join_next */
  IsleTask        *collecting; /* (unowned) (nullable) the fiber suspended in
                                * join_next, from its park until it runs again:
                                * woken, it is no longer the waiter but will
                                * still read the set */
  IslePollWait     poll_wait;  /* in the list of poll_task, while it is set */
  IsleTask        *poll_task;  /* (unowned) (nullable) the poll task whose wait is registered */
  gboolean         shutting_down;  /* a poll_shutdown has aborted the tasks */
};

static void
check_thread (IsleJoinSet *self,
              const char  *function)
{
  ISLE_OWNER_CHECK (&self->owner, function, "IsleJoinSet", self,
                    "a join set and its tasks may be touched only on the "
                    "thread that created it");
}

/**
 * isle_join_set_new:
 *
 * Creates an empty join set, owned by the calling thread.
 *
 * Returns: (transfer full): a new join set; free it with
 *   [method@Isle.JoinSet.free]
 *
 * Since: 0.1
 */
IsleJoinSet *
isle_join_set_new (void)
{
  IsleJoinSet *self = g_new0 (IsleJoinSet, 1);

  _isle_owner_init (&self->owner);
  self->running = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_queue_init (&self->finished);

  return self;
}

/* A task of the set finished: move it to the finished queue and wake
 * whoever waits for the next one. */
static void
task_finished (IsleTask *task,
               gpointer  data)
{
  IsleJoinSet *self = data;

  if (!g_hash_table_steal (self->running, &task->id))
    g_assert_not_reached ();

  g_queue_push_tail (&self->finished, task);

  if (self->waiter != NULL)
    {
      IsleTask *waiter = g_steal_pointer (&self->waiter);

      _isle_task_wake_local (waiter);
      _isle_task_unref (waiter);
    }
}

/* Takes a task just spawned into the set, with the handle reference the
 * spawn made for it: the set holds that until the task is joined. */
static guint64
adopt (IsleJoinSet *self,
       IsleTask    *task)
{
  IsleTaskExtra *extra = _isle_task_get_extra (task);

  /* Spawned tasks never run before this returns. */
  g_assert (task->state != ISLE_TASK_STATE_FINISHED);

  extra->finish_notify = task_finished;
  extra->finish_data = self;
  g_hash_table_insert (self->running, &task->id, task);

  return task->id;
}

/* The spawns into a set: @function's checks of the thread and the island
 * (the public function's own g_return checks came first), then the task
 * described by @args, spawned on the current island and adopted. @args
 * carries the public function's caller as the site. */
static guint64
spawn_into (IsleJoinSet         *self,
            const char          *function,
            const IsleSpawnArgs *spec)
{
  IsleSpawnArgs args = *spec;

  check_thread (self, function);
  args.island = _isle_spawn_require_island (function);
  return adopt (self, _isle_spawn (&args));
}

/**
 * isle_join_set_spawn:
 * @self: a join set
 * @func: (scope notified) (not nullable): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the task has finished
 *
 * Spawns a fiber task on the current island (as [func@Isle.spawn_local] does)
 * into the set.
 *
 * Call it on the set's thread, where an island is current.
 *
 * Returns: the task's id, as [method@Isle.JoinHandle.get_id] will give it
 *
 * Since: 0.1
 */
guint64
isle_join_set_spawn (IsleJoinSet    *self,
                     IsleTaskFunc    func,
                     gpointer        user_data,
                     GDestroyNotify  user_data_destroy)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  return spawn_into (self, G_STRFUNC, &(IsleSpawnArgs) {
    .kind = ISLE_TASK_KIND_FIBER,
    .priority = G_PRIORITY_DEFAULT,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .site = __builtin_return_address (0),
  });
}

/**
 * isle_join_set_spawn_full:
 * @self: a join set
 * @name: (nullable): a name for the task
 * @priority: the task's GLib priority
 * @stack_size: the task's stack size, or 0 for the island's default
 * @func: (scope notified) (not nullable): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the task has finished
 * @result_destroy: (nullable): releases a result nobody takes
 *
 * Like [method@Isle.JoinSet.spawn], with the options of
 * [func@Isle.spawn_local_full].
 *
 * Call it on the set's thread, where an island is current.
 *
 * Returns: the task's id
 *
 * Since: 0.1
 */
guint64
isle_join_set_spawn_full (IsleJoinSet    *self,
                          const char     *name,
                          int             priority,
                          gsize           stack_size,
                          IsleTaskFunc    func,
                          gpointer        user_data,
                          GDestroyNotify  user_data_destroy,
                          GDestroyNotify  result_destroy)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);
  g_return_val_if_fail (stack_size <= G_MAXUINT32, 0);

  return spawn_into (self, G_STRFUNC, &(IsleSpawnArgs) {
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
 * isle_join_set_spawn_poll:
 * @self: a join set
 * @poll: (scope notified) (not nullable): the task's poll function
 * @state: (closure poll): the task's state
 * @state_destroy: (nullable) (destroy state): releases @state when the task
 *   has finished
 *
 * Spawns a poll task on the current island into the set.
 *
 * Call it on the set's thread, where an island is current.
 *
 * Returns: the task's id
 *
 * Since: 0.1
 */
guint64
isle_join_set_spawn_poll (IsleJoinSet    *self,
                          IslePollFunc    poll,
                          gpointer        state,
                          GDestroyNotify  state_destroy)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (poll != NULL, 0);

  return spawn_into (self, G_STRFUNC, &(IsleSpawnArgs) {
    .kind = ISLE_TASK_KIND_POLL,
    .priority = G_PRIORITY_DEFAULT,
    .poll = poll,
    .user_data = state,
    .user_data_destroy = state_destroy,
    .site = __builtin_return_address (0),
  });
}

/* Returns FALSE, after the report, if another task already waits: the
 * second caller would wait for a wake that goes to the first. */
static gboolean
set_waiter (IsleJoinSet *self,
            IsleTask    *waiter,
            const char  *function)
{
  if (self->waiter == waiter)
    return TRUE;

  if (self->waiter != NULL)
    {
      g_critical ("%s() called by task %" G_GUINT64_FORMAT
                  " while task %" G_GUINT64_FORMAT " already waits on the same "
                  "join set; one task collects a set's results",
                  function, waiter->id, self->waiter->id);
      return FALSE;
    }

  self->waiter = _isle_task_ref (waiter);
  return TRUE;
}

/* The poll task finished while it waited on the set (in poll_join_next
 * or poll_shutdown): the set forgets it, before the task's state, which
 * may own the set, is destroyed. */
static void
poll_wait_withdraw (IslePollWait *wait,
                    IsleTask     *task)
{
  IsleJoinSet *self = (IsleJoinSet *) wait->object;

  g_assert (self->poll_task == task);
  self->poll_task = NULL;
  self->shutting_down = FALSE;
  if (self->waiter == task)
    {
      self->waiter = NULL;
      _isle_task_unref (task);
    }
}

/* A poll form leaves @waiter waiting: its wait says so in dumps, and is
 * withdrawn if the task finishes first. */
static void
register_poll_wait (IsleJoinSet *self,
                    IsleTask    *waiter)
{
  if (self->poll_task == waiter)
    return;

  g_assert (self->poll_task == NULL);
  self->poll_wait.withdraw = poll_wait_withdraw;
  self->poll_wait.object = self;
  /* The fiber forms' words: isle_join_set_shutdown() waits in join_next. */
  self->poll_wait.wait.klass = &_isle_wait_text;
  self->poll_wait.wait.object = "the next task of a join set";
  _isle_task_add_poll_wait (waiter, &self->poll_wait);
  self->poll_task = waiter;
}

static void
clear_waiter (IsleJoinSet *self,
              IsleTask    *waiter)
{
  if (self->poll_task == waiter)
    {
      _isle_task_remove_poll_wait (waiter, &self->poll_wait);
      self->poll_task = NULL;
    }

  if (self->waiter == waiter)
    {
      self->waiter = NULL;
      _isle_task_unref (waiter);
    }
}

/**
 * isle_join_set_join_next:
 * @self: a join set
 * @error: return location for a #GError
 *
 * Waits, inside a fiber task, for the next task of the set to finish, and
 * takes it out of the set. Tasks come out in the order they finish. Take
 * the task's result or error with [method@Isle.JoinHandle.join] on the
 * returned handle, which returns at once.
 *
 * Call it on the set's thread, inside a fiber task; poll tasks use
 * [method@Isle.JoinSet.poll_join_next].
 *
 * Returns: (transfer full) (nullable): the handle of a finished task; or
 *   %NULL without an error when the set is empty; or %NULL with
 *   %G_IO_ERROR_CANCELLED when the calling task is aborted while it waits;
 *   or %NULL with %ISLE_ERROR_BUSY when another task already waits on the
 *   set (a misuse, also reported with a critical)
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_join_set_join_next (IsleJoinSet  *self,
                         GError      **error)
{
  IsleTask *waiter;
  gboolean parked;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  check_thread (self, G_STRFUNC);
  waiter = _isle_task_require_fiber (G_STRFUNC, error);
  if (waiter == NULL)
    return NULL;

  _isle_task_check_borrows (waiter, G_STRFUNC, __builtin_return_address (0));

  while (g_queue_is_empty (&self->finished))
    {
      if (g_hash_table_size (self->running) == 0)
        return NULL;

      if (!set_waiter (self, waiter, G_STRFUNC))
        {
          g_set_error (error, ISLE_ERROR, ISLE_ERROR_BUSY,
                       "Another task already waits on this join set");
          return NULL;
        }
      self->collecting = waiter;
      parked = _isle_task_park (waiter, "the next task of a join set", error);
      self->collecting = NULL;
      if (!parked)
        {
          clear_waiter (self, waiter);
          return NULL;
        }
    }

  clear_waiter (self, waiter);
  return g_queue_pop_head (&self->finished);
}

/**
 * isle_join_set_poll_join_next:
 * @self: a join set
 * @waker: (transfer none): the polling task's waker
 * @handle: (out) (transfer full) (nullable): the handle of a finished task
 *
 * The form of [method@Isle.JoinSet.join_next] for poll functions: if a task of
 * the set has finished, takes it out and returns %ISLE_POLL_READY with its
 * handle; if the set is empty, returns %ISLE_POLL_READY with %NULL;
 * otherwise arranges for @waker to be woken when a task finishes and
 * returns %ISLE_POLL_PENDING. If the polling task finishes while it waits,
 * the set forgets it.
 *
 * Call it on the set's thread, with the waker the polling task's poll
 * function was given.
 *
 * Returns: whether @handle was set
 *
 * Since: 0.1
 */
IslePoll
isle_join_set_poll_join_next (IsleJoinSet     *self,
                              IsleWaker       *waker,
                              IsleJoinHandle **handle)
{
  IsleTask *waiter;

  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (handle != NULL, ISLE_POLL_READY);

  check_thread (self, G_STRFUNC);
  *handle = NULL;
  waiter = _isle_task_require_poll_waker (waker, G_STRFUNC);
  if (waiter == NULL)
    return ISLE_POLL_READY;

  if (!g_queue_is_empty (&self->finished))
    {
      clear_waiter (self, waiter);
      *handle = g_queue_pop_head (&self->finished);
      return ISLE_POLL_READY;
    }

  if (g_hash_table_size (self->running) == 0)
    {
      clear_waiter (self, waiter);
      return ISLE_POLL_READY;
    }

  if (set_waiter (self, waiter, G_STRFUNC))
    register_poll_wait (self, waiter);
  return ISLE_POLL_PENDING;
}

/**
 * isle_join_set_spawn_poll_full:
 * @self: a join set
 * @name: (nullable): a name for the task
 * @priority: the task's GLib priority
 * @poll: (scope notified) (not nullable): the task's poll function
 * @state: (closure poll): data for @poll
 * @state_destroy: (nullable) (destroy state): releases @state when the
 *   task has finished
 * @result_destroy: (nullable): releases a result nobody takes
 *
 * Like [method@Isle.JoinSet.spawn_poll], with the options of
 * [func@Isle.spawn_local_poll_full].
 *
 * Call it on the set's thread, where an island is current.
 *
 * Returns: the task's id
 *
 * Since: 0.2
 */
guint64
isle_join_set_spawn_poll_full (IsleJoinSet    *self,
                               const char     *name,
                               int             priority,
                               IslePollFunc    poll,
                               gpointer        state,
                               GDestroyNotify  state_destroy,
                               GDestroyNotify  result_destroy)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (poll != NULL, 0);

  return spawn_into (self, G_STRFUNC, &(IsleSpawnArgs) {
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

/**
 * isle_join_set_abort_all:
 * @self: a join set
 *
 * Aborts every task of the set that has not finished (see
 * [method@Isle.JoinHandle.abort]). They stay in the set until they have, and
 * come out of [method@Isle.JoinSet.join_next] with %G_IO_ERROR_CANCELLED.
 *
 * Call it on the set's thread.
 *
 * Since: 0.1
 */
void
isle_join_set_abort_all (IsleJoinSet *self)
{
  GHashTableIter iter;
  gpointer task;

  g_return_if_fail (self != NULL);

  check_thread (self, G_STRFUNC);

  /* Aborting never finishes a task on the spot, so the table does not
   * change under the iteration. */
  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, &task))
    _isle_task_abort (task);
}

/**
 * isle_join_set_abort:
 * @self: a join set
 * @id: the id of one of its tasks, as the spawn into the set returned it
 *
 * Aborts one task of the set, named by the id its spawn returned (Tokio's
 * `JoinSet` hands out an `AbortHandle` for this). The task stays in the
 * set until it has finished, and comes out of
 * [method@Isle.JoinSet.join_next] like any other, with
 * %G_IO_ERROR_CANCELLED if the abort stopped it before it returned. A task
 * that has finished already, or is not in the set (never was, or was taken
 * out by `join_next`), is left alone.
 *
 * Call it on the set's thread.
 *
 * Returns: %TRUE if a running task of the set had that id and was aborted
 *
 * Since: 0.2
 */
gboolean
isle_join_set_abort (IsleJoinSet *self,
                     guint64      id)
{
  IsleTask *task;

  g_return_val_if_fail (self != NULL, FALSE);

  check_thread (self, G_STRFUNC);

  task = g_hash_table_lookup (self->running, &id);
  if (task == NULL)
    return FALSE;
  _isle_task_abort (task);
  return TRUE;
}

/**
 * isle_join_set_shutdown:
 * @self: a join set
 * @error: return location for a #GError
 *
 * Aborts every task of the set and waits, inside a fiber task, until all
 * of them have finished; their results and errors are dropped without a
 * report. The set is empty afterwards.
 *
 * Call it on the set's thread, inside a fiber task; poll tasks use
 * [method@Isle.JoinSet.poll_shutdown].
 *
 * Returns: %TRUE when the set is empty; %FALSE with %G_IO_ERROR_CANCELLED
 *   if the calling task was aborted meanwhile
 *
 * Since: 0.1
 */
gboolean
isle_join_set_shutdown (IsleJoinSet  *self,
                        GError      **error)
{
  IsleJoinHandle *handle;
  GError *local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  check_thread (self, G_STRFUNC);
  if (_isle_task_require_fiber (G_STRFUNC, error) == NULL)
    return FALSE;

  isle_join_set_abort_all (self);

  while ((handle = isle_join_set_join_next (self, &local_error)) != NULL)
    {
      _isle_task_consume_result (ISLE_TASK_FROM_HANDLE (handle), ISLE_RESULT_DISCARD, NULL);
      isle_join_handle_unref (handle);
    }

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

/* Drops the results of the tasks that have finished, as shutting down
 * does: nobody asked for them. */
static void
discard_finished (IsleJoinSet *self)
{
  IsleJoinHandle *handle;

  while ((handle = g_queue_pop_head (&self->finished)) != NULL)
    {
      _isle_task_consume_result (ISLE_TASK_FROM_HANDLE (handle), ISLE_RESULT_DISCARD, NULL);
      isle_join_handle_unref (handle);
    }
}

/**
 * isle_join_set_poll_shutdown:
 * @self: a join set
 * @waker: (transfer none): the polling task's waker
 * @error: return location for a #GError
 *
 * The form of [method@Isle.JoinSet.shutdown] for poll functions. The first
 * call aborts every task of the set; each call drops the results and
 * errors of the tasks that have finished, without a report, and returns
 * %ISLE_POLL_READY once the set is empty, or else arranges for @waker to
 * be woken when another task finishes and returns %ISLE_POLL_PENDING.
 * A task spawned into the set while it shuts down is waited for, not
 * aborted, as with [method@Isle.JoinSet.shutdown].
 *
 * If the polling task finishes while it waits (it is aborted, say), the
 * set forgets it; its tasks stay aborted. One task at a time waits on a
 * set: if another already does, this is a misuse, reported with a
 * critical, and fails with %ISLE_ERROR_BUSY.
 *
 * Call it on the set's thread, with the waker the polling task's poll
 * function was given.
 *
 * Returns: %ISLE_POLL_READY when the set is empty, or with an error;
 *   otherwise %ISLE_POLL_PENDING
 *
 * Since: 0.2
 */
IslePoll
isle_join_set_poll_shutdown (IsleJoinSet  *self,
                             IsleWaker    *waker,
                             GError      **error)
{
  IsleTask *waiter;

  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  check_thread (self, G_STRFUNC);
  waiter = _isle_task_require_poll_waker (waker, G_STRFUNC);
  if (waiter == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The waker is not the polling task's");
      return ISLE_POLL_READY;
    }

  /* Once per shutdown, as the fiber form aborts once before it waits:
   * polled again for every task that finishes, it must not walk the set
   * each time. */
  if (!self->shutting_down || self->poll_task != waiter)
    {
      isle_join_set_abort_all (self);
      self->shutting_down = TRUE;
    }

  discard_finished (self);

  if (g_hash_table_size (self->running) == 0)
    {
      clear_waiter (self, waiter);
      self->shutting_down = FALSE;
      return ISLE_POLL_READY;
    }

  if (!set_waiter (self, waiter, G_STRFUNC))
    {
      self->shutting_down = FALSE;
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_BUSY,
                   "Another task already waits on this join set");
      return ISLE_POLL_READY;
    }

  register_poll_wait (self, waiter);
  return ISLE_POLL_PENDING;
}

/**
 * isle_join_set_get_n_tasks:
 * @self: a join set
 *
 * Counts the tasks in the set: running, and finished but not yet taken out
 * with [method@Isle.JoinSet.join_next].
 *
 * Call it on the set's thread.
 *
 * Returns: the number of tasks
 *
 * Since: 0.2
 */
guint
isle_join_set_get_n_tasks (IsleJoinSet *self)
{
  g_return_val_if_fail (self != NULL, 0);

  check_thread (self, G_STRFUNC);
  return g_hash_table_size (self->running) + self->finished.length;
}

/**
 * isle_join_set_is_empty:
 * @self: a join set
 *
 * Whether the set has no task left.
 *
 * Call it on the set's thread.
 *
 * Returns: %TRUE if [method@Isle.JoinSet.get_n_tasks] is 0
 *
 * Since: 0.1
 */
gboolean
isle_join_set_is_empty (IsleJoinSet *self)
{
  return isle_join_set_get_n_tasks (self) == 0;
}

/* The task that waits on the set, other than the caller, if any: a fiber
 * in join_next (woken or not, it will read the set when it runs), or a
 * poll task whose wait is registered (it will poll the set again). */
static IsleTask *
other_collector (IsleJoinSet *self)
{
  if (self->collecting != NULL)
    return self->collecting;

  if (self->poll_task != NULL &&
      self->poll_task != _isle_thread_state_get ()->current_task)
    return self->poll_task;

  return NULL;
}

/**
 * isle_join_set_free:
 * @self: (transfer full): a join set
 *
 * Frees the set. Its unfinished tasks are aborted and detached: they
 * finish when their island next runs them, and their user data is
 * released then. Results of finished tasks not taken out are dropped (a
 * failure among them is reported as unobserved).
 *
 * A join set has one owner, the code that collects its results, and no
 * references: free it from the task that waits on it, or once that task
 * is done. Freeing it while another task waits on it (in
 * [method@Isle.JoinSet.join_next], [method@Isle.JoinSet.shutdown] or
 * their poll forms) is a misuse: it is reported with a critical, and the
 * set is left as it is, so that the waiting task can go on using it.
 *
 * Call it on the set's thread.
 *
 * Since: 0.1
 */
void
isle_join_set_free (IsleJoinSet *self)
{
  GHashTableIter iter;
  IsleTask *collector;
  gpointer task;

  g_return_if_fail (self != NULL);

  check_thread (self, G_STRFUNC);

  /* The waiting task would read the set after it is freed: refused
   * before anything is aborted or freed, as a g_return_if_fail() would. */
  collector = other_collector (self);
  if (G_UNLIKELY (collector != NULL))
    {
      g_critical ("%s() called while task %" G_GUINT64_FORMAT " waits on the "
                  "same set, which is left as it is. Free a join set from the "
                  "task that collects its results, or after it is done",
                  G_STRFUNC, collector->id);
      return;
    }

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, &task))
    {
      ((IsleTask *) task)->extra->finish_notify = NULL;
      _isle_task_abort (task);
      isle_join_handle_unref (task);
    }
  g_hash_table_unref (self->running);

  g_queue_clear_full (&self->finished, (GDestroyNotify) isle_join_handle_unref);

  /* The poll task that frees the set from its poll function may be
   * registered still: its wait goes with the set. */
  if (self->poll_task != NULL)
    clear_waiter (self, self->poll_task);

  _isle_owner_clear (&self->owner);
  g_free (self);
}
