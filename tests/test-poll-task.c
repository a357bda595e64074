/* test-poll-task.c: tasks written as poll functions over a state struct
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

typedef struct
{
  guint     polls;
  guint     polls_before_ready;
  char      letter;
  GString  *order;
  int       destroyed;
  GThread  *destroy_thread;
  guint64   seen_id;
  char     *seen_name;
  int       seen_priority;
  gboolean  seen_local_set;
  gboolean  saw_cancelled;
} PollState;

static void
poll_state_destroy (gpointer data)
{
  PollState *state = data;

  state->destroyed++;
  state->destroy_thread = g_thread_self ();
}

/* Pending (woken by itself, so a yield) until it has been polled
 * polls_before_ready times; then ready with a string result. */
static IslePoll
countdown_poll (gpointer    data,
                IsleWaker  *waker,
                gpointer   *result,
                GError    **error)
{
  PollState *state = data;
  IsleTask *task = isle_task_get_current ();

  g_assert_nonnull (task);
  state->seen_id = isle_task_get_id (task);
  g_free (state->seen_name);
  state->seen_name = g_strdup (isle_task_get_name (task));
  state->seen_priority = isle_task_get_priority (task);
  state->seen_local_set = isle_task_get_local_set (task) != NULL &&
                          isle_task_get_local_set (task) == isle_local_set_get_current ();

  state->polls++;
  if (state->order != NULL)
    g_string_append_c (state->order, state->letter);
  if (state->polls < state->polls_before_ready)
    {
      isle_waker_wake (waker);
      return ISLE_POLL_PENDING;
    }
  *result = g_strdup_printf ("polled %u times", state->polls);
  return ISLE_POLL_READY;
}

typedef struct
{
  IsleJoinHandle *handle;
  char           *result;
  GError         *error;
} JoinProbe;

static gpointer
join_root (gpointer   user_data,
           GError   **error)
{
  JoinProbe *probe = user_data;

  probe->result = isle_join_handle_join (probe->handle, &probe->error);
  return NULL;
}

static void
test_poll_task_ready_at_once (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  PollState state = { .polls_before_ready = 1 };
  JoinProbe probe = { NULL, };

  probe.handle = isle_local_set_spawn_local_poll (island, countdown_poll, &state,
                                                  poll_state_destroy);
  g_assert_cmpuint (state.polls, ==, 0);
  isle_test_run_root (island, join_root, &probe);

  g_assert_no_error (probe.error);
  g_assert_cmpstr (probe.result, ==, "polled 1 times");
  g_assert_cmpuint (state.polls, ==, 1);
  g_assert_cmpint (state.destroyed, ==, 1);
  g_assert_true (state.destroy_thread == g_thread_self ());
  g_assert_true (isle_join_handle_is_finished (probe.handle));
  g_assert_cmpuint (state.seen_id, ==, isle_join_handle_get_id (probe.handle));
  g_assert_null (state.seen_name);
  g_assert_cmpint (state.seen_priority, ==, G_PRIORITY_DEFAULT);
  g_assert_true (state.seen_local_set);

  g_free (probe.result);
  g_free (state.seen_name);
  isle_join_handle_unref (probe.handle);
}

static void
test_poll_task_yield_by_self_wake (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GString) order = g_string_new (NULL);
  PollState a = { .polls_before_ready = 3, .letter = 'A', .order = order };
  PollState b = { .polls_before_ready = 3, .letter = 'B', .order = order };
  IsleJoinHandle *handle_a;
  IsleJoinHandle *handle_b;

  handle_a = isle_local_set_spawn_local_poll_full (island, "a", G_PRIORITY_DEFAULT,
                                                   countdown_poll, &a,
                                                   poll_state_destroy, g_free);
  handle_b = isle_local_set_spawn_local_poll_full (island, "b", G_PRIORITY_DEFAULT,
                                                   countdown_poll, &b,
                                                   poll_state_destroy, g_free);
  isle_test_run_all (island);

  /* A self-woken poll task goes to the back of the queue, like a yield. */
  g_assert_cmpstr (order->str, ==, "ABABAB");
  g_assert_cmpuint (a.polls, ==, 3);
  g_assert_cmpuint (b.polls, ==, 3);
  g_assert_cmpint (a.destroyed, ==, 1);
  g_assert_cmpint (b.destroyed, ==, 1);
  g_assert_true (isle_join_handle_is_finished (handle_a));
  g_assert_true (isle_join_handle_is_finished (handle_b));

  isle_join_handle_unref (handle_a);
  isle_join_handle_unref (handle_b);
  g_free (a.seen_name);
  g_free (b.seen_name);
}

/* Never ready, never woken: only an abort or the island's end stops it. */
static IslePoll
pending_forever_poll (gpointer    data,
                      IsleWaker  *waker,
                      gpointer   *result,
                      GError    **error)
{
  PollState *state = data;

  state->polls++;
  if (state->polls > 1)
    {
      /* Woken by nobody but an abort. */
      g_assert_true (isle_task_is_aborted (isle_task_get_current ()));
      state->saw_cancelled = TRUE;
    }
  return ISLE_POLL_PENDING;
}

