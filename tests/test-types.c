/* test-types.c: the GTypes Isle registers for its types and enumerations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

/* Every reference-counted type is a boxed type whose copy takes a reference
 * and whose free drops one. Each test below copies a live object, drops the
 * reference it started with, and shows that the copy still works (and, where
 * a destroy notify makes it visible, that the object is freed only when the
 * copy is). Under Valgrind and AddressSanitizer a copy that did not take a
 * reference would be a use after free, and a free that did not drop one a
 * leak. */

static void
reset_destroy_count (void)
{
  result_destroyed = 0;
  result_destroy_thread = NULL;
}

static void
assert_boxed (GType       type,
              const char *name)
{
  g_assert_true (G_TYPE_IS_BOXED (type));
  g_assert_cmpstr (g_type_name (type), ==, name);
  g_assert_true (g_type_from_name (name) == type);
}

static void
test_types_boxed_names (void)
{
  assert_boxed (ISLE_TYPE_LOCAL_SET, "IsleLocalSet");
  assert_boxed (ISLE_TYPE_JOIN_HANDLE, "IsleJoinHandle");
  assert_boxed (ISLE_TYPE_WAKER, "IsleWaker");
  assert_boxed (ISLE_TYPE_FUTURE, "IsleFuture");
  assert_boxed (ISLE_TYPE_PROMISE, "IslePromise");
  assert_boxed (ISLE_TYPE_CHANNEL, "IsleChannel");
  assert_boxed (ISLE_TYPE_CHANNEL_SENDER, "IsleChannelSender");
  assert_boxed (ISLE_TYPE_ONESHOT, "IsleOneshot");
  assert_boxed (ISLE_TYPE_ONESHOT_SENDER, "IsleOneshotSender");
  assert_boxed (ISLE_TYPE_NOTIFY, "IsleNotify");
  assert_boxed (ISLE_TYPE_THREAD_GUARD, "IsleThreadGuard");
  assert_boxed (ISLE_TYPE_SIGNAL_ARGS, "IsleSignalArgs");
  assert_boxed (ISLE_TYPE_CELL, "IsleCell");
}

static void
assert_enum_value (GType       type,
                   const char *nick,
                   int         value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *by_nick = g_enum_get_value_by_nick (klass, nick);

  g_assert_nonnull (by_nick);
  g_assert_cmpint (by_nick->value, ==, value);
}

static void
test_types_enums (void)
{
  g_assert_true (G_TYPE_IS_ENUM (ISLE_TYPE_POLL));
  g_assert_cmpstr (g_type_name (ISLE_TYPE_POLL), ==, "IslePoll");
  assert_enum_value (ISLE_TYPE_POLL, "pending", ISLE_POLL_PENDING);
  assert_enum_value (ISLE_TYPE_POLL, "ready", ISLE_POLL_READY);

  g_assert_true (G_TYPE_IS_ENUM (ISLE_TYPE_UNHANDLED_FAILURE));
  g_assert_cmpstr (g_type_name (ISLE_TYPE_UNHANDLED_FAILURE), ==,
                   "IsleUnhandledFailure");
  assert_enum_value (ISLE_TYPE_UNHANDLED_FAILURE, "report",
                     ISLE_UNHANDLED_FAILURE_REPORT);
  assert_enum_value (ISLE_TYPE_UNHANDLED_FAILURE, "ignore",
                     ISLE_UNHANDLED_FAILURE_IGNORE);
  assert_enum_value (ISLE_TYPE_UNHANDLED_FAILURE, "shutdown",
                     ISLE_UNHANDLED_FAILURE_SHUTDOWN);

  g_assert_true (G_TYPE_IS_ENUM (ISLE_TYPE_CELL_ERROR));
  g_assert_cmpstr (g_type_name (ISLE_TYPE_CELL_ERROR), ==, "IsleCellError");
  assert_enum_value (ISLE_TYPE_CELL_ERROR, "borrowed",
                     ISLE_CELL_ERROR_BORROWED);
  assert_enum_value (ISLE_TYPE_CELL_ERROR, "borrowed-mut",
                     ISLE_CELL_ERROR_BORROWED_MUT);

  g_assert_true (G_TYPE_IS_ENUM (ISLE_TYPE_CELL_BORROW_STATE));
  g_assert_cmpstr (g_type_name (ISLE_TYPE_CELL_BORROW_STATE), ==,
                   "IsleCellBorrowState");
  assert_enum_value (ISLE_TYPE_CELL_BORROW_STATE, "unborrowed",
                     ISLE_CELL_UNBORROWED);
  assert_enum_value (ISLE_TYPE_CELL_BORROW_STATE, "borrowed",
                     ISLE_CELL_BORROWED);
  assert_enum_value (ISLE_TYPE_CELL_BORROW_STATE, "borrowed-mut",
                     ISLE_CELL_BORROWED_MUT);
}

