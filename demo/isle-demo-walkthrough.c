/* isle-demo-walkthrough.c: the headless tour of every page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The walkthrough is itself a task of the demo's island: it presses the
 * pages' buttons as a user would, waits (suspended, so the island and GTK
 * keep running) until each page has done its work, prints what happened,
 * and saves a screenshot of each page rendered by GTK.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "isle-demo-screenshot.h"
#include "isle-demo-task-entry.h"
#include "isle-demo-walkthrough.h"

/* How long one page may take before the walkthrough gives up: generous,
 * for a loaded machine and the sanitizer build. */
#define WALKTHROUGH_PAGE_TIMEOUT (120 * G_TIME_SPAN_SECOND)

/* How often the walkthrough looks whether a page is done. */
#define WALKTHROUGH_POLL_MS 20

typedef struct
{
  IsleDemoWindow *window;               /* (unowned) */
  char *directory;                      /* (owned) */
  GPtrArray *screenshots;               /* (owned) element-type utf8 */
} Walkthrough;

static void
walkthrough_free (gpointer data)
{
  Walkthrough *walkthrough = data;

  g_free (walkthrough->directory);
  g_ptr_array_unref (walkthrough->screenshots);
  g_free (walkthrough);
}

static const char *
part_text (Walkthrough *walkthrough,
           const char  *name)
{
  return gtk_label_get_text (GTK_LABEL (isle_demo_window_get_part (walkthrough->window, name)));
}

static gboolean
page_idle (IsleDemoWindow *window,
           const char     *page)
{
  return !isle_demo_window_is_busy (window, page);
}

/* Suspends until @page has no work in flight. */
static gboolean
wait_for_page (Walkthrough  *walkthrough,
               const char   *page,
               GError      **error)
{
  gint64 deadline = g_get_monotonic_time () + WALKTHROUGH_PAGE_TIMEOUT;

  while (!page_idle (walkthrough->window, page))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "The %s page was still busy after %d s", page,
                       (int) (WALKTHROUGH_PAGE_TIMEOUT / G_TIME_SPAN_SECOND));
          return FALSE;
        }
      if (!isle_sleep_msec (WALKTHROUGH_POLL_MS, error))
        return FALSE;
    }

  return TRUE;
}

/* Suspends until the window has drawn @n_frames more frames. */
static gboolean
await_frames (GtkWidget  *window,
              guint       n_frames,
              GError    **error)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  for (guint i = 0; i < n_frames; i++)
    {
      g_autoptr(IsleFuture) painted = isle_future_new_for_signal (clock, "after-paint");

      gtk_widget_queue_draw (window);
      if (isle_await (painted, error) == NULL)
        return FALSE;
    }

  return TRUE;
}

static gboolean
screenshot (Walkthrough  *walkthrough,
            const char   *page,
            GError      **error)
{
  g_autofree char *name = g_strdup_printf ("%s.png", page);
  g_autofree char *path = g_build_filename (walkthrough->directory, name, NULL);

  g_autoptr(IsleFuture) saved = NULL;

  if (!await_frames (GTK_WIDGET (walkthrough->window), 1, error))
    return FALSE;
  saved = isle_demo_screenshot_future_new (GTK_WIDGET (walkthrough->window), path);
  if (isle_await (saved, error) == NULL)
    return FALSE;

  g_print ("  screenshot: %s\n", path);
  g_ptr_array_add (walkthrough->screenshots, g_steal_pointer (&path));
  return TRUE;
}

static void
show_page (Walkthrough *walkthrough,
           const char  *page,
           const char  *title)
{
  g_print ("\n== %s\n", title);
  isle_demo_window_show_page (walkthrough->window, page);
}

static void
press (Walkthrough *walkthrough,
       const char  *button)
{
  /* What a click ends with: gtk_widget_activate() would play the press
   * animation first and emit "clicked" a quarter of a second later. */
  g_signal_emit_by_name (isle_demo_window_get_part (walkthrough->window, button), "clicked");
}

