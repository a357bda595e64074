/* test-task.c: fiber tasks, suspension, and the running task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>
#include <string.h>
#include <sys/resource.h>

#include "isle-test-util.h"

typedef struct
{
  IsleTask     *task;
  guint64       id;
  char         *name;
  int           priority;
  IsleLocalSet *local_set;
} TaskInfo;

static gpointer
record_task_info (gpointer   user_data,
                  GError   **error)
{
  TaskInfo *info = user_data;
  IsleTask *task = isle_task_get_current ();

  g_assert_nonnull (task);
  info->task = task;
  info->id = isle_task_get_id (task);
  info->name = g_strdup (isle_task_get_name (task));
  info->priority = isle_task_get_priority (task);
  info->local_set = isle_task_get_local_set (task);
  return g_strdup ("child result");
}

static gpointer
spawn_in_task_root (gpointer   user_data,
                    GError   **error)
{
  TaskInfo *info = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *result = NULL;
  IsleTask *root = isle_task_get_current ();

  g_assert_nonnull (root);
  handle = isle_spawn_local (record_task_info, info, NULL);
  g_assert_nonnull (handle);
  /* Spawning does not run the child: it waits for the spawner to suspend. */
  g_assert_null (info->task);
  g_assert_false (isle_join_handle_is_finished (handle));
  result = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (result, ==, "child result");

  g_assert_true (info->task != root);
  g_assert_true (isle_task_get_current () == root);
  g_assert_cmpuint (info->id, ==, isle_join_handle_get_id (handle));
  g_assert_cmpuint (info->id, !=, isle_task_get_id (root));
  return NULL;
}

static void
test_task_spawn_local_in_task (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  TaskInfo info = { 0, };

  g_assert_null (isle_task_get_current ());
  isle_test_run_root (island, spawn_in_task_root, &info);
  g_assert_null (isle_task_get_current ());

  g_assert_true (info.local_set == island);
  g_assert_null (info.name);
  g_assert_cmpint (info.priority, ==, G_PRIORITY_DEFAULT);
  g_assert_cmpuint (info.id, >, 0);
}

static void
test_task_unique_ids (gconstpointer test_data)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                      g_free, NULL);
  g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_join_handle_unref);
  TaskInfo infos[64] = { { 0, }, };

  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    g_ptr_array_add (handles, isle_spawn_local (record_task_info, &infos[i],
                                                NULL));
  for (guint i = 0; i < handles->len; i++)
    {
      IsleJoinHandle *handle = g_ptr_array_index (handles, i);
      gint64 *id = g_new (gint64, 1);

      g_free (isle_join_handle_join (handle, NULL));
      *id = (gint64) isle_join_handle_get_id (handle);
      g_assert_cmpint (*id, >, 0);
      g_assert_cmpuint (infos[i].id, ==, isle_join_handle_get_id (handle));
      g_assert_false (g_hash_table_contains (ids, id));
      g_hash_table_add (ids, id);
    }
  g_assert_cmpuint (g_hash_table_size (ids), ==, G_N_ELEMENTS (infos));
}

static void
test_task_name_and_priority (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) named = NULL;
  g_autoptr(IsleJoinHandle) unnamed = NULL;
  char name[32];
  TaskInfo named_info = { 0, };
  TaskInfo unnamed_info = { 0, };

  /* The name is copied at spawn. */
  g_strlcpy (name, "worker-7", sizeof name);
  named = isle_local_set_spawn_local_full (island, name, G_PRIORITY_HIGH, 0,
                                           record_task_info, &named_info,
                                           NULL, g_free);
  memset (name, 'x', sizeof name - 1);
  unnamed = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_LOW, 0,
                                             record_task_info, &unnamed_info,
                                             NULL, g_free);
  isle_test_run_all (island);

  g_assert_cmpstr (named_info.name, ==, "worker-7");
  g_assert_cmpint (named_info.priority, ==, G_PRIORITY_HIGH);
  g_assert_true (named_info.local_set == island);
  g_assert_cmpuint (named_info.id, ==, isle_join_handle_get_id (named));

  g_assert_null (unnamed_info.name);
  g_assert_cmpint (unnamed_info.priority, ==, G_PRIORITY_LOW);
  g_assert_cmpuint (unnamed_info.id, ==, isle_join_handle_get_id (unnamed));
  g_assert_cmpuint (unnamed_info.id, !=, named_info.id);

  g_free (named_info.name);
}

