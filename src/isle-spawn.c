/* isle-spawn.c: making tasks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * _isle_spawn() is the one place where a task is made, and the spawns on
 * the current island (isle_spawn_local() and its forms) and on a given
 * one (isle_local_set_spawn_local() and its forms) live beside it. Spawns
 * that belong to another concept stay with it (join sets, object-bound
 * tasks, GTask operations, bindings, run_until()'s root, the body of
 * isle_test_run()) and call _isle_spawn() too. Each checks its own
 * preconditions first, with its own G_STRFUNC, then describes the task
 * in an IsleSpawnArgs.
 */

#include "config.h"

#include "isle-binding-guard-private.h"
#include "isle-local-set-private.h"
#include "isle-run-queue-private.h"
#include "isle-spawn-private.h"

static guint64 next_task_id = 1;   /* (atomic) */

/* Makes the task that @args describes, scheduled to start when its island
 * next runs (never inside this call), and returns it with a reference for
 * the handle the spawn hands out. The caller checked its arguments and
 * that this is the island's thread.
 *
 * Spawning is the hottest path there is: the public spawns below inline
 * this, so that their IsleSpawnArgs never goes through memory. Out of
 * line it cost 30 instructions more a spawn, 3% of bench/spawn_join's
 * spawn, yield and join of a poll task. Other files call _isle_spawn(). */
G_ALWAYS_INLINE static inline IsleTask *
spawn_task (const IsleSpawnArgs *args)
{
  IsleLocalSet *island = args->island;
  IsleTask *task;

  task = _isle_task_arena_alloc (island->task_arena);
  task->spawn_site = args->site;
  /* One reference for the island while the task lives, one for the
   * handle that spawning returns. Nobody else sees the record yet. */
  _isle_ref_count_init (&task->ref_count, 2);
  _isle_ref_count_init (&task->handle_refs, 1);
  task->id = (guint64) __atomic_fetch_add (&next_task_id, 1, __ATOMIC_RELAXED);
  task->kind = args->kind;
  task->stack_size = (guint32) args->stack_size;
  if (args->name != NULL)
    _isle_task_new_extra (task, args->name);
  if (G_UNLIKELY (island->debug_flags & ISLE_DEBUG_TASKS))
    _isle_task_get_extra (task)->spawn_time = g_get_monotonic_time ();
  /* Python and JavaScript functions never run on a fiber stack. */
  if (args->kind == ISLE_TASK_KIND_FIBER)
    task->func = _isle_binding_guard_fiber_func (args->func);
  else
    task->func = args->poll;
  task->user_data = args->user_data;
  task->user_data_destroy = args->user_data_destroy;
  task->result_destroy = args->result_destroy;
  task->queue = _isle_local_set_get_queue (island, args->priority);

  task->live_prev = island->live_tail;
  if (island->live_tail != NULL)
    island->live_tail->live_next = task;
  else
    island->live_head = task;
  island->live_tail = task;
  island->n_live++;

  /* An island being torn down (or shut down by a failure) still takes
   * spawns, since a destroy notify may spawn, but cancels them at once;
   * they never run. */
  if (island->closing || island->shutdown_error != NULL)
    task->flags |= ISLE_TASK_FLAG_ABORTED;
  island->counters.tasks_spawned++;

  task->state = ISLE_TASK_STATE_SCHEDULED;
  _isle_run_queue_push (task->queue, task);

  return task;
}

IsleTask *
_isle_spawn (const IsleSpawnArgs *args)
{
  return spawn_task (args);
}

/* The island that a spawn without one goes to: the current island, or an
 * abort with a message that says where to spawn instead. */
IsleLocalSet *
_isle_spawn_require_island (const char *function)
{
  IsleLocalSet *island = isle_local_set_get_current ();

  if (G_UNLIKELY (island == NULL))
    g_error ("%s() called outside any island on thread %s: there is no "
             "island to spawn the task on. Call it inside a task or "
             "isle_local_set_run_until(), make an island current with "
             "isle_local_set_enter(), or spawn on a given island with "
             "isle_local_set_spawn_local()",
             function, _isle_thread_describe_self ());

  return island;
}

/* On the current island -------------------------------------------------- */