static gboolean
tour_counter (Walkthrough  *walkthrough,
              GError      **error)
{
  show_page (walkthrough, "counter", "Counter");
  press (walkthrough, "counter_button");
  if (!wait_for_page (walkthrough, "counter", error))
    return FALSE;

  g_print ("%s\n", part_text (walkthrough, "counter_log"));
  if (!g_str_equal (part_text (walkthrough, "counter_value"), "2"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The counter shows %s, not 2", part_text (walkthrough, "counter_value"));
      return FALSE;
    }

  return screenshot (walkthrough, "counter", error);
}

static gboolean
tour_workers (Walkthrough  *walkthrough,
              GError      **error)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (isle_demo_window_get_part (walkthrough->window, "workers_spin"));

  show_page (walkthrough, "workers", "Workers");

  gtk_spin_button_set_value (spin, 12);
  press (walkthrough, "workers_start");
  g_print ("started 12 workers\n");
  if (!wait_for_page (walkthrough, "workers", error))
    return FALSE;
  g_print ("%s\n", part_text (walkthrough, "workers_summary"));

  gtk_spin_button_set_value (spin, 1000);
  press (walkthrough, "workers_start");
  g_print ("started 1000 workers\n");
  if (!isle_sleep_msec (600, error))
    return FALSE;
  g_print ("after 0.6 s: %s\n", part_text (walkthrough, "workers_summary"));
  if (!screenshot (walkthrough, "workers", error))
    return FALSE;

  press (walkthrough, "workers_cancel_all");
  g_print ("pressed Cancel all\n");
  if (!wait_for_page (walkthrough, "workers", error))
    return FALSE;
  g_print ("%s\n", part_text (walkthrough, "workers_summary"));
  return TRUE;
}

static gboolean
tour_blocking (Walkthrough  *walkthrough,
               GError      **error)
{
  GtkEditable *entry = GTK_EDITABLE (isle_demo_window_get_part (walkthrough->window, "blocking_entry"));
  GtkSwitch *on_ui_thread = GTK_SWITCH (isle_demo_window_get_part (walkthrough->window, "blocking_ui_switch"));

  show_page (walkthrough, "blocking", "Blocking work");

  gtk_editable_set_text (entry, "2000000");
  gtk_switch_set_active (on_ui_thread, FALSE);
  press (walkthrough, "blocking_start");
  if (!wait_for_page (walkthrough, "blocking", error))
    return FALSE;
  g_print ("%s\n", part_text (walkthrough, "blocking_result"));

  gtk_editable_set_text (entry, "1000000");
  gtk_switch_set_active (on_ui_thread, TRUE);
  press (walkthrough, "blocking_start");
  if (!wait_for_page (walkthrough, "blocking", error))
    return FALSE;
  g_print ("%s\n", part_text (walkthrough, "blocking_result"));
  g_print ("%s\n", part_text (walkthrough, "blocking_report"));
  gtk_switch_set_active (on_ui_thread, FALSE);

  return screenshot (walkthrough, "blocking", error);
}

static const char * const sample_files[][2] = {
  { "notes.txt", "Islands of local tasks\nfor GLib and GTK 4\nin C.\nThis fourth line is not shown.\n" },
  { "poem.txt", "The island keeps its tasks at home:\none thread, one context,\nno locks.\n" },
  { "todo.txt", "- await the dialog\n- read the files\n- count the primes\n" },
};

/* A folder with a few text files (and one that is not text). */
static char *
make_sample_folder (GError **error)
{
  g_autofree char *folder = g_dir_make_tmp ("isle-demo-XXXXXX", error);
  g_autofree char *binary = NULL;

  if (folder == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (sample_files); i++)
    {
      g_autofree char *path = g_build_filename (folder, sample_files[i][0], NULL);

      if (!g_file_set_contents (path, sample_files[i][1], -1, error))
        return NULL;
    }

  binary = g_build_filename (folder, "image.png", NULL);
  if (!g_file_set_contents (binary, "\x89PNG\r\n\x1a\n", 8, error))
    return NULL;

  return g_steal_pointer (&folder);
}

static void
remove_sample_folder (const char *folder)
{
  for (guint i = 0; i < G_N_ELEMENTS (sample_files); i++)
    {
      g_autofree char *path = g_build_filename (folder, sample_files[i][0], NULL);

      g_unlink (path);
    }
  {
    g_autofree char *binary = g_build_filename (folder, "image.png", NULL);

    g_unlink (binary);
  }
  g_rmdir (folder);
}

static gboolean
tour_files (Walkthrough  *walkthrough,
            GError      **error)
{
  g_autofree char *folder = NULL;
  g_autoptr(GFile) file = NULL;
  gboolean ok;

  show_page (walkthrough, "files", "Files");

  if ((folder = make_sample_folder (error)) == NULL)
    return FALSE;
  file = g_file_new_for_path (folder);
  g_print ("reading %s (the folder chooser is skipped here)\n", folder);
  isle_demo_window_load_folder (walkthrough->window, file);

  ok = wait_for_page (walkthrough, "files", error);
  if (ok)
    {
      g_print ("%s\n", part_text (walkthrough, "files_status"));
      ok = screenshot (walkthrough, "files", error);
    }

  remove_sample_folder (folder);
  return ok;
}