static gpointer
spawn_full_in_task_root (gpointer   user_data,
                         GError   **error)
{
  TaskInfo *info = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autofree char *result = NULL;

  handle = isle_spawn_local_full ("inner", G_PRIORITY_DEFAULT_IDLE, 128 * 1024,
                                  record_task_info, info, NULL, g_free);
  result = isle_join_handle_join (handle, error);
  g_assert_cmpstr (result, ==, "child result");
  return NULL;
}

static void
test_task_spawn_local_full_in_task (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  TaskInfo info = { 0, };

  isle_test_run_root (island, spawn_full_in_task_root, &info);
  g_assert_cmpstr (info.name, ==, "inner");
  g_assert_cmpint (info.priority, ==, G_PRIORITY_DEFAULT_IDLE);
  g_assert_true (info.local_set == island);
  g_free (info.name);
}

typedef struct
{
  GString *order;
  char     letter;
  guint    n_yields;
} YieldProbe;

static gpointer
yield_and_record_task (gpointer   user_data,
                       GError   **error)
{
  YieldProbe *probe = user_data;

  for (guint i = 0; i < probe->n_yields; i++)
    {
      g_string_append_c (probe->order, probe->letter);
      if (!isle_yield_now (error))
        return NULL;
    }
  return NULL;
}

static void
test_task_yield_fifo (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GString) order = g_string_new (NULL);
  YieldProbe probes[3] = {
    { order, 'A', 4 },
    { order, 'B', 4 },
    { order, 'C', 4 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                        yield_and_record_task,
                                                        &probes[i], NULL));
  isle_test_run_all (island);
  g_assert_cmpstr (order->str, ==, "ABCABCABCABC");
}

typedef struct
{
  IsleWaker *waker;
  int        parked;
  int        first_park_done;
  int        second_park_done;
  gboolean   park_result;
} ParkProbe;

static gpointer
park_once_task (gpointer   user_data,
                GError   **error)
{
  ParkProbe *probe = user_data;

  probe->waker = isle_task_ref_waker (isle_task_get_current ());
  probe->parked = 1;
  probe->park_result = isle_park (error);
  probe->first_park_done = 1;
  return NULL;
}

