/* isle-test-util.h: helpers the Isle test programs share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <isle.h>

G_BEGIN_DECLS

/* The tests that drive an island themselves use the timeout of the public
 * helper, isle_test_run() (10 s, or ISLE_TEST_TIMEOUT seconds): long
 * enough for a loaded CI machine under AddressSanitizer, short enough that
 * a lost wake fails the test instead of hanging the suite. Tests whose
 * body is one root task use isle_test_add_func() itself. */

/* A result destroy notify that counts its calls and notes the thread: a
 * result must be destroyed exactly once, on the island's thread. */
static int result_destroyed G_GNUC_UNUSED;
static GThread *result_destroy_thread G_GNUC_UNUSED;

static inline void
counted_result_destroy (gpointer data)
{
  result_destroyed++;
  result_destroy_thread = g_thread_self ();
  g_free (data);
}

/* The deadline every test drives its island against. */
static inline gint64
isle_test_deadline (void)
{
  return g_get_monotonic_time () + isle_test_get_timeout_msec () * G_TIME_SPAN_MILLISECOND;
}

/* Runs @func as the root task of @island and returns its result; fails the
 * test if the root fails or does not finish before the test deadline. */
static inline gpointer
isle_test_run_root (IsleLocalSet *island,
                    IsleTaskFunc  func,
                    gpointer      user_data)
{
  GError *error = NULL;
  gpointer result;

  result = isle_local_set_run_until_deadline (island, isle_test_deadline (),
                                              func, user_data, NULL, NULL,
                                              &error);
  g_assert_no_error (error);
  return result;
}

/* Runs @island until it has no live tasks; fails the test on the deadline. */
static inline void
isle_test_run_all (IsleLocalSet *island)
{
  GError *error = NULL;
  gboolean ok;

  ok = isle_local_set_run_deadline (island, isle_test_deadline (), &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static inline gboolean
isle_test_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates @context until *@flag becomes non-zero. A ticking timeout keeps a
 * blocking iteration from sleeping past the deadline, so a wake that never
 * comes fails the test instead of hanging it. */
static inline void
isle_test_iterate_until (GMainContext *context,
                         const int    *flag)
{
  gint64 deadline = isle_test_deadline ();
  GSource *tick = g_timeout_source_new (20);

  g_source_set_callback (tick, isle_test_tick_cb, NULL, NULL);
  g_source_attach (tick, context);
  while (g_atomic_int_get (flag) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
}

/* What the task list says task @id of @island waits for, as "KIND: WORDS"
 * (the wait kind and the dump's words), so that a test can check that a
 * poll form's wait reads as its fiber form's. */
static inline char *
isle_test_describe_wait (IsleLocalSet *island,
                         guint64       id)
{
  g_autoptr(GListModel) infos = isle_local_set_list_tasks (island);

  for (guint i = 0; i < g_list_model_get_n_items (infos); i++)
    {
      g_autoptr(IsleTaskInfo) info = g_list_model_get_item (infos, i);

      if (isle_task_info_get_id (info) == id)
        return g_strdup_printf ("%s: %s", isle_task_info_get_wait_kind (info),
                                isle_task_info_get_waiting_for (info));
    }
  g_assert_not_reached ();
}

/* In a subprocess that checks a critical and then what the call returned:
 * criticals stay logged but no longer abort. */
static inline void
isle_test_make_criticals_non_fatal (void)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
}

G_END_DECLS
