/* test-thread-guard.c: values only their owner thread may touch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

#define N_REF_THREADS 8
#define N_REFS_PER_THREAD 10000

static GThread *main_thread;

static void
reset_destroy_count (void)
{
  result_destroyed = 0;
  result_destroy_thread = NULL;
}

/* Dispatches whatever is ready on @context without blocking, so that a
 * destroy notify sent twice would show. */
static void
drain_context (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

static void
test_thread_guard_type (void)
{
  g_assert_cmpuint (isle_thread_guard_get_type (), !=, G_TYPE_INVALID);
  g_assert_nonnull (g_type_name (ISLE_TYPE_THREAD_GUARD));
}

static void
test_thread_guard_get_on_owner (void)
{
  char *value = g_strdup ("value");
  IsleThreadGuard *guard;

  reset_destroy_count ();
  guard = isle_thread_guard_new (value, counted_result_destroy);

  g_assert_true (isle_thread_guard_get (guard) == value);
  g_assert_cmpstr (isle_thread_guard_get (guard), ==, "value");
  g_assert_cmpint (result_destroyed, ==, 0);

  isle_thread_guard_unref (guard);
}

static gpointer
is_owner_thread (gpointer user_data)
{
  IsleThreadGuard *guard = user_data;

  return GINT_TO_POINTER (isle_thread_guard_is_owner (guard));
}

static void
test_thread_guard_is_owner (void)
{
  g_autoptr(IsleThreadGuard) guard = isle_thread_guard_new (NULL, NULL);
  GThread *thread;

  g_assert_true (isle_thread_guard_is_owner (guard));

  thread = g_thread_new ("not-owner", is_owner_thread, guard);
  g_assert_false (GPOINTER_TO_INT (g_thread_join (thread)));
}

static void
test_thread_guard_steal (void)
{
  char *value = g_strdup ("value");
  IsleThreadGuard *guard;
  char *stolen;

  reset_destroy_count ();
  guard = isle_thread_guard_new (value, counted_result_destroy);

  stolen = isle_thread_guard_steal (guard);
  g_assert_true (stolen == value);
  g_assert_null (isle_thread_guard_get (guard));
  g_assert_null (isle_thread_guard_steal (guard));

  isle_thread_guard_unref (guard);
  drain_context (g_main_context_default ());
  /* The value now belongs to the caller: the guard did not destroy it. */
  g_assert_cmpint (result_destroyed, ==, 0);
  g_free (stolen);
}

static gpointer
unref_thread (gpointer user_data)
{
  isle_thread_guard_unref (user_data);
  return NULL;
}

/* Stealing on the owner, then dropping the last reference elsewhere: there
 * is nothing to send to the owner. */
static void
test_thread_guard_steal_then_unref_on_other_thread (void)
{
  IsleThreadGuard *guard;
  char *stolen;

  reset_destroy_count ();
  guard = isle_thread_guard_new (g_strdup ("value"), counted_result_destroy);
  stolen = isle_thread_guard_steal (guard);

  g_thread_join (g_thread_new ("releaser", unref_thread, guard));
  drain_context (g_main_context_default ());
  g_assert_cmpint (result_destroyed, ==, 0);
  g_free (stolen);
}

static void
test_thread_guard_unref_on_owner (void)
{
  IsleThreadGuard *guard;

  reset_destroy_count ();
  guard = isle_thread_guard_new (g_strdup ("value"), counted_result_destroy);
  isle_thread_guard_ref (guard);

  isle_thread_guard_unref (guard);
  g_assert_cmpint (result_destroyed, ==, 0);

  /* The last reference on the owner destroys at once, without the main
   * loop. */
  isle_thread_guard_unref (guard);
  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == main_thread);

  drain_context (g_main_context_default ());
  g_assert_cmpint (result_destroyed, ==, 1);
}

static void
test_thread_guard_unref_on_other_thread (void)
{
  GMainContext *context = g_main_context_default ();
  IsleThreadGuard *guard;

  reset_destroy_count ();
  guard = isle_thread_guard_new (g_strdup ("value"), counted_result_destroy);

  g_thread_join (g_thread_new ("releaser", unref_thread, guard));
  /* The releasing thread has finished, and it did not destroy the value:
   * that waits for the owner's context. */
  g_assert_cmpint (g_atomic_int_get (&result_destroyed), ==, 0);

  isle_test_iterate_until (context, &result_destroyed);
  g_assert_true (result_destroy_thread == main_thread);

  drain_context (context);
  g_assert_cmpint (result_destroyed, ==, 1);
}

typedef struct
{
  IsleThreadGuard *guard;
  int              started;   /* (atomic) */
  gboolean         go;        /* (atomic) */
} ManyRefsData;

