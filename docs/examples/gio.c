/* gio.c: awaiting a GIO _async/_finish pair in three lines (docs/gio.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

#include <isle.h>

#define SETTINGS "[window]\nwidth=640\n"

static gpointer
load_settings (gpointer   user_data,
               GError   **error)
{
  GFile *file = user_data;
  GAsyncResult *res;
  char *contents;
  gsize length;

  /* The three lines: a pending future, the _async call resolving it
   * through isle_gio_callback, and the await followed by _finish. The
   * task's cancellable stops the operation if the task is aborted. */
  g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
  g_file_load_contents_async (file, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
  if ((res = isle_await (op, error)) == NULL || !g_file_load_contents_finish (file, res, &contents, &length, NULL, error))
    return NULL;

  g_print ("loaded %" G_GSIZE_FORMAT " bytes on the island's thread\n", length);
  return contents;
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GFileIOStream) stream = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  GOutputStream *out;

  /* A temporary file to load, written synchronously: setup, not the
   * point of the example. */
  file = g_file_new_tmp ("isle-example-XXXXXX.ini", &stream, &error);
  if (file == NULL)
    {
      g_printerr ("gio: %s\n", error->message);
      return EXIT_FAILURE;
    }
  out = g_io_stream_get_output_stream (G_IO_STREAM (stream));
  if (!g_output_stream_write_all (out, SETTINGS, strlen (SETTINGS), NULL, NULL, &error) ||
      !g_io_stream_close (G_IO_STREAM (stream), NULL, &error))
    {
      g_printerr ("gio: %s\n", error->message);
      g_file_delete (file, NULL, NULL);
      return EXIT_FAILURE;
    }

  contents = isle_local_set_run_until (island, load_settings, file, &error);
  g_file_delete (file, NULL, NULL);

  if (contents == NULL || !g_str_equal (contents, SETTINGS))
    {
      g_printerr ("gio: %s\n", error != NULL ? error->message : "wrong contents");
      return EXIT_FAILURE;
    }
  g_print ("contents match: ok\n");
  return EXIT_SUCCESS;
}