/**
 * isle_spawn_local:
 * @func: (scope notified) (not nullable): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the task has finished
 *
 * Spawns a fiber task on the current island (see
 * [func@Isle.LocalSet.get_current]): inside a task, inside
 * [method@Isle.LocalSet.run_until], or where an island was entered with
 * [method@Isle.LocalSet.enter]. The task starts when the island next runs.
 *
 * Outside any island this aborts the program with a message: there is no
 * silent fallback. Use [method@Isle.LocalSet.spawn_local] to name the island.
 *
 * Call it on the current island's thread: the only thread where it has one.
 *
 * Returns: (transfer full): a handle to the task; dropping it detaches the
 *   task, which runs on
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_spawn_local (IsleTaskFunc   func,
                  gpointer       user_data,
                  GDestroyNotify user_data_destroy)
{
  IsleLocalSet *island;

  g_return_val_if_fail (func != NULL, NULL);

  island = _isle_spawn_require_island (G_STRFUNC);
  return (IsleJoinHandle *) spawn_task (&(IsleSpawnArgs) {
    .island = island,
    .kind = ISLE_TASK_KIND_FIBER,
    .priority = G_PRIORITY_DEFAULT,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .site = __builtin_return_address (0),
  });
}

/**
 * isle_spawn_local_full:
 * @name: (nullable): a name for the task, shown in messages
 * @priority: the task's GLib priority, such as %G_PRIORITY_DEFAULT
 * @stack_size: the task's stack size in bytes, or 0 for the island's
 *   default
 * @func: (scope notified) (not nullable): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the task has finished
 * @result_destroy: (nullable): releases the task's result if nobody takes
 *   it with [method@Isle.JoinHandle.join]
 *
 * Like [func@Isle.spawn_local], with a name, a priority and a stack size.
 *
 * Call it on the current island's thread.
 *
 * Returns: (transfer full): a handle to the task
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_spawn_local_full (const char     *name,
                       int             priority,
                       gsize           stack_size,
                       IsleTaskFunc    func,
                       gpointer        user_data,
                       GDestroyNotify  user_data_destroy,
                       GDestroyNotify  result_destroy)
{
  IsleLocalSet *island;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (stack_size <= G_MAXUINT32, NULL);

  island = _isle_spawn_require_island (G_STRFUNC);
  return (IsleJoinHandle *) spawn_task (&(IsleSpawnArgs) {
    .island = island,
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
 * isle_spawn_local_poll:
 * @poll: (scope notified) (not nullable): the task's poll function
 * @state: (closure poll): the task's state
 * @state_destroy: (nullable) (destroy state): releases @state when the task
 *   has finished
 *
 * Spawns a poll task on the current island, as [func@Isle.spawn_local] does a
 * fiber task. A poll task has no stack of its own: it is the cheap form
 * for very many small tasks.
 *
 * Call it on the current island's thread.
 *
 * Returns: (transfer full): a handle to the task
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_spawn_local_poll (IslePollFunc   poll,
                       gpointer       state,
                       GDestroyNotify state_destroy)
{
  IsleLocalSet *island;

  g_return_val_if_fail (poll != NULL, NULL);

  island = _isle_spawn_require_island (G_STRFUNC);
  return (IsleJoinHandle *) spawn_task (&(IsleSpawnArgs) {
    .island = island,
    .kind = ISLE_TASK_KIND_POLL,
    .priority = G_PRIORITY_DEFAULT,
    .poll = poll,
    .user_data = state,
    .user_data_destroy = state_destroy,
    .site = __builtin_return_address (0),
  });
}

/**
 * isle_spawn_local_poll_full:
 * @name: (nullable): a name for the task, shown in messages
 * @priority: the task's GLib priority, such as %G_PRIORITY_DEFAULT
 * @poll: (scope notified) (closure state) (destroy state_destroy) (not nullable):
 *   the task's poll function
 * @state: (closure poll): the task's state
 * @state_destroy: (nullable) (destroy state): releases @state when the task
 *   has finished
 * @result_destroy: (nullable): releases the task's result if nobody takes
 *   it
 *
 * Like [func@Isle.spawn_local_poll], with a name and a priority.
 *
 * Call it on the current island's thread.
 *
 * Returns: (transfer full): a handle to the task
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_spawn_local_poll_full (const char     *name,
                            int             priority,
                            IslePollFunc    poll,
                            gpointer        state,
                            GDestroyNotify  state_destroy,
                            GDestroyNotify  result_destroy)
{
  IsleLocalSet *island;

  g_return_val_if_fail (poll != NULL, NULL);

  island = _isle_spawn_require_island (G_STRFUNC);
  return (IsleJoinHandle *) spawn_task (&(IsleSpawnArgs) {
    .island = island,
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

/* On a given island ------------------------------------------------------ */

