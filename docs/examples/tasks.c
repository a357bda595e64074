/* tasks.c: fiber and poll tasks, yielding, parking with a waker woken from
 * another thread, abort, and a join set (docs/tasks.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include <isle.h>

#define CHECK(cond) \
  G_STMT_START { \
    if (!(cond)) \
      { \
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, \
                     "line %d: expected %s", __LINE__, #cond); \
        return NULL; \
      } \
  } G_STMT_END

/* A fiber task: its locals survive every yield. */
static gpointer
sum_numbers (gpointer   user_data,
             GError   **error)
{
  guint64 *sum = g_new0 (guint64, 1);

  for (guint i = 1; i <= GPOINTER_TO_UINT (user_data); i++)
    {
      *sum += i;
      /* Let the island's other tasks run every 1,000 numbers. */
      if (i % 1000 == 0 && !isle_yield_now (error))
        {
          g_free (sum);
          return NULL;          /* aborted while yielding */
        }
    }
  return sum;
}

/* A poll task: a step function over its state; waking its own waker and
 * returning PENDING is a yield. */
static IslePoll
countdown_poll (gpointer    state,
                IsleWaker  *waker,
                gpointer   *result,
                GError    **error)
{
  guint *steps_left = state;

  if (*steps_left == 0)
    return ISLE_POLL_READY;     /* result stays NULL: success */
  (*steps_left)--;
  isle_waker_wake (waker);
  return ISLE_POLL_PENDING;
}

typedef struct
{
  IsleWaker  *waker;            /* (owned) the waiting task's */
  int         done;             /* atomic */
  const char *reply;
} Request;

/* Another thread completes the request and wakes the task. */
static gpointer
reply_thread (gpointer data)
{
  Request *request = data;

  request->reply = "pong";
  g_atomic_int_set (&request->done, TRUE);
  isle_waker_wake (request->waker);   /* any thread may wake */
  return NULL;
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  g_autoptr(IsleJoinHandle) summer = NULL, countdown = NULL, endless = NULL;
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(GError) task_error = NULL;
  g_autofree guint64 *sum = NULL;
  Request request = { NULL, FALSE, NULL };
  guint *steps_left = g_new (guint, 1);
  IsleJoinHandle *done;
  GThread *thread;
  guint64 total = 0;

  summer = isle_spawn_local_full ("sum", G_PRIORITY_DEFAULT, 0, sum_numbers,
                                  GUINT_TO_POINTER (10000), NULL, g_free);
  *steps_left = 3;
  countdown = isle_spawn_local_poll (countdown_poll, steps_left, g_free);
  if ((sum = isle_join_handle_join (summer, error)) == NULL)
    return NULL;
  isle_join_handle_join (countdown, &task_error);
  CHECK (*sum == 50005000 && task_error == NULL);
  g_print ("fiber task summed to %" G_GUINT64_FORMAT "; poll task counted down\n", *sum);

  /* Park until another thread has answered; wakes coalesce, so check the
   * condition in a loop. */
  request.waker = isle_task_ref_waker (isle_task_get_current ());
  thread = g_thread_new ("replier", reply_thread, &request);
  while (!g_atomic_int_get (&request.done) && isle_park (error))
    ;
  g_thread_join (thread);       /* done with the request, even if aborted */
  isle_waker_unref (request.waker);
  if (request.reply == NULL)
    return NULL;
  g_print ("parked until the other thread replied \"%s\"\n", request.reply);

  /* Abort is cooperative: the endless sum's next yield fails. */
  endless = isle_spawn_local (sum_numbers, GUINT_TO_POINTER (G_MAXUINT), NULL);
  if (!isle_yield_now (error))
    return NULL;
  isle_join_handle_abort (endless);
  isle_join_handle_join (endless, &task_error);
  CHECK (g_error_matches (task_error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_print ("aborted task reported: %s\n", task_error->message);

  /* A join set hands its tasks back in the order they finish. */
  for (guint n = 1000; n <= 3000; n += 1000)
    isle_join_set_spawn_full (set, NULL, G_PRIORITY_DEFAULT, 0, sum_numbers,
                              GUINT_TO_POINTER (n), NULL, g_free);
  while ((done = isle_join_set_join_next (set, error)) != NULL)
    {
      g_autoptr(IsleJoinHandle) handle = done;
      g_autofree guint64 *part = isle_join_handle_join (handle, error);

      if (part == NULL)
        return NULL;
      total += *part;
    }
  if (*error != NULL)
    return NULL;
  CHECK (total == 500500 + 2001000 + 4501500 && isle_join_set_is_empty (set));
  g_print ("join set: three sums add up to %" G_GUINT64_FORMAT "\n", total);
  return NULL;
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;

  isle_local_set_run_until (island, root, NULL, &error);
  if (error != NULL)
    {
      g_printerr ("tasks: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("ok\n");
  return EXIT_SUCCESS;
}