static void
test_task_park_and_wake (gconstpointer test_data)
{
  ParkProbe probe = { 0, };
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  handle = isle_spawn_local (park_once_task, &probe, NULL);
  while (!probe.parked)
    g_assert_true (isle_yield_now (NULL));

  /* Parked: it stays parked however often the others run. */
  for (guint i = 0; i < 10; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_false (probe.first_park_done);
  g_assert_false (isle_join_handle_is_finished (handle));

  isle_waker_wake (probe.waker);
  isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_true (probe.first_park_done);
  g_assert_true (probe.park_result);

  isle_waker_unref (probe.waker);
}

static gpointer
wake_before_park_task (gpointer   user_data,
                       GError   **error)
{
  ParkProbe *probe = user_data;

  probe->waker = isle_task_ref_waker (isle_task_get_current ());
  /* Wakes while running leave one permit, however many there were. */
  isle_waker_wake (probe->waker);
  isle_waker_wake (probe->waker);
  isle_waker_wake (probe->waker);
  probe->park_result = isle_park (error);
  probe->first_park_done = 1;
  if (!isle_park (error))
    return NULL;
  probe->second_park_done = 1;
  return NULL;
}

static void
test_task_wake_before_park (gconstpointer test_data)
{
  ParkProbe probe = { 0, };
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  handle = isle_spawn_local (wake_before_park_task, &probe, NULL);
  while (!probe.first_park_done)
    g_assert_true (isle_yield_now (NULL));
  g_assert_true (probe.park_result);

  /* The wakes coalesced: the second park waits for a new wake. */
  for (guint i = 0; i < 10; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_false (probe.second_park_done);

  isle_waker_wake (probe.waker);
  isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_true (probe.second_park_done);

  isle_waker_unref (probe.waker);
}

typedef struct
{
  GCancellable *cancellable;
  int           parked;
  int           cancelled_before;
  int           cancelled_after;
  int           park_cancelled;
} CancelProbe;

static gpointer
cancellable_task (gpointer   user_data,
                  GError   **error)
{
  CancelProbe *probe = user_data;
  IsleTask *self = isle_task_get_current ();
  GError *local_error = NULL;

  probe->cancellable = g_object_ref (isle_task_get_cancellable (self));
  g_assert_true (G_IS_CANCELLABLE (probe->cancellable));
  /* Created once, the same each time. */
  g_assert_true (isle_task_get_cancellable (self) == probe->cancellable);
  probe->cancelled_before = isle_task_is_aborted (self) ||
                            g_cancellable_is_cancelled (probe->cancellable);

  probe->parked = 1;
  if (!isle_park (&local_error))
    probe->park_cancelled = g_error_matches (local_error, G_IO_ERROR,
                                             G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);
  probe->cancelled_after = isle_task_is_aborted (self) &&
                           g_cancellable_is_cancelled (probe->cancellable);
  return NULL;
}

static gpointer
cancellable_root (gpointer   user_data,
                  GError   **error)
{
  CancelProbe *probe = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  g_assert_false (isle_task_is_aborted (isle_task_get_current ()));
  handle = isle_spawn_local (cancellable_task, probe, NULL);
  while (!probe->parked)
    g_assert_true (isle_yield_now (NULL));
  g_assert_false (g_cancellable_is_cancelled (probe->cancellable));

  isle_join_handle_abort (handle);
  /* The cancellable is cancelled by the abort itself. */
  g_assert_true (g_cancellable_is_cancelled (probe->cancellable));

  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return NULL;
}

static void
test_task_cancellable_on_abort (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  CancelProbe probe = { 0, };

  isle_test_run_root (island, cancellable_root, &probe);
  g_assert_false (probe.cancelled_before);
  g_assert_true (probe.park_cancelled);
  g_assert_true (probe.cancelled_after);
  g_assert_true (g_cancellable_is_cancelled (probe.cancellable));
  g_object_unref (probe.cancellable);
}

/* Every local of a task keeps its value across suspension, while another
 * task with the same body and other values runs in between. */
static gpointer
locals_task (gpointer   user_data,
             GError   **error)
{
  guint seed = GPOINTER_TO_UINT (user_data);
  guint64 words[64];
  double ratio = seed / 7.0;
  char label[32];
  const char *label_ptr;

  g_snprintf (label, sizeof label, "task-%u", seed);
  label_ptr = label;
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    words[i] = (guint64) seed * 1000003u + i;

  for (guint round = 0; round < 20; round++)
    {
      char expected[32];

      if (!isle_yield_now (error))
        return NULL;
      for (guint i = 0; i < G_N_ELEMENTS (words); i++)
        g_assert_cmpuint (words[i], ==, (guint64) seed * 1000003u + i);
      g_assert_cmpfloat (ratio, ==, seed / 7.0);
      g_snprintf (expected, sizeof expected, "task-%u", seed);
      g_assert_cmpstr (label, ==, expected);
      g_assert_true (label_ptr == label);
    }
  return GUINT_TO_POINTER (seed);
}

static void
test_task_locals_survive_suspension (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  IsleJoinHandle *handles[4];

  for (guint i = 0; i < G_N_ELEMENTS (handles); i++)
    handles[i] = isle_local_set_spawn_local (island, locals_task,
                                             GUINT_TO_POINTER (i + 1), NULL);
  isle_test_run_all (island);
  for (guint i = 0; i < G_N_ELEMENTS (handles); i++)
    {
      g_assert_true (isle_join_handle_is_finished (handles[i]));
      isle_join_handle_unref (handles[i]);
    }
}

#define BIG_STACK (1024 * 1024)
#define BIG_ARRAY (512 * 1024)

G_GNUC_NO_INLINE static guint
count_set_bytes (const volatile guint8 *bytes,
                 gsize                  n_bytes)
{
  guint count = 0;

  for (gsize i = 0; i < n_bytes; i += 1024)
    count += bytes[i] == 0x5a;
  return count;
}

static gpointer
big_frame_task (gpointer   user_data,
                GError   **error)
{
  volatile guint8 buffer[BIG_ARRAY];

  for (gsize i = 0; i < sizeof buffer; i++)
    buffer[i] = 0x5a;
  if (!isle_yield_now (error))
    return NULL;
  return GUINT_TO_POINTER (count_set_bytes (buffer, sizeof buffer));
}

static gpointer
stack_size_root (gpointer   user_data,
                 GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  guint count;

  handle = isle_spawn_local_full ("big-frame", G_PRIORITY_DEFAULT, BIG_STACK,
                                  big_frame_task, NULL, NULL, NULL);
  count = GPOINTER_TO_UINT (isle_join_handle_join (handle, &local_error));
  g_assert_no_error (local_error);
  g_assert_cmpuint (count, ==, BIG_ARRAY / 1024);
  return NULL;
}

static void
test_task_stack_size (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  /* The island's default stays small: only the task asks for more. */
  g_assert_cmpuint (isle_local_set_get_default_stack_size (island), <, BIG_STACK);
  isle_test_run_root (island, stack_size_root, NULL);
}

#define HUGE_STACK ((gsize) 1024 * 1024 * 1024)

/* The address space this process uses now, from /proc/self/status. */
static guint64
get_vm_size (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nVmSize:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("\nVmSize:"), NULL, 10) * 1024;
}

static gpointer
huge_stack_root (gpointer   user_data,
                 GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  handle = isle_spawn_local_full ("huge-stack", G_PRIORITY_DEFAULT, HUGE_STACK,
                                  big_frame_task, NULL, NULL, NULL);
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_NO_FIBER_STACK);
  g_assert_nonnull (strstr (local_error->message, "huge-stack"));
  g_assert_true (isle_join_handle_is_finished (handle));
  return g_strdup ("carried on");
}