/**
 * isle_local_set_spawn_local:
 * @self: an island
 * @func: (scope notified) (not nullable): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the task has finished
 *
 * Spawns a fiber task on @self. This works before the island is driven:
 * the task starts when the island's context is next iterated on its
 * thread, never inside this call.
 *
 * Call it on the island's thread.
 *
 * Returns: (transfer full): a handle to the task; dropping it detaches the
 *   task, which runs on
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_local_set_spawn_local (IsleLocalSet   *self,
                            IsleTaskFunc    func,
                            gpointer        user_data,
                            GDestroyNotify  user_data_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return (IsleJoinHandle *) spawn_task (&(IsleSpawnArgs) {
    .island = self,
    .kind = ISLE_TASK_KIND_FIBER,
    .priority = G_PRIORITY_DEFAULT,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .site = __builtin_return_address (0),
  });
}

/**
 * isle_local_set_spawn_local_full:
 * @self: an island
 * @name: (nullable): a name for the task, shown in messages
 * @priority: the task's GLib priority, such as %G_PRIORITY_DEFAULT
 * @stack_size: the task's stack size in bytes, or 0 for the island's
 *   default
 * @func: (scope notified) (not nullable): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the task has finished
 * @result_destroy: (nullable): releases the task's result if nobody takes
 *   it with [method@Isle.JoinHandle.join]
 *
 * Like [method@Isle.LocalSet.spawn_local], with a name, a priority and a stack
 * size. Tasks of a higher priority (a lower value) run before those of a
 * lower one; tasks of one priority run in the order they became ready.
 *
 * Call it on the island's thread.
 *
 * Returns: (transfer full): a handle to the task
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_local_set_spawn_local_full (IsleLocalSet   *self,
                                 const char     *name,
                                 int             priority,
                                 gsize           stack_size,
                                 IsleTaskFunc    func,
                                 gpointer        user_data,
                                 GDestroyNotify  user_data_destroy,
                                 GDestroyNotify  result_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (stack_size <= G_MAXUINT32, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return (IsleJoinHandle *) spawn_task (&(IsleSpawnArgs) {
    .island = self,
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
 * isle_local_set_spawn_local_poll:
 * @self: an island
 * @poll: (scope notified) (not nullable): the task's poll function
 * @state: (closure poll): the task's state
 * @state_destroy: (nullable) (destroy state): releases @state when the task
 *   has finished
 *
 * Spawns a poll task on @self: @poll is called with @state on the island's
 * thread when the island next runs, and again each time the task's waker
 * is woken, until it returns %ISLE_POLL_READY.
 *
 * Call it on the island's thread.
 *
 * Returns: (transfer full): a handle to the task
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_local_set_spawn_local_poll (IsleLocalSet   *self,
                                 IslePollFunc    poll,
                                 gpointer        state,
                                 GDestroyNotify  state_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (poll != NULL, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return (IsleJoinHandle *) spawn_task (&(IsleSpawnArgs) {
    .island = self,
    .kind = ISLE_TASK_KIND_POLL,
    .priority = G_PRIORITY_DEFAULT,
    .poll = poll,
    .user_data = state,
    .user_data_destroy = state_destroy,
    .site = __builtin_return_address (0),
  });
}

/**
 * isle_local_set_spawn_local_poll_full:
 * @self: an island
 * @name: (nullable): a name for the task, shown in messages
 * @priority: the task's GLib priority, such as %G_PRIORITY_DEFAULT
 * @poll: (scope notified) (closure state) (destroy state_destroy) (not nullable):
 *   the task's poll function
 * @state: (closure poll): the task's state
 * @state_destroy: (nullable) (destroy state): releases @state when the task
 *   has finished
 * @result_destroy: (nullable): releases the task's result if nobody takes
 *   it
 *
 * Like [method@Isle.LocalSet.spawn_local_poll], with a name and a priority.
 *
 * Call it on the island's thread.
 *
 * Returns: (transfer full): a handle to the task
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_local_set_spawn_local_poll_full (IsleLocalSet   *self,
                                      const char     *name,
                                      int             priority,
                                      IslePollFunc    poll,
                                      gpointer        state,
                                      GDestroyNotify  state_destroy,
                                      GDestroyNotify  result_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (poll != NULL, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return (IsleJoinHandle *) spawn_task (&(IsleSpawnArgs) {
    .island = self,
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
