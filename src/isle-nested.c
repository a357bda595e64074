/* isle-nested.c: main loops run from inside a task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Old GTK code runs a modal dialog with a nested main loop:
 * g_main_loop_run() or g_main_context_iteration() of the thread's context
 * until the dialog answers. From inside a task of an island, that is a
 * main loop running on the task's own stack. Isle makes it work rather
 * than refuse it, because refusing would break such code for no gain:
 *
 * - The island's run queues may recurse (g_source_set_can_recurse()), so
 *   the nested loop runs the island's other tasks, those of the task's own
 *   priority included, its timers and its remote wakes, as the outer loop
 *   would.
 *
 * - That is sound with fibers because every resume records where its
 *   fiber returns (IsleFiber.return_sp): a task resumed by the nested loop
 *   suspends back onto the iterating task's stack, into the nested loop,
 *   and a hand-off passes that return point on. The iterating task itself
 *   is RUNNING, in no run queue, so nothing resumes or hands off to it.
 *
 * - What is not sound is suspending the iterating task while the loop is
 *   on its stack: GLib's dispatch frames (and its per-thread dispatch
 *   depth and current source) would be left inside a parked fiber while
 *   the outer loop went on, and resuming it later would return into
 *   frames that no longer match. Only code that runs with the iterating
 *   task as the current task can try: a plain callback the nested loop
 *   dispatches. So every iteration of an island's context notes a task
 *   that iterates it (the remote-wake source's prepare runs first in each
 *   iteration), with the GLib dispatch depth it runs at; a suspension of
 *   that task from deeper than that depth is refused with a critical and
 *   fails with ISLE_ERROR_NESTED_LOOP. Once the loop has returned, the
 *   task suspends as usual.
 *
 * Driving another island B with isle_local_set_run_until() from a task
 * of island A, where B has a context of its own, is the other shape: A's
 * context is not iterated meanwhile, so A's tasks stop until B's root is
 * done, and if B's root waits for one of them, nothing moves again. It
 * cannot be made to work without iterating two contexts at once, so it is
 * detected: when B has made no progress for ISLE_NESTED_REPORT_AFTER
 * while A has ready tasks that cannot run, a critical says so, and again
 * each time the wait doubles. The run goes on (its deadline, if any, still
 * ends it); it is never a silent hang.
 */

#include "config.h"

#include "isle-debug-private.h"
#include "isle-local-set-private.h"
#include "isle-run-queue-private.h"
#include "isle-nested-private.h"

void
_isle_nested_note_iteration (IsleLocalSet *island)
{
  IsleTask *task = _isle_thread_state_get ()->current_task;

  /* A poll task runs on the scheduler's stack and never suspends. */
  if (task == NULL || task->kind != ISLE_TASK_KIND_FIBER ||
      task->state != ISLE_TASK_STATE_RUNNING ||
      (task->flags & ISLE_TASK_FLAG_NESTED_LOOP))
    return;

  /* Prepare runs outside any dispatch of this iteration: the depth is
   * the one the task itself runs at. */
  task->flags |= ISLE_TASK_FLAG_NESTED_LOOP;
  _isle_task_get_extra (task)->nested_depth = g_main_depth ();
}

gboolean
_isle_nested_check_suspend (IsleTask      *task,
                            const char    *function,
                            gconstpointer  caller,
                            GError       **error)
{
  g_autofree char *what = NULL;
  g_autofree char *where = NULL;

  if (g_main_depth () <= task->extra->nested_depth)
    {
      /* The nested loop has returned. */
      task->flags &= ~ISLE_TASK_FLAG_NESTED_LOOP;
      return TRUE;
    }

  what = _isle_task_describe (task);
  where = function != NULL ? g_strdup_printf ("%s()", function)
                           : _isle_debug_describe_site (caller);
  g_critical ("%s tried to suspend (in %s) while it runs a main loop nested "
              "inside itself (g_main_loop_run() or g_main_context_iteration() "
              "called from the task, as a modal dialog does): the task cannot "
              "be suspended with the loop's frames on its stack. The island's "
              "other tasks do run in that loop; suspend only after it has "
              "returned, or await the dialog's answer (a promise resolved "
              "from its response signal) instead of running a loop",
              what, where);
  g_set_error (error, ISLE_ERROR, ISLE_ERROR_NESTED_LOOP,
               "%s cannot suspend inside a main loop nested in it", what);
  return FALSE;
}

