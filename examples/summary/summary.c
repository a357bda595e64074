/* summary.c: an example GIO-style library written with Isle's GTask bridge
 *
 * Its callers know nothing of Isle: they see a GIO _async/_finish pair, in
 * C, Python, JavaScript or Vala. Inside, the operation is one fiber task
 * that walks a folder with GIO calls and counts each file's lines on
 * Isle's blocking pool, reporting its progress to the caller as it goes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <isle.h>

#include "summary.h"

typedef struct
{
  gint64 n_lines;
  guint  n_files;
} Totals;

/* The caller's progress function. The task, the reports and the release
 * all run on the thread of the caller's context (the task runs on that
 * context's island), so nothing here needs a lock. A report is never made
 * from the task itself: the task runs on a fiber stack, where Python and
 * JavaScript functions cannot run, so it posts the report to the context
 * instead, as GIO's own progress callbacks are. */
typedef struct
{
  SummaryProgressFunc  func;
  gpointer             data;
  GDestroyNotify       destroy;
  GTask               *task;       /* (owned) to stop reporting once it completed */
  GSource             *pending;    /* (owned) (nullable) the report to come */
  guint                n_files;    /* the latest counts, read by the report */
  gint64               n_lines;
  gboolean             finished;   /* the request is gone: no more reports */
  guint                ref_count;  /* the request's and the pending report's */
} Progress;

static Progress *
progress_ref (Progress *progress)
{
  progress->ref_count++;
  return progress;
}

static void
progress_unref (gpointer data)
{
  Progress *progress = data;

  if (--progress->ref_count > 0)
    return;
  if (progress->destroy != NULL)
    progress->destroy (progress->data);
  g_object_unref (progress->task);
  g_free (progress);
}

static gboolean
progress_report (gpointer data)
{
  Progress *progress = data;

  g_clear_pointer (&progress->pending, g_source_unref);
  /* A report that would come after the caller's callback is dropped. */
  if (!progress->finished && !g_task_get_completed (progress->task))
    progress->func (progress->n_files, progress->n_lines, progress->data);
  return G_SOURCE_REMOVE;
}

/* Coalesces: one report at a time is pending, and it says the latest. */
static void
progress_note (Progress *progress,
               guint     n_files,
               gint64    n_lines)
{
  progress->n_files = n_files;
  progress->n_lines = n_lines;
  if (progress->pending != NULL)
    return;

  progress->pending = g_idle_source_new ();
  g_source_set_priority (progress->pending, g_task_get_priority (progress->task));
  g_source_set_static_name (progress->pending, "[summary progress]");
  g_source_set_callback (progress->pending, progress_report,
                         progress_ref (progress), progress_unref);
  g_source_attach (progress->pending, g_task_get_context (progress->task));
}

typedef struct
{
  GFile    *folder;      /* (owned) */
  guint     pause_msec;
  Progress *progress;    /* (owned) (nullable) */
} Request;

/* Isle runs it once, on the island's thread: the caller's. */
static void
request_free (gpointer data)
{
  Request *request = data;

  if (request->progress != NULL)
    {
      request->progress->finished = TRUE;
      if (request->progress->pending != NULL)
        {
          g_source_destroy (request->progress->pending);
          g_clear_pointer (&request->progress->pending, g_source_unref);
        }
      progress_unref (request->progress);
    }
  g_object_unref (request->folder);
  g_free (request);
}

/* On a worker thread of the blocking pool. */
static gpointer
count_lines (gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  gint64 *n_lines;

  if (!g_file_load_contents (data, cancellable, &contents, &length, NULL, error))
    return NULL;

  n_lines = g_new0 (gint64, 1);
  for (gsize i = 0; i < length; i++)
    if (contents[i] == '\n')
      (*n_lines)++;
  return n_lines;
}

