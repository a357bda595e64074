/* summary.c: an example GIO-style library written with Isle's GTask bridge
 *
 * Its callers know nothing of Isle: they see a GIO _async/_finish pair, in
 * C, Python, JavaScript or Vala. Inside, the operation is one fiber task
 * that walks a folder with GIO calls and counts each file's lines on
 * Isle's blocking pool.
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

typedef struct
{
  GFile *folder;      /* (owned) */
  guint  pause_msec;
} Request;

static void
request_free (gpointer data)
{
  Request *request = data;

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
 * @callback: (scope async): called when the summary is ready
 * @user_data: (closure): data for @callback
 *
 * Counts the lines of the regular files in @folder (not below it), without
 * blocking the calling thread: the folder is read with GIO's asynchronous
 * calls and each file is counted on a worker thread. @callback runs on
 * the calling thread's thread-default main context.
 */
void
summary_compute_async (GFile               *folder,
                       guint                pause_msec,
                       GCancellable        *cancellable,
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