/* The domain's quark names it, and each code has the nick glib-mkenums
 * would give it: bindings see them as Isle.Error.<CODE>. */
static void
test_types_error_domain (void)
{
  g_autoptr(GEnumClass) klass = NULL;

  g_assert_cmpstr (g_quark_to_string (ISLE_ERROR), ==, "isle-error-quark");
  g_assert_true (ISLE_ERROR == isle_error_quark ());

  g_assert_true (G_TYPE_IS_ENUM (ISLE_TYPE_ERROR));
  g_assert_cmpstr (g_type_name (ISLE_TYPE_ERROR), ==, "IsleError");
  assert_enum_value (ISLE_TYPE_ERROR, "not-in-fiber", ISLE_ERROR_NOT_IN_FIBER);
  assert_enum_value (ISLE_TYPE_ERROR, "fiber-refused", ISLE_ERROR_FIBER_REFUSED);
  assert_enum_value (ISLE_TYPE_ERROR, "no-fiber-stack", ISLE_ERROR_NO_FIBER_STACK);
  assert_enum_value (ISLE_TYPE_ERROR, "nested-loop", ISLE_ERROR_NESTED_LOOP);
  assert_enum_value (ISLE_TYPE_ERROR, "would-deadlock", ISLE_ERROR_WOULD_DEADLOCK);
  assert_enum_value (ISLE_TYPE_ERROR, "busy", ISLE_ERROR_BUSY);
  assert_enum_value (ISLE_TYPE_ERROR, "already-joined", ISLE_ERROR_ALREADY_JOINED);
  assert_enum_value (ISLE_TYPE_ERROR, "already-sent", ISLE_ERROR_ALREADY_SENT);
  assert_enum_value (ISLE_TYPE_ERROR, "pending", ISLE_ERROR_PENDING);
  assert_enum_value (ISLE_TYPE_ERROR, "no-island", ISLE_ERROR_NO_ISLAND);
  assert_enum_value (ISLE_TYPE_ERROR, "unhandled-failure", ISLE_ERROR_UNHANDLED_FAILURE);

  /* No code is registered twice or left out. */
  klass = g_type_class_ref (ISLE_TYPE_ERROR);
  g_assert_cmpuint (klass->n_values, ==, ISLE_ERROR_UNHANDLED_FAILURE + 1);
}

static void
test_types_debug_flags (void)
{
  g_autoptr(GFlagsClass) klass = NULL;
  GFlagsValue *value;

  g_assert_true (G_TYPE_IS_FLAGS (ISLE_TYPE_DEBUG_FLAGS));
  g_assert_cmpstr (g_type_name (ISLE_TYPE_DEBUG_FLAGS), ==, "IsleDebugFlags");

  klass = g_type_class_ref (ISLE_TYPE_DEBUG_FLAGS);
  value = g_flags_get_value_by_nick (klass, "tasks");
  g_assert_nonnull (value);
  g_assert_cmpuint (value->value, ==, ISLE_DEBUG_TASKS);
  value = g_flags_get_value_by_nick (klass, "slow-polls");
  g_assert_nonnull (value);
  g_assert_cmpuint (value->value, ==, ISLE_DEBUG_SLOW_POLLS);
  g_assert_cmpuint (klass->mask, ==, ISLE_DEBUG_TASKS | ISLE_DEBUG_SLOW_POLLS);
}

