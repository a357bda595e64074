/* test-window-bound.c: a task bound to a GtkWindow, on GTK 4.8
 *
 * gtk_window_destroy() drops the reference GTK holds on a toplevel; it
 * does not run dispose on a window that something else still references.
 * A task bound with isle_spawn_local_for_object() is aborted when its
 * window is disposed, so it must not be what keeps the window alive.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gtk/gtk.h>
#include <isle.h>

static gpointer
wait_forever (gpointer   data,
              GError   **error)
{
  isle_sleep_msec (60 * 1000, error);
  return NULL;
}

static void
run_until_finished (IsleJoinHandle *handle,
                    guint           max_iterations)
{
  for (guint i = 0; i < max_iterations && !isle_join_handle_is_finished (handle); i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Safe: the task's data is the window, unowned (or a GWeakRef). */
static void
test_unowned_window (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_ref_thread_default ();
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);
  GtkWidget *window = gtk_window_new ();
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local_for_object (window, wait_forever, window, NULL);

  run_until_finished (handle, 10);
  g_assert_false (isle_join_handle_is_finished (handle));
  gtk_window_destroy (GTK_WINDOW (window));
  run_until_finished (handle, 1000);
  g_assert_true (isle_join_handle_is_finished (handle));
}

/* The pitfall: a strong reference in the task's data keeps the window, so
 * gtk_window_destroy() does not dispose it and the task runs on. */
static void
test_strong_reference_keeps_task (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_ref_thread_default ();
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);
  GtkWidget *window = gtk_window_new ();
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local_for_object (window, wait_forever,
                                                                  g_object_ref (window),
                                                                  g_object_unref);

  gtk_window_destroy (GTK_WINDOW (window));
  run_until_finished (handle, 100);
  g_assert_false (isle_join_handle_is_finished (handle));

  /* Only an explicit abort ends it now; its data then drops the window. */
  isle_join_handle_abort (handle);
  run_until_finished (handle, 1000);
  g_assert_true (isle_join_handle_is_finished (handle));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Window/unowned-window-aborts", test_unowned_window);
  g_test_add_func ("/Isle/Window/strong-reference-keeps-task", test_strong_reference_keeps_task);

  return g_test_run ();
}