static void
test_task_stack_allocation_failure (void)
{
  if (!g_file_test ("/proc/self/status", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("Needs /proc/self/status");
      return;
    }

  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;
      struct rlimit limit;

      /* Leave room for the root's stack and ordinary allocations, not for
       * a gigabyte of stack: mapping it fails. */
      limit.rlim_cur = limit.rlim_max = get_vm_size () + 128 * 1024 * 1024;
      g_assert_cmpint (setrlimit (RLIMIT_AS, &limit), ==, 0);

      result = isle_test_run_root (island, huge_stack_root, NULL);
      g_assert_cmpstr (result, ==, "carried on");
      g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gpointer
never_runs_task (gpointer   user_data,
                 GError   **error)
{
  g_assert_not_reached ();
  return NULL;
}

static IslePoll
never_polled (gpointer    state,
              IsleWaker  *waker,
              gpointer   *result,
              GError    **error)
{
  g_assert_not_reached ();
  return ISLE_POLL_READY;
}

static void
test_task_spawn_local_outside_island (void)
{
  if (g_test_subprocess ())
    {
      IsleJoinHandle *handle;

      g_assert_null (isle_local_set_get_current ());
      handle = isle_spawn_local (never_runs_task, NULL, NULL);
      g_assert_null (handle);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*isle_spawn_local*");
  /* The message names the fix. */
  g_test_trap_assert_stderr ("*isle_local_set_*");
}

static void
test_task_spawn_local_poll_outside_island (void)
{
  if (g_test_subprocess ())
    {
      IsleJoinHandle *handle;

      handle = isle_spawn_local_poll (never_polled, NULL, NULL);
      g_assert_null (handle);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*isle_spawn_local*");
  g_test_trap_assert_stderr ("*isle_local_set_*");
}

static void
test_task_yield_outside_fiber (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_false (isle_yield_now (&error));
      g_assert_nonnull (error);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_yield_now*outside*");
}

static void
test_task_park_outside_fiber (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_false (isle_park (&error));
      g_assert_nonnull (error);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_park*outside*");
}

/* A poll function is not a fiber: it may not park. */
static IslePoll
park_in_poll (gpointer    state,
              IsleWaker  *waker,
              gpointer   *result,
              GError    **error)
{
  gboolean *parked = state;
  g_autoptr(GError) local_error = NULL;

  *parked = isle_park (&local_error);
  g_assert_nonnull (local_error);
  *result = NULL;
  return ISLE_POLL_READY;
}

static void
test_task_park_in_poll_task (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      gboolean parked = TRUE;

      isle_test_make_criticals_non_fatal ();
      isle_join_handle_unref (isle_local_set_spawn_local_poll (island,
                                                               park_in_poll,
                                                               &parked, NULL));
      isle_test_run_all (island);
      g_assert_false (parked);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_park*outside*");
}

static gpointer
nested_run_until_root (gpointer   user_data,
                       GError   **error)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(GError) local_error = NULL;
  gpointer result;

  result = isle_local_set_run_until (island, never_runs_task, NULL,
                                     &local_error);
  g_assert_null (result);
  g_assert_nonnull (local_error);
  return g_strdup ("survived");
}

static void
test_task_run_until_inside_task (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, nested_run_until_root, NULL);
      g_assert_cmpstr (result, ==, "survived");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_local_set_run_until*inside*");
}

static gpointer
nested_run_root (gpointer   user_data,
                 GError   **error)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(GError) local_error = NULL;

  g_assert_false (isle_local_set_run (island, &local_error));
  g_assert_nonnull (local_error);
  return g_strdup ("survived");
}

static void
test_task_run_inside_task (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, nested_run_root, NULL);
      g_assert_cmpstr (result, ==, "survived");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_local_set_run()*inside*");
}