/* The value of a GValue survives its owner's reference being dropped. */
static void
test_types_boxed_in_gvalue (void)
{
  g_auto(GValue) value = G_VALUE_INIT;
  IsleFuture *future;

  reset_destroy_count ();
  future = isle_future_new_for_value (g_strdup ("kept"), counted_result_destroy);

  g_value_init (&value, ISLE_TYPE_FUTURE);
  g_value_set_boxed (&value, future);
  isle_future_unref (future);
  g_assert_cmpint (result_destroyed, ==, 0);

  future = g_value_get_boxed (&value);
  g_assert_cmpstr (isle_future_get_value (future, NULL), ==, "kept");

  g_value_unset (&value);
  g_assert_cmpint (result_destroyed, ==, 1);
}

static gpointer
return_nothing (gpointer   user_data,
                GError   **error)
{
  return NULL;
}

static void
test_types_local_set_copy (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  IsleLocalSet *copy;
  IsleJoinHandle *handle;

  reset_destroy_count ();
  handle = isle_local_set_spawn_local (island, return_nothing,
                                       g_strdup ("data"),
                                       counted_result_destroy);
  isle_join_handle_unref (handle);

  copy = g_boxed_copy (ISLE_TYPE_LOCAL_SET, island);
  g_assert_true (copy == island);
  isle_local_set_unref (island);

  /* The island lives on in the copy: its task has not been torn down. */
  g_assert_cmpint (result_destroyed, ==, 0);
  g_assert_cmpuint (isle_local_set_get_n_tasks (copy), ==, 1);

  /* Freeing the copy frees the island, which finishes its task. */
  g_boxed_free (ISLE_TYPE_LOCAL_SET, copy);
  g_assert_cmpint (result_destroyed, ==, 1);
}

static gpointer
return_answer (gpointer   user_data,
               GError   **error)
{
  return GINT_TO_POINTER (42);
}

static void
test_types_join_handle_copy (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  IsleJoinHandle *handle;
  IsleJoinHandle *copy;
  g_autoptr(IsleFuture) future = NULL;
  guint64 id;
  g_autoptr(GError) error = NULL;
  gpointer result;

  handle = isle_local_set_spawn_local (island, return_answer, NULL, NULL);
  id = isle_join_handle_get_id (handle);

  copy = g_boxed_copy (ISLE_TYPE_JOIN_HANDLE, handle);
  g_assert_true (copy == handle);
  isle_join_handle_unref (handle);

  g_assert_cmpuint (isle_join_handle_get_id (copy), ==, id);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (copy));

  /* Plain code reads a finished task's result through its future. */
  future = isle_future_ref (isle_join_handle_get_future (copy));
  g_boxed_free (ISLE_TYPE_JOIN_HANDLE, copy);
  g_assert_true (isle_future_is_finished (future));
  result = isle_future_get_value (future, &error);
  g_assert_no_error (error);
  g_assert_cmpint (GPOINTER_TO_INT (result), ==, 42);
}

typedef struct
{
  IsleWaker *copy;   /* (owned) a boxed copy of the task's waker */
  guint      polls;
} WakerCopyState;

static IslePoll
poll_keep_waker_copy (gpointer    state,
                      IsleWaker  *waker,
                      gpointer   *result,
                      GError    **error)
{
  WakerCopyState *data = state;

  data->polls++;
  if (data->polls == 1)
    {
      data->copy = g_boxed_copy (ISLE_TYPE_WAKER, waker);
      g_assert_true (data->copy == waker);
      return ISLE_POLL_PENDING;
    }
  return ISLE_POLL_READY;
}

static void
test_types_waker_copy (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  WakerCopyState state = { NULL, 0 };
  GMainContext *context = isle_local_set_get_context (island);
  gint64 deadline = isle_test_deadline ();

  handle = isle_local_set_spawn_local_poll (island, poll_keep_waker_copy,
                                            &state, NULL);
  while (state.polls < 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, FALSE);
    }

  /* The waker was borrowed for the poll only; the copy keeps it past it. */
  g_assert_nonnull (state.copy);
  isle_waker_wake (state.copy);
  g_boxed_free (ISLE_TYPE_WAKER, state.copy);
  state.copy = NULL;

  isle_test_run_all (island);
  g_assert_cmpuint (state.polls, ==, 2);
  g_assert_true (isle_join_handle_is_finished (handle));
}

