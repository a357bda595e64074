/* c-caller.c: summary_compute_async() from plain GIO code in C
 *
 * It knows only GIO: no Isle header, no Isle call. Every case checks that
 * the callback runs exactly once, on the caller's context, and that the
 * progress reports come there too, between the call and the callback, and
 * that their data is released exactly once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "summary.h"

static char *folder_path;

/* Five files of 1 to 5 lines: 15 lines in all. */
static void
make_folder (void)
{
  folder_path = g_dir_make_tmp ("summary-XXXXXX", NULL);
  g_assert_nonnull (folder_path);
  for (int i = 1; i <= 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/file%d.txt", folder_path, i);
      GString *text = g_string_new (NULL);

      for (int j = 0; j < i; j++)
        g_string_append (text, "a line\n");
      g_assert_true (g_file_set_contents (name, text->str, -1, NULL));
      g_string_free (text, TRUE);
    }
}

static void
remove_folder (void)
{
  for (int i = 1; i <= 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/file%d.txt", folder_path, i);

      g_remove (name);
    }
  g_rmdir (folder_path);
  g_free (folder_path);
}

typedef struct
{
  int           calls;
  gboolean      in_call;        /* inside summary_compute_async() */
  gboolean      called_inside;
  GMainContext *context;        /* where the callback must run */
  GMainContext *ran_on;
  gint64        n_lines;
  guint         n_files;
  GError       *error;

  int           n_reports;
  guint         reported_files; /* the latest report */
  gint64        reported_lines;
  gboolean      report_misplaced; /* inside the call, after the callback,
                                   * elsewhere, or going backwards */
  int           n_progress_destroyed;
} Outcome;

static GMainContext *
current_context (void)
{
  GMainContext *context = g_main_context_get_thread_default ();

  return context != NULL ? context : g_main_context_default ();
}

static void
on_progress (guint    n_files,
             gint64   n_lines,
             gpointer data)
{
  Outcome *outcome = data;

  outcome->report_misplaced |= outcome->in_call || outcome->calls > 0 ||
                               current_context () != outcome->context ||
                               n_files < outcome->reported_files ||
                               n_lines < outcome->reported_lines;
  outcome->n_reports++;
  outcome->reported_files = n_files;
  outcome->reported_lines = n_lines;
}

static void
on_progress_destroyed (gpointer data)
{
  Outcome *outcome = data;

  outcome->report_misplaced |= current_context () != outcome->context;
  outcome->n_progress_destroyed++;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Outcome *outcome = data;

  outcome->calls++;
  outcome->called_inside |= outcome->in_call;
  outcome->ran_on = current_context ();
  outcome->n_lines = summary_compute_finish (result, &outcome->n_files, &outcome->error);
}

static void
start (Outcome      *outcome,
       const char   *path,
       guint         pause_msec,
       GCancellable *cancellable)
{
  g_autoptr(GFile) folder = g_file_new_for_path (path);

  outcome->context = g_main_context_ref_thread_default ();
  g_main_context_unref (outcome->context);
  outcome->in_call = TRUE;
  summary_compute_async (folder, pause_msec, cancellable,
                         on_progress, outcome, on_progress_destroyed,
                         on_done, outcome);
  outcome->in_call = FALSE;
}

static void
wait_for (Outcome *outcome)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  while (outcome->calls == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (outcome->context, TRUE);
    }
  /* A second callback would come within a few more iterations. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (outcome->context, FALSE);
  g_assert_cmpint (outcome->calls, ==, 1);
  g_assert_false (outcome->called_inside);
  g_assert_true (outcome->ran_on == outcome->context);

  /* The progress data goes once the operation's task is done, which may
   * be an iteration after the callback. */
  while (outcome->n_progress_destroyed == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (outcome->context, TRUE);
    }
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (outcome->context, FALSE);
  g_assert_cmpint (outcome->n_progress_destroyed, ==, 1);
  g_assert_false (outcome->report_misplaced);
}

static void
check_counted (Outcome *outcome)
{
  g_assert_no_error (outcome->error);
  g_assert_cmpint (outcome->n_lines, ==, 15);
  g_assert_cmpuint (outcome->n_files, ==, 5);
}