static void
test_poll_task_state_destroy_once (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  IsleLocalSet *island = isle_local_set_new_for_context (context);
  PollState parked = { 0, };
  PollState aborted = { 0, };
  IsleJoinHandle *handle;

  isle_join_handle_unref (isle_local_set_spawn_local_poll (island,
                                                           pending_forever_poll,
                                                           &parked,
                                                           poll_state_destroy));
  handle = isle_local_set_spawn_local_poll (island, pending_forever_poll,
                                            &aborted, poll_state_destroy);
  isle_test_iterate_until (context, (const int *) &aborted.polls);
  isle_test_iterate_until (context, (const int *) &parked.polls);

  /* Abort of a pending poll task finishes it even though it stays pending.
   * The island may poll it once more so that it can see the abort, and
   * never after that. */
  isle_join_handle_abort (handle);
  isle_test_iterate_until (context, &aborted.destroyed);
  g_assert_true (isle_join_handle_is_finished (handle));
  g_assert_cmpuint (aborted.polls, <=, 2);
  g_assert_true (aborted.polls == 1 || aborted.saw_cancelled);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (context, FALSE);
  g_assert_cmpuint (aborted.polls, <=, 2);
  isle_join_handle_unref (handle);

  g_assert_cmpint (parked.destroyed, ==, 0);
  isle_local_set_unref (island);
  g_assert_cmpuint (parked.polls, <=, 2);
  g_assert_cmpint (parked.destroyed, ==, 1);
  g_assert_true (parked.destroy_thread == g_thread_self ());
  g_assert_cmpint (aborted.destroyed, ==, 1);
}

static void
test_poll_task_result_destroy_when_detached (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  PollState state = { .polls_before_ready = 2 };

  result_destroyed = 0;
  result_destroy_thread = NULL;
  isle_join_handle_unref (isle_local_set_spawn_local_poll_full (island,
                                                                "detached-poll",
                                                                G_PRIORITY_HIGH,
                                                                countdown_poll,
                                                                &state,
                                                                poll_state_destroy,
                                                                counted_result_destroy));
  isle_test_run_all (island);

  g_assert_cmpuint (state.polls, ==, 2);
  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == g_thread_self ());
  g_assert_cmpint (state.destroyed, ==, 1);
  g_assert_cmpstr (state.seen_name, ==, "detached-poll");
  g_assert_cmpint (state.seen_priority, ==, G_PRIORITY_HIGH);
  g_free (state.seen_name);
}

/* A task that finishes when someone else wakes it. */
typedef struct
{
  IsleWaker *waker;
  gboolean   release;
  gboolean   fail;
  guint      polls;
} GateState;

static IslePoll
gate_poll (gpointer    data,
           IsleWaker  *waker,
           gpointer   *result,
           GError    **error)
{
  GateState *state = data;

  state->polls++;
  if (!state->release)
    {
      if (state->waker == NULL)
        state->waker = isle_waker_ref (waker);
      return ISLE_POLL_PENDING;
    }
  if (state->fail)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "gate broke");
      return ISLE_POLL_READY;
    }
  *result = g_strdup ("gate result");
  return ISLE_POLL_READY;
}

/* A poll task that joins another with isle_join_handle_poll(). */
typedef struct
{
  IsleJoinHandle *target;
  guint           polls;
  guint           pending_polls;
} JoinerState;

static IslePoll
joiner_poll (gpointer    data,
             IsleWaker  *waker,
             gpointer   *result,
             GError    **error)
{
  JoinerState *state = data;
  gpointer joined = NULL;
  GError *joined_error = NULL;

  state->polls++;
  if (isle_join_handle_poll (state->target, waker, &joined, &joined_error) ==
      ISLE_POLL_PENDING)
    {
      g_assert_null (joined);
      g_assert_no_error (joined_error);
      state->pending_polls++;
      return ISLE_POLL_PENDING;
    }
  if (joined_error != NULL)
    {
      g_propagate_prefixed_error (error, joined_error, "joined: ");
      return ISLE_POLL_READY;
    }
  *result = g_strdup_printf ("joined %s", (char *) joined);
  g_free (joined);
  return ISLE_POLL_READY;
}

typedef struct
{
  GateState      *gate;
  IsleJoinHandle *joiner;
  JoinerState    *joiner_state;
  char           *result;
  GError         *error;
} JoinPollProbe;