static void
test_types_future_copy (void)
{
  IsleFuture *future;
  IsleFuture *copy;

  reset_destroy_count ();
  future = isle_future_new_for_value (g_strdup ("value"), counted_result_destroy);

  copy = g_boxed_copy (ISLE_TYPE_FUTURE, future);
  g_assert_true (copy == future);
  isle_future_unref (future);
  g_assert_cmpint (result_destroyed, ==, 0);
  g_assert_cmpstr (isle_future_get_value (copy, NULL), ==, "value");

  g_boxed_free (ISLE_TYPE_FUTURE, copy);
  g_assert_cmpint (result_destroyed, ==, 1);
}

static void
test_types_promise_copy (void)
{
  IslePromise *promise = isle_promise_new ();
  g_autoptr(IsleFuture) future = isle_future_ref (isle_promise_get_future (promise));
  IslePromise *copy;

  copy = g_boxed_copy (ISLE_TYPE_PROMISE, promise);
  g_assert_true (copy == promise);
  isle_promise_unref (promise);

  isle_promise_resolve (copy, GINT_TO_POINTER (7), NULL);
  g_boxed_free (ISLE_TYPE_PROMISE, copy);

  g_assert_true (isle_future_is_finished (future));
  g_assert_cmpint (GPOINTER_TO_INT (isle_future_get_value (future, NULL)), ==, 7);
}

static void
test_types_channel_copy (void)
{
  IsleChannelSender *sender;
  IsleChannel *channel = isle_channel_new (4, NULL, &sender);
  IsleChannel *channel_copy;
  IsleChannelSender *sender_copy;
  g_autoptr(GError) error = NULL;

  sender_copy = g_boxed_copy (ISLE_TYPE_CHANNEL_SENDER, sender);
  g_assert_true (sender_copy == sender);
  isle_channel_sender_unref (sender);

  channel_copy = g_boxed_copy (ISLE_TYPE_CHANNEL, channel);
  g_assert_true (channel_copy == channel);
  isle_channel_unref (channel);

  g_assert_true (isle_channel_sender_try_send (sender_copy, GINT_TO_POINTER (5), &error));
  g_assert_no_error (error);
  g_assert_cmpint (GPOINTER_TO_INT (isle_channel_try_recv (channel_copy, &error)), ==, 5);
  g_assert_no_error (error);

  g_boxed_free (ISLE_TYPE_CHANNEL_SENDER, sender_copy);
  g_boxed_free (ISLE_TYPE_CHANNEL, channel_copy);
}

static void
test_types_oneshot_copy (void)
{
  IsleOneshot *oneshot = isle_oneshot_new ();
  IsleOneshot *oneshot_copy;
  IsleOneshotSender *sender;
  IsleOneshotSender *sender_copy;
  g_autoptr(GError) error = NULL;
  char *value;

  sender = isle_oneshot_ref_sender (oneshot);
  sender_copy = g_boxed_copy (ISLE_TYPE_ONESHOT_SENDER, sender);
  g_assert_true (sender_copy == sender);
  isle_oneshot_sender_unref (sender);

  oneshot_copy = g_boxed_copy (ISLE_TYPE_ONESHOT, oneshot);
  g_assert_true (oneshot_copy == oneshot);
  isle_oneshot_unref (oneshot);

  g_assert_true (isle_oneshot_sender_send (sender_copy, g_strdup ("sent"), g_free, NULL));
  value = isle_oneshot_try_recv (oneshot_copy, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "sent");
  g_free (value);

  g_boxed_free (ISLE_TYPE_ONESHOT_SENDER, sender_copy);
  g_boxed_free (ISLE_TYPE_ONESHOT, oneshot_copy);
}

static void
test_types_notify_copy (void)
{
  IsleNotify *notify = isle_notify_new ();
  IsleNotify *copy;

  copy = g_boxed_copy (ISLE_TYPE_NOTIFY, notify);
  g_assert_true (copy == notify);
  isle_notify_unref (notify);

  /* With nobody waiting, the permit is stored in the copy. */
  isle_notify_notify_one (copy);
  g_boxed_free (ISLE_TYPE_NOTIFY, copy);
}

