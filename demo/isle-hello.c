/* isle-hello.c: the counter example of the LocalSet guide, in C
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A counter that is not thread-safe is shared by two tasks of one island:
 * the root task and a local task it spawns.  The local task increments it,
 * yields to the island, and increments it again; the root joins the task and
 * checks that the counter reached 2.
 *
 * This is the C form of the guide's Rust example:
 *
 *   let state = Rc::new(RefCell::new(0_u32));
 *   let handle = tokio::task::spawn_local(async move {
 *       *task_state.borrow_mut() += 1;
 *       tokio::task::yield_now().await;
 *       *task_state.borrow_mut() += 1;
 *   });
 *   handle.await.unwrap();
 *   assert_eq!(*state.borrow(), 2);
 *
 * The counter is a plain guint in a GRcBox, GLib's counterpart of Rc: its
 * reference count is not atomic, and nothing guards the guint.  That is
 * correct only because every task of an island runs on the island's thread,
 * which is exactly what Isle guarantees.
 */

#include <stdlib.h>

#include <isle.h>

/* The body of the local task.  @user_data is its own reference to the
 * shared counter, released by the destroy notify given at spawn once the
 * task has finished. */
static gpointer
counter_task (gpointer   user_data,
              GError   **error)
{
  guint *counter = user_data;
  guint64 id = isle_task_get_id (isle_task_get_current ());

  *counter += 1;
  g_print ("task %" G_GUINT64_FORMAT ": counter = %u, yielding\n",
           id, *counter);

  /* Go to the back of the island's run queue.  Between here and the next
   * line any other ready task of the island may run and touch the counter;
   * no other thread ever can. */
  if (!isle_yield_now (error))
    return NULL;

  *counter += 1;
  g_print ("task %" G_GUINT64_FORMAT ": back, counter = %u, done\n",
           id, *counter);

  /* The task has no result to give; its success is that it returns without
   * setting @error. */
  return NULL;
}

/* The root task of isle_local_set_run_until(): it runs on a fiber of its
 * own, so it may wait for the local task in the middle of the function. */
static gpointer
root_task (gpointer   user_data,
           GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) join_error = NULL;
  guint64 root_id = isle_task_get_id (isle_task_get_current ());
  guint64 task_id;
  guint *counter;
  guint value;

  counter = g_rc_box_new0 (guint);
  g_print ("root (task %" G_GUINT64_FORMAT "): counter = %u\n",
           root_id, *counter);

  /* isle_spawn_local() spawns on the island being driven, this one.  The
   * task does not run yet: it starts when the root next suspends. */
  handle = isle_spawn_local (counter_task,
                             g_rc_box_acquire (counter),
                             g_rc_box_release);
  task_id = isle_join_handle_get_id (handle);
  g_print ("root: spawned task %" G_GUINT64_FORMAT "\n", task_id);

  /* Joining suspends the root until the task has finished.  The task's
   * result is NULL on success, so a failure is told apart by the error. */
  g_print ("root: joining task %" G_GUINT64_FORMAT "\n", task_id);
  isle_join_handle_join (handle, &join_error);
  if (join_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&join_error),
                                  "task %" G_GUINT64_FORMAT " failed: ",
                                  task_id);
      g_rc_box_release (counter);
      return NULL;
    }

  value = *counter;
  g_rc_box_release (counter);
  g_print ("root: task %" G_GUINT64_FORMAT " finished, counter = %u\n",
           task_id, value);

  if (value != 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the counter is %u, expected 2", value);
      return NULL;
    }

  /* The root's result is what isle_local_set_run_until() returns. */
  return GUINT_TO_POINTER (value);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(IsleLocalSet) island = NULL;
  g_autoptr(GError) error = NULL;
  gpointer result;

  /* The island belongs to this thread and its thread-default main context,
   * which for the main thread is the global default context. */
  island = isle_local_set_new ();
  g_print ("main: island created, running the root task\n");

  /* Iterate the main context until the root task returns. */
  result = isle_local_set_run_until (island, root_task, NULL, &error);
  if (error != NULL)
    {
      g_printerr ("isle-hello: %s\n", error->message);
      return EXIT_FAILURE;
    }

  g_print ("main: the root task returned %u: ok\n", GPOINTER_TO_UINT (result));
  return EXIT_SUCCESS;
}