static gpointer
spawn_from_other_thread (gpointer data)
{
  IsleLocalSet *island = data;

  isle_join_handle_unref (isle_local_set_spawn_local (island, never_runs_task,
                                                      NULL, NULL));
  return NULL;
}

static gpointer
return_null (gpointer   user_data,
             GError   **error)
{
  return NULL;
}

static IslePoll
poll_ready (gpointer    state,
            IsleWaker  *waker,
            gpointer   *result,
            GError    **error)
{
  return ISLE_POLL_READY;
}

/* Calls every spawn on the current island. Kept out of line, so that the
 * sites its calls leave are in a function of this name. */
static G_NO_INLINE void
spawn_from_everywhere (GPtrArray   *handles,
                       GPtrArray   *futures,
                       IsleJoinSet *set,
                       GObject     *object)
{
  IsleLocalSet *island = isle_local_set_get_current ();

  g_ptr_array_add (handles, isle_spawn_local (return_null, NULL, NULL));
  g_ptr_array_add (handles, isle_spawn_local_full ("full", G_PRIORITY_DEFAULT, 0,
                                                   return_null, NULL, NULL, NULL));
  g_ptr_array_add (handles, isle_spawn_local_poll (poll_ready, NULL, NULL));
  g_ptr_array_add (handles, isle_spawn_local_poll_full ("poll full", G_PRIORITY_DEFAULT,
                                                        poll_ready, NULL, NULL, NULL));
  g_ptr_array_add (handles, isle_local_set_spawn_local (island, return_null, NULL, NULL));
  g_ptr_array_add (handles, isle_local_set_spawn_local_full (island, "on island", G_PRIORITY_DEFAULT,
                                                             0, return_null, NULL, NULL, NULL));
  g_ptr_array_add (handles, isle_local_set_spawn_local_poll (island, poll_ready, NULL, NULL));
  g_ptr_array_add (handles, isle_local_set_spawn_local_poll_full (island, "poll on island",
                                                                  G_PRIORITY_DEFAULT, poll_ready,
                                                                  NULL, NULL, NULL));
  g_ptr_array_add (handles, isle_local_set_spawn_local_poll_named (island, "named", G_PRIORITY_DEFAULT,
                                                                   poll_ready, NULL, NULL));
  g_ptr_array_add (handles, isle_spawn_local_for_object (object, return_null, NULL, NULL));
  g_ptr_array_add (handles, isle_spawn_local_for_object_full (object, "for object",
                                                              G_PRIORITY_DEFAULT, 0,
                                                              return_null, NULL, NULL, NULL));
  isle_join_set_spawn (set, return_null, NULL, NULL);
  isle_join_set_spawn_full (set, "in set", G_PRIORITY_DEFAULT, 0, return_null, NULL, NULL, NULL);
  isle_join_set_spawn_poll (set, poll_ready, NULL, NULL);
  /* On the island's own thread a remote spawn makes its task at once. */
  g_ptr_array_add (futures, isle_local_set_spawn_remote (island, return_null, NULL, NULL));
  g_ptr_array_add (futures, isle_local_set_spawn_remote_full (island, "remote", G_PRIORITY_DEFAULT,
                                                              return_null, NULL, NULL, NULL));

  /* Not a spawn last: a call in tail position would be a jump, which
   * leaves the return address of this function's own caller. */
  g_assert_cmpuint (isle_join_set_get_n_tasks (set), ==, 3);
}