static gpointer
many_refs_thread (gpointer user_data)
{
  ManyRefsData *data = user_data;
  IsleThreadGuard *own = isle_thread_guard_ref (data->guard);

  g_atomic_int_inc (&data->started);
  while (!g_atomic_int_get (&data->go))
    g_thread_yield ();

  for (guint i = 0; i < N_REFS_PER_THREAD; i++)
    isle_thread_guard_unref (isle_thread_guard_ref (own));

  /* Whichever reference goes last, on this thread or another, must send
   * the value home exactly once. */
  isle_thread_guard_unref (own);
  return NULL;
}

static void
test_thread_guard_ref_unref_many_threads (void)
{
  GMainContext *context = g_main_context_default ();
  ManyRefsData data = { NULL, };
  GThread *threads[N_REF_THREADS];

  reset_destroy_count ();
  data.guard = isle_thread_guard_new (g_strdup ("value"), counted_result_destroy);

  for (guint i = 0; i < N_REF_THREADS; i++)
    threads[i] = g_thread_new ("ref-unref", many_refs_thread, &data);
  while (g_atomic_int_get (&data.started) < N_REF_THREADS)
    g_thread_yield ();

  g_atomic_int_set (&data.go, TRUE);
  isle_thread_guard_unref (data.guard);

  for (guint i = 0; i < N_REF_THREADS; i++)
    g_thread_join (threads[i]);

  isle_test_iterate_until (context, &result_destroyed);
  g_assert_true (result_destroy_thread == main_thread);
  drain_context (context);
  g_assert_cmpint (result_destroyed, ==, 1);
}

static gpointer
get_on_other_thread (gpointer user_data)
{
  IsleThreadGuard *guard = user_data;

  isle_thread_guard_get (guard);
  g_print ("survived\n");
  return NULL;
}

static gpointer
steal_on_other_thread (gpointer user_data)
{
  IsleThreadGuard *guard = user_data;

  isle_thread_guard_steal (guard);
  g_print ("survived\n");
  return NULL;
}

static void
run_on_other_thread_in_subprocess (GThreadFunc func)
{
  g_autoptr(IsleThreadGuard) guard = NULL;

  guard = isle_thread_guard_new (g_strdup ("value"), g_free);
  g_thread_join (g_thread_new ("intruder", func, guard));
}

static void
test_thread_guard_get_on_other_thread_aborts (void)
{
  if (g_test_subprocess ())
    {
      run_on_other_thread_in_subprocess (get_on_other_thread);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_thread_guard_get() called on thread "
                             "'intruder' (tid *), but IsleThreadGuard *"
                             "belongs to thread '*' (tid *)"
                             "*g_main_context_invoke()*");
}

static void
test_thread_guard_steal_on_other_thread_aborts (void)
{
  if (g_test_subprocess ())
    {
      run_on_other_thread_in_subprocess (steal_on_other_thread);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_thread_guard_steal() called on thread "
                             "'intruder'*belongs to thread*");
}

static void
test_thread_guard_new_for_context (void)
{
  GMainContext *context = g_main_context_new ();
  IsleThreadGuard *guard;

  reset_destroy_count ();
  guard = isle_thread_guard_new_for_context (context, g_strdup ("value"),
                                             counted_result_destroy);
  g_assert_true (isle_thread_guard_is_owner (guard));
  g_assert_cmpstr (isle_thread_guard_get (guard), ==, "value");

  g_thread_join (g_thread_new ("releaser", unref_thread, guard));
  /* Sent to the guard's context, not the default one. */
  drain_context (g_main_context_default ());
  g_assert_cmpint (result_destroyed, ==, 0);

  isle_test_iterate_until (context, &result_destroyed);
  g_assert_true (result_destroy_thread == main_thread);
  drain_context (context);
  g_assert_cmpint (result_destroyed, ==, 1);
  g_main_context_unref (context);
}

/* A thread that pushed its own thread-default context: isle_thread_guard_new()
 * sends the value to that one. */
static void
test_thread_guard_thread_default_context (void)
{
  GMainContext *context = g_main_context_new ();
  IsleThreadGuard *guard;

  reset_destroy_count ();
  g_main_context_push_thread_default (context);
  guard = isle_thread_guard_new (g_strdup ("value"), counted_result_destroy);
  g_main_context_pop_thread_default (context);

  g_thread_join (g_thread_new ("releaser", unref_thread, guard));
  drain_context (g_main_context_default ());
  g_assert_cmpint (result_destroyed, ==, 0);

  isle_test_iterate_until (context, &result_destroyed);
  g_assert_true (result_destroy_thread == main_thread);
  g_main_context_unref (context);
}

/* The owner drops its context without iterating it again after a release
 * on another thread: finalizing the context destroys the value, on the
 * owner thread. */