static gpointer
join_poll_root (gpointer   user_data,
                GError   **error)
{
  JoinPollProbe *probe = user_data;

  /* Let both poll tasks be polled and go pending. */
  while (probe->gate->waker == NULL || probe->joiner_state->polls == 0)
    g_assert_true (isle_yield_now (NULL));
  for (guint i = 0; i < 5; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_cmpuint (probe->joiner_state->polls, ==, 1);
  g_assert_cmpuint (probe->gate->polls, ==, 1);

  probe->gate->release = TRUE;
  isle_waker_wake (probe->gate->waker);
  probe->result = isle_join_handle_join (probe->joiner, &probe->error);
  return NULL;
}

static void
check_join_poll (gboolean fail)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  GateState gate = { .fail = fail };
  JoinerState joiner_state = { NULL, };
  JoinPollProbe probe = { &gate, NULL, &joiner_state, };

  joiner_state.target = isle_local_set_spawn_local_poll (island, gate_poll,
                                                         &gate, NULL);
  probe.joiner = isle_local_set_spawn_local_poll (island, joiner_poll,
                                                  &joiner_state, NULL);
  isle_test_run_root (island, join_poll_root, &probe);

  if (fail)
    {
      g_assert_error (probe.error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
      g_assert_cmpstr (probe.error->message, ==, "joined: gate broke");
      g_assert_null (probe.result);
    }
  else
    {
      g_assert_no_error (probe.error);
      g_assert_cmpstr (probe.result, ==, "joined gate result");
    }
  /* Polled once before the target finished, once after it woke it. */
  g_assert_cmpuint (joiner_state.pending_polls, ==, 1);
  g_assert_cmpuint (joiner_state.polls, ==, 2);

  g_clear_error (&probe.error);
  g_free (probe.result);
  isle_waker_unref (gate.waker);
  isle_join_handle_unref (joiner_state.target);
  isle_join_handle_unref (probe.joiner);
}

static void
test_poll_task_join_poll (void)
{
  check_join_poll (FALSE);
}

static void
test_poll_task_join_poll_error (void)
{
  check_join_poll (TRUE);
}

static void
test_poll_task_abort_before_first_poll (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  PollState state = { .polls_before_ready = 1 };
  JoinProbe probe = { NULL, };

  probe.handle = isle_local_set_spawn_local_poll (island, countdown_poll, &state,
                                                  poll_state_destroy);
  isle_join_handle_abort (probe.handle);
  isle_test_run_root (island, join_root, &probe);

  g_assert_error (probe.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (probe.result);
  g_assert_cmpuint (state.polls, ==, 0);
  g_assert_cmpint (state.destroyed, ==, 1);
  g_assert_true (isle_join_handle_is_finished (probe.handle));

  g_clear_error (&probe.error);
  isle_join_handle_unref (probe.handle);
}

/* isle_spawn_local_poll*() use the current island, like isle_spawn_local(). */
static gpointer
spawn_poll_in_task_root (gpointer   user_data,
                         GError   **error)
{
  PollState *states = user_data;
  g_autoptr(IsleJoinHandle) plain = NULL;
  g_autoptr(IsleJoinHandle) full = NULL;
  g_autofree char *plain_result = NULL;
  g_autofree char *full_result = NULL;

  plain = isle_spawn_local_poll (countdown_poll, &states[0], poll_state_destroy);
  full = isle_spawn_local_poll_full ("full-poll", G_PRIORITY_LOW, countdown_poll,
                                     &states[1], poll_state_destroy, g_free);
  plain_result = isle_join_handle_join (plain, error);
  full_result = isle_join_handle_join (full, error);
  g_assert_cmpstr (plain_result, ==, "polled 2 times");
  g_assert_cmpstr (full_result, ==, "polled 3 times");
  return NULL;
}

static void
test_poll_task_spawn_in_task (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  PollState states[2] = {
    { .polls_before_ready = 2 },
    { .polls_before_ready = 3 },
  };

  isle_test_run_root (island, spawn_poll_in_task_root, states);
  g_assert_cmpint (states[0].destroyed, ==, 1);
  g_assert_cmpint (states[1].destroyed, ==, 1);
  g_assert_cmpstr (states[1].seen_name, ==, "full-poll");
  g_assert_cmpint (states[1].seen_priority, ==, G_PRIORITY_LOW);
  g_free (states[0].seen_name);
  g_free (states[1].seen_name);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/PollTask/ready-at-once", test_poll_task_ready_at_once);
  g_test_add_func ("/Isle/PollTask/yield-by-self-wake", test_poll_task_yield_by_self_wake);
  g_test_add_func ("/Isle/PollTask/state-destroy-once", test_poll_task_state_destroy_once);
  g_test_add_func ("/Isle/PollTask/result-destroy-when-detached", test_poll_task_result_destroy_when_detached);
  g_test_add_func ("/Isle/PollTask/join-poll", test_poll_task_join_poll);
  g_test_add_func ("/Isle/PollTask/join-poll-error", test_poll_task_join_poll_error);
  g_test_add_func ("/Isle/PollTask/abort-before-first-poll", test_poll_task_abort_before_first_poll);
  g_test_add_func ("/Isle/PollTask/spawn-in-task", test_poll_task_spawn_in_task);

  return g_test_run ();
}