/* Nested run_until ------------------------------------------------------- */

static gint64 report_after = ISLE_NESTED_REPORT_AFTER;

void
_isle_nested_set_report_after (gint64 usec)
{
  report_after = usec > 0 ? usec : ISLE_NESTED_REPORT_AFTER;
}

struct _IsleNestedWatch
{
  IsleLocalSet *island;     /* (unowned) the island being driven */
  IsleLocalSet *outer;      /* (owned) the island whose task drives it */
  guint64       outer_id;   /* that task's id */
  GSource      *source;     /* (owned) */
  guint64       polls;      /* island's turns when it last moved */
  gint64        since;      /* when it last moved */
};

static guint
count_ready (IsleLocalSet *island)
{
  guint n = 0;
  guint i;

  for (i = 0; i < island->n_queues; i++)
    n += island->queues[i]->length;
  if (n == 0 && _isle_remote_has_work (island->remote))
    n = 1;
  return n;
}

static gboolean
watch_check (gpointer data)
{
  IsleNestedWatch *watch = data;
  gint64 now = g_get_monotonic_time ();
  guint n_ready;

  if (watch->island->counters.polls != watch->polls)
    {
      watch->polls = watch->island->counters.polls;
      watch->since = now;
      g_source_set_ready_time (watch->source, now + report_after);
      return G_SOURCE_CONTINUE;
    }

  n_ready = count_ready (watch->outer);
  if (n_ready > 0)
    g_critical ("isle_local_set_run_until() of island %p, called from task %"
                G_GUINT64_FORMAT " of island %p, has made no progress for %.1f s, "
                "and island %p has %u ready task%s that cannot run until it "
                "returns (its context is not iterated meanwhile): if the "
                "driven island waits for one of them, this is a deadlock. Do "
                "not drive an island from inside another island's task; spawn "
                "the work on that island and await its result from the task "
                "(isle_join_handle_get_future(), a channel) instead",
                (gpointer) watch->island, watch->outer_id, (gpointer) watch->outer,
                (now - watch->since) / (double) G_USEC_PER_SEC,
                (gpointer) watch->outer, n_ready, n_ready == 1 ? "" : "s");

  /* Again each time the wait doubles. */
  g_source_set_ready_time (watch->source, now + MAX (now - watch->since, report_after));
  return G_SOURCE_CONTINUE;
}

/* Watches a run of @island driven from inside a task of another island
 * with a context of its own; NULL when there is nothing to watch. */
IsleNestedWatch *
_isle_nested_watch_new (IsleLocalSet *island)
{
  IsleTask *task = _isle_thread_state_get ()->current_task;
  IsleNestedWatch *watch;
  IsleLocalSet *outer;

  if (task == NULL)
    return NULL;
  outer = task->queue->island;
  if (outer == island || outer->context == island->context)
    return NULL;

  watch = g_new0 (IsleNestedWatch, 1);
  watch->island = island;
  watch->outer = isle_local_set_ref (outer);
  watch->outer_id = task->id;
  watch->polls = island->counters.polls;
  watch->since = g_get_monotonic_time ();
  watch->source = _isle_ready_time_source_new (watch->since + report_after);
  g_source_set_name (watch->source, "[isle-nested-run-watch]");
  g_source_set_callback (watch->source, watch_check, watch, NULL);
  g_source_attach (watch->source, island->context);

  return watch;
}

void
_isle_nested_watch_free (IsleNestedWatch *watch)
{
  if (watch == NULL)
    return;

  g_source_destroy (watch->source);
  g_source_unref (watch->source);
  isle_local_set_unref (watch->outer);
  g_free (watch);
}