/* The whole operation: a fiber task on the island of the caller's context. */
static gpointer
compute (gpointer   data,
         GError   **error)
{
  Request *request = data;
  g_autoptr(IsleFuture) opened = isle_future_new_for_gio ();
  g_autoptr(GFileEnumerator) children = NULL;
  g_autofree Totals *totals = g_new0 (Totals, 1);
  GAsyncResult *result;

  g_file_enumerate_children_async (request->folder,
                                   G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                   G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                                   isle_future_get_cancellable (opened),
                                   isle_gio_callback, isle_future_ref (opened));
  if ((result = isle_await (opened, error)) == NULL ||
      (children = g_file_enumerate_children_finish (request->folder, result, error)) == NULL)
    return NULL;

  for (;;)
    {
      g_autoptr(IsleFuture) next = isle_future_new_for_gio ();
      GList *infos;

      g_file_enumerator_next_files_async (children, 16, G_PRIORITY_DEFAULT,
                                          isle_future_get_cancellable (next),
                                          isle_gio_callback, isle_future_ref (next));
      if ((result = isle_await (next, error)) == NULL)
        return NULL;
      infos = g_file_enumerator_next_files_finish (children, result, error);
      if (infos == NULL)
        {
          if (error != NULL && *error != NULL)
            return NULL;
          break;
        }

      for (GList *l = infos; l != NULL; l = l->next)
        {
          GFileInfo *info = l->data;
          g_autoptr(IsleFuture) counted = NULL;
          gint64 *n_lines;

          if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
            continue;

          counted = isle_spawn_blocking (count_lines,
                                         g_file_get_child (request->folder, g_file_info_get_name (info)),
                                         g_object_unref, g_free);
          if ((n_lines = isle_await (counted, error)) == NULL ||
              (request->pause_msec > 0 && !isle_sleep_msec (request->pause_msec, error)))
            {
              g_list_free_full (infos, g_object_unref);
              return NULL;
            }
          totals->n_lines += *n_lines;
          totals->n_files++;
          if (request->progress != NULL)
            progress_note (request->progress, totals->n_files, totals->n_lines);
        }
      g_list_free_full (infos, g_object_unref);
    }

  return g_steal_pointer (&totals);
}

/**
 * summary_compute_async:
 * @folder: the folder whose files to count
 * @pause_msec: a pause after each file, to watch it work (0: none)
 * @cancellable: (nullable): stops the operation
 * @progress: (nullable) (scope notified) (closure progress_data) (destroy progress_destroy):
 *   called with the counts so far as files are counted
 * @progress_data: data for @progress
 * @progress_destroy: (nullable): frees @progress_data
 * @callback: (scope async): called when the summary is ready
 * @user_data: (closure): data for @callback
 *
 * Counts the lines of the regular files in @folder (not below it), without
 * blocking the calling thread: the folder is read with GIO's asynchronous
 * calls and each file is counted on a worker thread. @callback runs on
 * the calling thread's thread-default main context.
 *
 * @progress runs there too, never inside this call and never after
 * @callback; reports may be coalesced, so the last one need not show the
 * totals (summary_compute_finish() does). @progress_destroy runs once, on
 * the same thread, when no report can come any more.
 */
void
summary_compute_async (GFile               *folder,
                       guint                pause_msec,
                       GCancellable        *cancellable,
                       SummaryProgressFunc  progress,
                       gpointer             progress_data,
                       GDestroyNotify       progress_destroy,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;

  g_return_if_fail (G_IS_FILE (folder));

  task = g_task_new (folder, cancellable, callback, user_data);
  g_task_set_source_tag (task, summary_compute_async);
  g_task_set_name (task, "summary_compute");

  request = g_new0 (Request, 1);
  request->folder = g_object_ref (folder);
  request->pause_msec = pause_msec;
  if (progress != NULL)
    {
      request->progress = g_new0 (Progress, 1);
      request->progress->func = progress;
      request->progress->data = progress_data;
      request->progress->destroy = progress_destroy;
      request->progress->task = g_object_ref (task);
      request->progress->ref_count = 1;
    }
  else if (progress_destroy != NULL)
    progress_destroy (progress_data);
  isle_task_run_for_gtask (task, compute, request, request_free, g_free);
}

/**
 * summary_compute_finish:
 * @result: the result given to the callback
 * @n_files: (out) (optional): the number of files counted
 * @error: return location for an error
 *
 * Finishes summary_compute_async().
 *
 * Returns: the number of lines, or -1 with @error set
 */
gint64
summary_compute_finish (GAsyncResult  *result,
                        guint         *n_files,
                        GError       **error)
{
  g_autofree Totals *totals = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL) || G_IS_TASK (result), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == summary_compute_async, -1);

  totals = g_task_propagate_pointer (G_TASK (result), error);
  if (totals == NULL)
    return -1;
  if (n_files != NULL)
    *n_files = totals->n_files;
  return totals->n_lines;
}