static void
test_thread_guard_context_finalized_on_owner (void)
{
  GMainContext *context = g_main_context_new ();
  IsleThreadGuard *guard;

  reset_destroy_count ();
  guard = isle_thread_guard_new_for_context (context, g_strdup ("value"),
                                             counted_result_destroy);

  g_thread_join (g_thread_new ("releaser", unref_thread, guard));
  g_assert_cmpint (result_destroyed, ==, 0);

  g_main_context_unref (context);
  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == main_thread);
}

static gpointer
iterate_context_thread (gpointer user_data)
{
  drain_context (user_data);
  return NULL;
}

/* A guard's context iterated on another thread: the value is leaked with
 * a critical, not destroyed on the wrong thread. */
static void
test_thread_guard_context_iterated_elsewhere_reported (void)
{
  if (g_test_subprocess ())
    {
      GMainContext *context = g_main_context_new ();
      IsleThreadGuard *guard;

      guard = isle_thread_guard_new_for_context (context, g_strdup ("value"),
                                                 counted_result_destroy);
      g_thread_join (g_thread_new ("releaser", unref_thread, guard));
      g_thread_join (g_thread_new ("iterator", iterate_context_thread, context));
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*IsleThreadGuard*owner thread '*' "
                             "(tid *)*iterated or finalized on thread "
                             "'iterator' (tid *)*leaked*");
}

static void
test_thread_guard_without_destroy (void)
{
  int value = 42;
  IsleThreadGuard *guard = isle_thread_guard_new (&value, NULL);

  g_assert_true (isle_thread_guard_get (guard) == &value);
  /* Nothing to destroy: releasing elsewhere needs no help from the owner. */
  g_thread_join (g_thread_new ("releaser", unref_thread, guard));
}

static void
test_thread_guard_autoptr (void)
{
  reset_destroy_count ();

  {
    g_autoptr(IsleThreadGuard) guard = NULL;

    guard = isle_thread_guard_new (g_strdup ("value"), counted_result_destroy);
    g_assert_cmpstr (isle_thread_guard_get (guard), ==, "value");
  }

  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == main_thread);
}

static void
test_thread_guard_boxed_copy (void)
{
  IsleThreadGuard *guard;
  IsleThreadGuard *copy;

  reset_destroy_count ();
  guard = isle_thread_guard_new (g_strdup ("value"), counted_result_destroy);

  /* A boxed copy is another reference to the same value. */
  copy = g_boxed_copy (ISLE_TYPE_THREAD_GUARD, guard);
  g_assert_true (copy == guard);
  g_boxed_free (ISLE_TYPE_THREAD_GUARD, copy);
  g_assert_cmpint (result_destroyed, ==, 0);

  isle_thread_guard_unref (guard);
  g_assert_cmpint (result_destroyed, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/Isle/ThreadGuard/type", test_thread_guard_type);
  g_test_add_func ("/Isle/ThreadGuard/get-on-owner", test_thread_guard_get_on_owner);
  g_test_add_func ("/Isle/ThreadGuard/is-owner", test_thread_guard_is_owner);
  g_test_add_func ("/Isle/ThreadGuard/steal", test_thread_guard_steal);
  g_test_add_func ("/Isle/ThreadGuard/steal-then-unref-on-other-thread", test_thread_guard_steal_then_unref_on_other_thread);
  g_test_add_func ("/Isle/ThreadGuard/unref-on-owner", test_thread_guard_unref_on_owner);
  g_test_add_func ("/Isle/ThreadGuard/unref-on-other-thread", test_thread_guard_unref_on_other_thread);
  g_test_add_func ("/Isle/ThreadGuard/ref-unref-many-threads", test_thread_guard_ref_unref_many_threads);
  g_test_add_func ("/Isle/ThreadGuard/get-on-other-thread-aborts", test_thread_guard_get_on_other_thread_aborts);
  g_test_add_func ("/Isle/ThreadGuard/steal-on-other-thread-aborts", test_thread_guard_steal_on_other_thread_aborts);
  g_test_add_func ("/Isle/ThreadGuard/new-for-context", test_thread_guard_new_for_context);
  g_test_add_func ("/Isle/ThreadGuard/thread-default-context", test_thread_guard_thread_default_context);
  g_test_add_func ("/Isle/ThreadGuard/context-finalized-on-owner", test_thread_guard_context_finalized_on_owner);
  g_test_add_func ("/Isle/ThreadGuard/context-iterated-elsewhere-reported", test_thread_guard_context_iterated_elsewhere_reported);
  g_test_add_func ("/Isle/ThreadGuard/without-destroy", test_thread_guard_without_destroy);
  g_test_add_func ("/Isle/ThreadGuard/autoptr", test_thread_guard_autoptr);
  g_test_add_func ("/Isle/ThreadGuard/boxed-copy", test_thread_guard_boxed_copy);

  return g_test_run ();
}