#define SPAWN_SITES_N_SPAWNS 16

static gpointer
spawn_sites_root (gpointer   user_data,
                  GError   **error)
{
  g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_join_handle_unref);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_future_unref);
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GListModel) tasks = NULL;
  guint64 root_id = isle_task_get_id (isle_task_get_current ());
  guint n_checked = 0;

  spawn_from_everywhere (handles, futures, set, object);

  tasks = isle_local_set_list_tasks (isle_local_set_get_current ());
  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(IsleTaskInfo) info = g_list_model_get_item (tasks, i);
      const char *site = isle_task_info_get_spawn_site (info);

      if (isle_task_info_get_id (info) == root_id)
        continue;
      if (!g_str_has_prefix (site, "spawn_from_everywhere"))
        g_error ("Task %" G_GUINT64_FORMAT " (%s) was spawned at %s, not by "
                 "spawn_from_everywhere()", isle_task_info_get_id (info),
                 isle_task_info_get_name (info), site);
      n_checked++;
    }
  g_assert_cmpuint (n_checked, ==, SPAWN_SITES_N_SPAWNS);

  /* Every task runs to its end: joined, or awaited through its future. */
  for (guint i = 0; i < handles->len; i++)
    g_assert_null (isle_join_handle_join (g_ptr_array_index (handles, i), NULL));
  g_assert_true (isle_join_set_shutdown (set, NULL));
  for (guint i = 0; i < futures->len; i++)
    {
      GError *await_error = NULL;

      g_assert_null (isle_await (g_ptr_array_index (futures, i), &await_error));
      g_assert_no_error (await_error);
    }
  return NULL;
}

/* A task's spawn site is where its spawn was called, for every public
 * spawn: never a function of Isle that one spawn calls another through. */
static void
test_task_spawn_sites (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, spawn_sites_root, NULL);
}

static void
test_task_wrong_thread (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *island = isle_local_set_new ();
      GThread *thread;

      thread = g_thread_new ("intruder", spawn_from_other_thread, island);
      g_thread_join (thread);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*isle_local_set_spawn_local*thread*intruder*");
}

typedef struct
{
  IsleTask  *task;      /* (unowned) kept by the waker */
  IsleWaker *waker;     /* (owned) */
  int        stop;      /* (atomic) */
  guint      reads;
  gboolean   saw_name;
} NameReader;