static void
check_cancelled (Outcome *outcome)
{
  g_assert_error (outcome->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (outcome->n_lines, ==, -1);
  g_clear_error (&outcome->error);
}

static void
test_plain (void)
{
  Outcome outcome = { 0, };

  start (&outcome, folder_path, 0, NULL);
  wait_for (&outcome);
  check_counted (&outcome);
}

/* With a pause after each file the caller's loop runs between files, so
 * the reports come one by one: each says one file more than the last. */
static void
test_progress (void)
{
  Outcome outcome = { 0, };

  start (&outcome, folder_path, 5, NULL);
  wait_for (&outcome);
  check_counted (&outcome);
  g_assert_cmpint (outcome.n_reports, >=, 4);
  g_assert_cmpuint (outcome.reported_files, >=, 4);
  g_assert_cmpint (outcome.reported_lines, <=, 15);
}

/* No progress function: nothing to report, nothing to release. */
static void
test_no_progress (void)
{
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  Outcome outcome = { 0, };

  outcome.context = current_context ();
  summary_compute_async (folder, 0, NULL, NULL, NULL, NULL, on_done, &outcome);
  while (outcome.calls == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (outcome.context, TRUE);
    }
  check_counted (&outcome);
}

static gboolean
cancel_idle (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_main_loop (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome outcome = { 0, };

  /* 10 s of pauses: only the cancel can end it in time. */
  start (&outcome, folder_path, 2000, cancellable);
  g_timeout_add (50, cancel_idle, cancellable);
  wait_for (&outcome);
  check_cancelled (&outcome);
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (50 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel_other_thread (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome outcome = { 0, };
  GThread *thread;

  start (&outcome, folder_path, 2000, cancellable);
  thread = g_thread_new ("canceller", cancel_thread, cancellable);
  wait_for (&outcome);
  g_thread_join (thread);
  check_cancelled (&outcome);
}

static void
test_already_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome outcome = { 0, };

  g_cancellable_cancel (cancellable);
  start (&outcome, folder_path, 0, cancellable);
  wait_for (&outcome);
  check_cancelled (&outcome);
}

static void
test_error (void)
{
  g_autofree char *missing = g_build_filename (folder_path, "no-such-folder", NULL);
  Outcome outcome = { 0, };

  start (&outcome, missing, 0, NULL);
  wait_for (&outcome);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&outcome.error);
}

static gpointer
worker_caller (gpointer data)
{
  Outcome *outcome = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  start (outcome, folder_path, 0, NULL);
  wait_for (outcome);
  /* Until the library's island, which lingers while the context is busy,
   * has gone. */
  for (int i = 0; i < 100 && g_main_context_iteration (context, FALSE); i++)
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_worker_thread (void)
{
  Outcome outcome = { 0, };

  g_thread_join (g_thread_new ("caller", worker_caller, &outcome));
  check_counted (&outcome);
}

static void
test_concurrent (void)
{
  Outcome outcomes[10] = { { 0, }, };

  for (int i = 0; i < 10; i++)
    start (&outcomes[i], folder_path, i % 3, NULL);
  for (int i = 0; i < 10; i++)
    {
      wait_for (&outcomes[i]);
      check_counted (&outcomes[i]);
    }
}

/* Lets the library's island go before the test ends, so leak checkers see
 * nothing left. */
static void
settle (void)
{
  for (int i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  make_folder ();

  g_test_add_func ("/Summary/C/plain", test_plain);
  g_test_add_func ("/Summary/C/progress", test_progress);
  g_test_add_func ("/Summary/C/no-progress", test_no_progress);
  g_test_add_func ("/Summary/C/cancel-main-loop", test_cancel_main_loop);
  g_test_add_func ("/Summary/C/cancel-other-thread", test_cancel_other_thread);
  g_test_add_func ("/Summary/C/already-cancelled", test_already_cancelled);
  g_test_add_func ("/Summary/C/error", test_error);
  g_test_add_func ("/Summary/C/worker-thread", test_worker_thread);
  g_test_add_func ("/Summary/C/concurrent", test_concurrent);

  status = g_test_run ();
  settle ();
  remove_folder ();
  return status;
}