static gboolean
tour_dialog (Walkthrough  *walkthrough,
             GError      **error)
{
  gint64 deadline = g_get_monotonic_time () + WALKTHROUGH_PAGE_TIMEOUT;
  GtkWindow *question;

  show_page (walkthrough, "dialog", "Dialog");
  press (walkthrough, "dialog_button");

  while ((question = isle_demo_window_get_question (walkthrough->window)) == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "The question never appeared");
          return FALSE;
        }
      if (!isle_sleep_msec (WALKTHROUGH_POLL_MS, error))
        return FALSE;
    }

  {
    g_autofree char *text = NULL;

    g_object_get (question, "text", &text, NULL);
    g_print ("the dialog asks: %s\n", text);
  }
  if (!await_frames (GTK_WIDGET (question), 1, error))
    return FALSE;
  g_print ("answering Yes\n");
  gtk_dialog_response (GTK_DIALOG (question), GTK_RESPONSE_YES);

  if (!wait_for_page (walkthrough, "dialog", error))
    return FALSE;
  g_print ("%s\n", part_text (walkthrough, "dialog_result"));

  return screenshot (walkthrough, "dialog", error);
}

static gboolean
tour_inspector (Walkthrough  *walkthrough,
                GError      **error)
{
  GtkListView *list = GTK_LIST_VIEW (isle_demo_window_get_part (walkthrough->window, "inspector_list"));
  GListModel *lines;

  /* Workers napping while the Inspector looks: it names their sleeps. */
  show_page (walkthrough, "workers", "Workers, for the Inspector");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (isle_demo_window_get_part (walkthrough->window,
                                                                         "workers_spin")), 12);
  g_signal_emit_by_name (isle_demo_window_get_part (walkthrough->window, "workers_start"), "clicked");
  show_page (walkthrough, "inspector", "Inspector");

  /* Long enough for two refreshes, the second with a frame rate. */
  if (!isle_sleep_msec (1100, error))
    return FALSE;

  g_print ("%s\n", part_text (walkthrough, "inspector_fps"));
  g_print ("%s\n", part_text (walkthrough, "inspector_counters"));
  lines = G_LIST_MODEL (gtk_list_view_get_model (list));
  for (guint i = 0; i < g_list_model_get_n_items (lines); i++)
    {
      g_autoptr(IsleDemoTaskEntry) entry = g_list_model_get_item (lines, i);
      g_autofree char *line = isle_demo_window_describe_task (isle_demo_task_entry_get_info (entry));

      g_print ("%s\n", line);
    }

  return screenshot (walkthrough, "inspector", error);
}

static gpointer
walkthrough_run (gpointer   user_data,
                 GError   **error)
{
  Walkthrough *walkthrough = user_data;

  if (g_mkdir_with_parents (walkthrough->directory, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not make %s: %s", walkthrough->directory, g_strerror (saved_errno));
      return NULL;
    }

  g_print ("Isle demo walkthrough: screenshots go to %s\n", walkthrough->directory);

  /* The window's first frame, so the pages have a size. */
  if (!await_frames (GTK_WIDGET (walkthrough->window), 1, error))
    return NULL;

  if (!tour_counter (walkthrough, error) ||
      !tour_workers (walkthrough, error) ||
      !tour_blocking (walkthrough, error) ||
      !tour_files (walkthrough, error) ||
      !tour_dialog (walkthrough, error) ||
      !tour_inspector (walkthrough, error))
    return NULL;

  g_print ("\nScreenshots:\n");
  for (guint i = 0; i < walkthrough->screenshots->len; i++)
    g_print ("  %s\n", (const char *) walkthrough->screenshots->pdata[i]);

  return NULL;
}

/**
 * isle_demo_walkthrough_start:
 * @window: the demo's window, shown
 * @directory: where to save the screenshots; made if missing
 *
 * Spawns the walkthrough on the current island, bound to @window. Join
 * the handle to learn whether every page did what it should.
 *
 * Returns: (transfer full): the walkthrough's join handle
 */
IsleJoinHandle *
isle_demo_walkthrough_start (IsleDemoWindow *window,
                             const char     *directory)
{
  Walkthrough *walkthrough = g_new0 (Walkthrough, 1);

  walkthrough->window = window;
  walkthrough->directory = g_strdup (directory);
  walkthrough->screenshots = g_ptr_array_new_with_free_func (g_free);

  return isle_spawn_local_for_object_full (window, "walkthrough", G_PRIORITY_DEFAULT, 0,
                                           walkthrough_run, walkthrough,
                                           walkthrough_free, NULL);
}