static gpointer
read_name_on_thread (gpointer data)
{
  NameReader *reader = data;

  /* At least one read, then as many as the task's turns allow. */
  do
    {
      const char *name = isle_task_get_name (reader->task);

      if (name != NULL)
        {
          g_assert_cmpstr (name, ==, "named");
          reader->saw_name = TRUE;
        }
      g_assert_cmpuint (isle_task_get_id (reader->task), >, 0);
      reader->reads++;
    }
  while (!g_atomic_int_get (&reader->stop));
  return NULL;
}

/* The task's own record grows its rarely used part (a cancellable) while
 * another thread reads its name and id: both are safe from any thread. */
static gpointer
grow_while_read (gpointer   user_data,
                 GError   **error)
{
  NameReader *reader = user_data;
  GThread *thread;

  reader->task = isle_task_get_current ();
  reader->waker = isle_task_ref_waker (reader->task);
  thread = g_thread_new ("name-reader", read_name_on_thread, reader);
  g_assert_nonnull (isle_task_get_cancellable (reader->task));
  for (int i = 0; i < 3; i++)
    if (!isle_yield_now (error))
      break;
  g_atomic_int_set (&reader->stop, 1);
  g_thread_join (thread);
  return NULL;
}

static void
test_task_get_name_any_thread (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  NameReader unnamed = { NULL, NULL, 0, 0, FALSE };
  NameReader named = { NULL, NULL, 0, 0, FALSE };
  g_autoptr(IsleJoinHandle) a = NULL;
  g_autoptr(IsleJoinHandle) b = NULL;

  a = isle_local_set_spawn_local (island, grow_while_read, &unnamed, NULL);
  b = isle_local_set_spawn_local_full (island, "named", G_PRIORITY_DEFAULT, 0,
                                       grow_while_read, &named, NULL, NULL);
  isle_test_run_all (island);

  g_assert_cmpuint (unnamed.reads, >, 0);
  g_assert_false (unnamed.saw_name);
  g_assert_true (named.saw_name);
  isle_waker_unref (unnamed.waker);
  isle_waker_unref (named.waker);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Task/spawn-local-in-task", test_task_spawn_local_in_task);
  g_test_add_func ("/Isle/Task/spawn-local-full-in-task", test_task_spawn_local_full_in_task);
  isle_test_add_func ("/Isle/Task/unique-ids", test_task_unique_ids);
  g_test_add_func ("/Isle/Task/name-and-priority", test_task_name_and_priority);
  g_test_add_func ("/Isle/Task/get-name-any-thread", test_task_get_name_any_thread);
  g_test_add_func ("/Isle/Task/yield-fifo", test_task_yield_fifo);
  isle_test_add_func ("/Isle/Task/park-and-wake", test_task_park_and_wake);
  isle_test_add_func ("/Isle/Task/wake-before-park", test_task_wake_before_park);
  g_test_add_func ("/Isle/Task/cancellable-on-abort", test_task_cancellable_on_abort);
  g_test_add_func ("/Isle/Task/locals-survive-suspension", test_task_locals_survive_suspension);
  g_test_add_func ("/Isle/Task/stack-size", test_task_stack_size);
  g_test_add_func ("/Isle/Task/stack-allocation-failure", test_task_stack_allocation_failure);
  g_test_add_func ("/Isle/Task/spawn-local-outside-island", test_task_spawn_local_outside_island);
  g_test_add_func ("/Isle/Task/spawn-local-poll-outside-island", test_task_spawn_local_poll_outside_island);
  g_test_add_func ("/Isle/Task/yield-outside-fiber", test_task_yield_outside_fiber);
  g_test_add_func ("/Isle/Task/park-outside-fiber", test_task_park_outside_fiber);
  g_test_add_func ("/Isle/Task/park-in-poll-task", test_task_park_in_poll_task);
  g_test_add_func ("/Isle/Task/run-until-inside-task", test_task_run_until_inside_task);
  g_test_add_func ("/Isle/Task/run-inside-task", test_task_run_inside_task);
  g_test_add_func ("/Isle/Task/wrong-thread", test_task_wrong_thread);
  g_test_add_func ("/Isle/Task/spawn-sites", test_task_spawn_sites);

  return g_test_run ();
}