static void
test_types_thread_guard_copy (void)
{
  IsleThreadGuard *guard;
  IsleThreadGuard *copy;

  reset_destroy_count ();
  guard = isle_thread_guard_new (g_strdup ("guarded"), counted_result_destroy);

  copy = g_boxed_copy (ISLE_TYPE_THREAD_GUARD, guard);
  g_assert_true (copy == guard);
  isle_thread_guard_unref (guard);
  g_assert_cmpint (result_destroyed, ==, 0);
  g_assert_cmpstr (isle_thread_guard_get (copy), ==, "guarded");

  /* The last reference is released on the owner thread: at once. */
  g_boxed_free (ISLE_TYPE_THREAD_GUARD, copy);
  g_assert_cmpint (result_destroyed, ==, 1);
}

static void
test_types_cell_copy (void)
{
  IsleCell *cell;
  IsleCell *copy;

  reset_destroy_count ();
  cell = isle_cell_new (g_strdup ("shared"), counted_result_destroy);

  copy = g_boxed_copy (ISLE_TYPE_CELL, cell);
  g_assert_true (copy == cell);
  isle_cell_unref (cell);
  g_assert_cmpint (result_destroyed, ==, 0);
  g_assert_cmpstr (isle_cell_borrow (copy), ==, "shared");
  isle_cell_release (copy);

  g_boxed_free (ISLE_TYPE_CELL, copy);
  g_assert_cmpint (result_destroyed, ==, 1);
}

static void
test_types_signal_args_copy (void)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("act", NULL);
  IsleFuture *future;
  IsleSignalArgs *args;
  IsleSignalArgs *copy;
  g_autoptr(GError) error = NULL;
  guint n_values;

  future = isle_future_new_for_signal (action, "notify::enabled");
  g_simple_action_set_enabled (action, FALSE);
  g_assert_true (isle_future_is_finished (future));

  args = isle_future_get_value (future, &error);
  g_assert_no_error (error);
  g_assert_nonnull (args);
  n_values = isle_signal_args_get_n_values (args);
  g_assert_cmpuint (n_values, ==, 1);

  /* The future owned the arguments; the copy outlives it. */
  copy = g_boxed_copy (ISLE_TYPE_SIGNAL_ARGS, args);
  g_assert_true (copy == args);
  isle_future_unref (future);

  g_assert_cmpuint (isle_signal_args_get_n_values (copy), ==, n_values);
  /* "notify" has one argument, the GParamSpec of the property. */
  g_assert_cmpstr (g_param_spec_get_name (g_value_get_param (isle_signal_args_get (copy, 0))),
                   ==, "enabled");

  g_boxed_free (ISLE_TYPE_SIGNAL_ARGS, copy);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Types/boxed-names", test_types_boxed_names);
  g_test_add_func ("/Isle/Types/enums", test_types_enums);
  g_test_add_func ("/Isle/Types/error-domain", test_types_error_domain);
  g_test_add_func ("/Isle/Types/debug-flags", test_types_debug_flags);
  g_test_add_func ("/Isle/Types/boxed-in-gvalue", test_types_boxed_in_gvalue);
  g_test_add_func ("/Isle/Types/local-set-copy", test_types_local_set_copy);
  g_test_add_func ("/Isle/Types/join-handle-copy", test_types_join_handle_copy);
  g_test_add_func ("/Isle/Types/waker-copy", test_types_waker_copy);
  g_test_add_func ("/Isle/Types/future-copy", test_types_future_copy);
  g_test_add_func ("/Isle/Types/promise-copy", test_types_promise_copy);
  g_test_add_func ("/Isle/Types/channel-copy", test_types_channel_copy);
  g_test_add_func ("/Isle/Types/oneshot-copy", test_types_oneshot_copy);
  g_test_add_func ("/Isle/Types/notify-copy", test_types_notify_copy);
  g_test_add_func ("/Isle/Types/thread-guard-copy", test_types_thread_guard_copy);
  g_test_add_func ("/Isle/Types/cell-copy", test_types_cell_copy);
  g_test_add_func ("/Isle/Types/signal-args-copy", test_types_signal_args_copy);

  return g_test_run ();
}
