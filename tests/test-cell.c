/* test-cell.c: shared local state with borrow tracking
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>
#include <string.h>

#include "isle-test-util.h"

/* A destroy notify that counts its calls: a cell destroys its value
 * exactly once, when its last reference goes. */
static int value_destroyed;

static void
counted_value_destroy (gpointer data)
{
  value_destroyed++;
  g_free (data);
}

static IsleCell *
new_int_cell (int value)
{
  int *storage = g_new (int, 1);

  *storage = value;
  return isle_cell_new (storage, counted_value_destroy);
}

static void
test_cell_type (void)
{
  g_autoptr(IsleCell) cell = new_int_cell (0);
  IsleCell *copy;

  g_assert_true (G_TYPE_IS_BOXED (ISLE_TYPE_CELL));
  copy = g_boxed_copy (ISLE_TYPE_CELL, cell);
  g_assert_true (copy == cell);
  g_boxed_free (ISLE_TYPE_CELL, copy);
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_UNBORROWED);
}

static void
test_cell_shared_borrows_nest (void)
{
  g_autoptr(IsleCell) cell = new_int_cell (7);
  const int *values[10];
  guint i;

  /* More than the few borrows a cell keeps inline. */
  for (i = 0; i < G_N_ELEMENTS (values); i++)
    {
      values[i] = isle_cell_borrow (cell);
      g_assert_cmpint (*values[i], ==, 7);
      g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, i + 1);
      g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_BORROWED);
    }
  for (i = G_N_ELEMENTS (values); i > 0; i--)
    {
      isle_cell_release (cell);
      g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, i - 1);
    }
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_UNBORROWED);

  /* The cell is usable again after its borrows spilled to the heap. */
  *(int *) isle_cell_borrow_mut (cell) = 8;
  isle_cell_release_mut (cell);
  g_assert_cmpint (*(const int *) isle_cell_borrow (cell), ==, 8);
  isle_cell_release (cell);
}

static void
test_cell_exclusive_borrow (void)
{
  g_autoptr(IsleCell) cell = new_int_cell (1);
  int *value;

  value = isle_cell_borrow_mut (cell);
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_BORROWED_MUT);
  g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 1);
  *value += 41;
  isle_cell_release_mut (cell);
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_UNBORROWED);
  g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 0);

  g_assert_cmpint (*(const int *) isle_cell_borrow (cell), ==, 42);
  isle_cell_release (cell);
}

static void
test_cell_scoped_guards (void)
{
  g_autoptr(IsleCell) cell = new_int_cell (0);

  {
    g_autoptr(IsleCellRefMut) guard = isle_cell_borrow_mut_scoped (cell);

    *(int *) isle_cell_ref_mut_get (guard) += 1;
    g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_BORROWED_MUT);
  }
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_UNBORROWED);

  {
    g_autoptr(IsleCellRef) outer = isle_cell_borrow_scoped (cell);

    {
      g_autoptr(IsleCellRef) inner = isle_cell_borrow_scoped (cell);

      g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 2);
      g_assert_cmpint (*(const int *) isle_cell_ref_get (inner), ==, 1);
    }
    g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 1);
    g_assert_cmpint (*(const int *) isle_cell_ref_get (outer), ==, 1);
  }
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_UNBORROWED);
}

static void
test_cell_unref_destroys_once (void)
{
  IsleCell *cell;

  value_destroyed = 0;
  cell = new_int_cell (3);
  g_assert_true (isle_cell_ref (cell) == cell);
  isle_cell_unref (cell);
  g_assert_cmpint (value_destroyed, ==, 0);
  isle_cell_unref (cell);
  g_assert_cmpint (value_destroyed, ==, 1);

  /* g_autoptr drops its reference at the end of the scope. */
  {
    g_autoptr(IsleCell) scoped = new_int_cell (4);

    g_assert_cmpint (*(const int *) isle_cell_borrow (scoped), ==, 4);
    isle_cell_release (scoped);
  }
  g_assert_cmpint (value_destroyed, ==, 2);

  /* A cell without a destroy notify leaves its value alone. */
  {
    int storage = 5;
    g_autoptr(IsleCell) borrowed = isle_cell_new (&storage, NULL);

    *(int *) isle_cell_borrow_mut (borrowed) = 6;
    isle_cell_release_mut (borrowed);
    g_assert_cmpint (storage, ==, 6);
  }
  g_assert_cmpint (value_destroyed, ==, 2);
}

/* The guide's example, with two tasks: each changes the counter, yields,
 * and changes it again, with every borrow ended before the yield. */
typedef struct
{
  guint    counter;
  GString *order;
} Counter;

static void
counter_free (gpointer data)
{
  Counter *counter = data;

  g_string_free (counter->order, TRUE);
  g_free (counter);
}

static gpointer
count_twice_task (gpointer   user_data,
                  GError   **error)
{
  IsleCell *cell = user_data;
  const char *name = isle_task_get_name (isle_task_get_current ());

  {
    g_autoptr(IsleCellRefMut) guard = isle_cell_borrow_mut_scoped (cell);
    Counter *counter = isle_cell_ref_mut_get (guard);

    counter->counter++;
    g_string_append (counter->order, name);
  }

  if (!isle_yield_now (error))
    return NULL;

  {
    Counter *counter = isle_cell_borrow_mut (cell);

    counter->counter++;
    g_string_append (counter->order, name);
    isle_cell_release_mut (cell);
  }

  return NULL;
}

static gpointer
counter_root (gpointer   user_data,
              GError   **error)
{
  IsleCell *cell = user_data;
  g_autoptr(IsleJoinHandle) a = NULL;
  g_autoptr(IsleJoinHandle) b = NULL;

  a = isle_spawn_local_full ("a", G_PRIORITY_DEFAULT, 0, count_twice_task,
                             isle_cell_ref (cell),
                             (GDestroyNotify) isle_cell_unref, NULL);
  b = isle_spawn_local_full ("b", G_PRIORITY_DEFAULT, 0, count_twice_task,
                             isle_cell_ref (cell),
                             (GDestroyNotify) isle_cell_unref, NULL);
  isle_join_handle_join (a, error);
  g_assert_no_error (*error);
  isle_join_handle_join (b, error);
  g_assert_no_error (*error);

  {
    g_autoptr(IsleCellRef) guard = isle_cell_borrow_scoped (cell);
    const Counter *counter = isle_cell_ref_get (guard);

    g_assert_cmpuint (counter->counter, ==, 4);
    /* The tasks interleaved: each yielded between its two changes. */
    g_assert_cmpstr (counter->order->str, ==, "abab");
  }
  return NULL;
}

static void
test_cell_counter_across_yields (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleCell) cell = NULL;
  Counter *counter = g_new0 (Counter, 1);

  counter->order = g_string_new (NULL);
  cell = isle_cell_new (counter, counter_free);
  /* G_DEBUG=fatal-warnings: any report would fail the test. */
  isle_test_run_root (island, counter_root, cell);
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_UNBORROWED);
}

/* Holds the exclusive borrow across a yield: the mistake the conflict
 * tests provoke. */
static gpointer
hold_mut_across_yield_task (gpointer   user_data,
                            GError   **error)
{
  IsleCell *cell = user_data;
  int *value = isle_cell_borrow_mut (cell);

  if (!isle_yield_now (error))
    return NULL;
  *value += 1;
  isle_cell_release_mut (cell);
  return NULL;
}

static gpointer
hold_shared_across_yield_task (gpointer   user_data,
                               GError   **error)
{
  IsleCell *cell = user_data;

  isle_cell_borrow (cell);
  if (!isle_yield_now (error))
    return NULL;
  isle_cell_release (cell);
  return NULL;
}

static gpointer
borrow_mut_task (gpointer   user_data,
                 GError   **error)
{
  IsleCell *cell = user_data;

  *(int *) isle_cell_borrow_mut (cell) += 1;
  isle_cell_release_mut (cell);
  return NULL;
}

static gpointer
borrow_shared_task (gpointer   user_data,
                    GError   **error)
{
  IsleCell *cell = user_data;

  g_assert_cmpint (*(const int *) isle_cell_borrow (cell), >=, 0);
  isle_cell_release (cell);
  return NULL;
}

typedef struct
{
  IsleTaskFunc holder;
  IsleTaskFunc intruder;
  IsleCell    *cell;
} ConflictCase;

static gpointer
conflict_root (gpointer   user_data,
               GError   **error)
{
  ConflictCase *conflict = user_data;
  g_autoptr(IsleJoinHandle) holder = NULL;
  g_autoptr(IsleJoinHandle) intruder = NULL;

  holder = isle_spawn_local_full ("holder", G_PRIORITY_DEFAULT, 0,
                                  conflict->holder, conflict->cell, NULL, NULL);
  intruder = isle_spawn_local_full ("intruder", G_PRIORITY_DEFAULT, 0,
                                    conflict->intruder, conflict->cell, NULL,
                                    NULL);
  isle_join_handle_join (holder, NULL);
  isle_join_handle_join (intruder, NULL);
  return NULL;
}

static void
run_conflict_in_subprocess (IsleTaskFunc holder,
                            IsleTaskFunc intruder)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleCell) cell = new_int_cell (0);
  ConflictCase conflict = { holder, intruder, cell };

  /* The holder's borrow across its yield is reported first; the test is
   * about the conflict that follows. */
  isle_test_make_criticals_non_fatal ();
  isle_test_run_root (island, conflict_root, &conflict);
  g_print ("survived\n");
}

/* In a fresh subprocess the root task is task 1, the holder task 2 and
 * the intruder task 3. */
static void
test_cell_conflict_in_two_tasks_aborts (void)
{
  if (g_test_subprocess ())
    {
      run_conflict_in_subprocess (hold_shared_across_yield_task, borrow_mut_task);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*Conflicting IsleCell borrow*isle_cell_borrow_mut_at()"
                             " at *test-cell.c:* in task 3 *intruder*"
                             "*shared borrow taken at *test-cell.c:* in task 2 *holder*");
}

static void
test_cell_shared_while_exclusive_aborts (void)
{
  if (g_test_subprocess ())
    {
      run_conflict_in_subprocess (hold_mut_across_yield_task, borrow_shared_task);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*Conflicting IsleCell borrow*isle_cell_borrow_at()"
                             " at *test-cell.c:* in task 3 *intruder*"
                             "*exclusive borrow taken at *test-cell.c:* in task 2 *holder*");
}

/* Outside tasks, too: plain code names itself as such. */
static void
test_cell_conflict_in_plain_code_aborts (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleCell) cell = new_int_cell (0);

      isle_cell_borrow (cell);
      isle_cell_borrow (cell);
      isle_cell_borrow_mut (cell);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*Conflicting IsleCell borrow*isle_cell_borrow_mut_at()"
                             " at *test-cell.c:* in plain code*shared borrow "
                             "taken at *test-cell.c:* in plain code (and 1 more "
                             "shared borrow)*isle_cell_try_borrow_mut()*");
}

/* Code built with ISLE_DISABLE_SITES passes NULL sites: the messages say
 * less, but the check stays. */
static void
test_cell_conflict_without_sites_aborts (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleCell) cell = new_int_cell (0);

      isle_cell_borrow_mut_at (cell, NULL);
      isle_cell_borrow_at (cell, NULL);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*Conflicting IsleCell borrow*unknown site*"
                             "exclusive borrow taken at an unknown site*");
  g_test_trap_assert_stderr_unmatched ("*test-cell.c:*");
}

/* The report of a borrow held across a suspension: criticals are fatal in
 * the subprocess, so the report ends it. */
static gpointer
hold_across_park_task (gpointer   user_data,
                       GError   **error)
{
  IsleCell *cell = user_data;
  g_autoptr(IsleWaker) waker = isle_task_ref_waker (isle_task_get_current ());
  g_autoptr(IsleCellRef) guard = isle_cell_borrow_scoped (cell);

  /* Woken beforehand, so the park returns at once: the report does not
   * depend on the task really sleeping. */
  isle_waker_wake (waker);
  if (!isle_park (error))
    return NULL;
  return NULL;
}

static gpointer
hold_across_join_task (gpointer   user_data,
                       GError   **error)
{
  IsleCell *cell = user_data;
  g_autoptr(IsleJoinHandle) child = NULL;
  g_autoptr(IsleCellRefMut) guard = isle_cell_borrow_mut_scoped (cell);

  child = isle_spawn_local (borrow_shared_task, cell, NULL);
  isle_join_handle_join (child, error);
  return NULL;
}

static gpointer
end_borrow_before_yield_task (gpointer   user_data,
                              GError   **error)
{
  IsleCell *cell = user_data;

  for (guint i = 0; i < 3; i++)
    {
      {
        g_autoptr(IsleCellRefMut) guard = isle_cell_borrow_mut_scoped (cell);

        *(int *) isle_cell_ref_mut_get (guard) += 1;
      }
      {
        /* Nested shared borrows, all ended before the yield. */
        g_autoptr(IsleCellRef) outer = isle_cell_borrow_scoped (cell);
        g_autoptr(IsleCellRef) inner = isle_cell_borrow_scoped (cell);

        g_assert_cmpint (*(const int *) isle_cell_ref_get (inner), >, 0);
      }
      if (!isle_yield_now (error))
        return NULL;
    }
  return NULL;
}

static void
run_task_in_subprocess (IsleTaskFunc func)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleCell) cell = new_int_cell (0);
  g_autoptr(IsleJoinHandle) handle = NULL;

  handle = isle_local_set_spawn_local_full (island, "borrower",
                                            G_PRIORITY_DEFAULT, 0, func, cell,
                                            NULL, NULL);
  /* A second task that uses the cell properly, to run meanwhile. */
  isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                      end_borrow_before_yield_task,
                                                      cell, NULL));
  isle_test_run_all (island);
  g_print ("survived\n");
}

static void
test_cell_borrow_across_yield_reported (void)
{
  if (g_test_subprocess ())
    {
      run_task_in_subprocess (hold_mut_across_yield_task);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*borrower*isle_yield_now()"
                             "*1 IsleCell borrow*test-cell.c:*");
}

static void
test_cell_borrow_across_park_reported (void)
{
  if (g_test_subprocess ())
    {
      run_task_in_subprocess (hold_across_park_task);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*borrower*isle_park()"
                             "*1 IsleCell borrow*test-cell.c:*");
}

static void
test_cell_borrow_across_join_reported (void)
{
  if (g_test_subprocess ())
    {
      run_task_in_subprocess (hold_across_join_task);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*borrower*isle_join_handle_join()"
                             "*1 IsleCell borrow*test-cell.c:*");
}

static void
test_cell_borrow_ended_before_yield_silent (void)
{
  if (g_test_subprocess ())
    {
      run_task_in_subprocess (end_borrow_before_yield_task);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr_unmatched ("*IsleCell*");
}

/* Nested borrows a task took and ended leave no count behind: its later
 * yield is silent. */
static gpointer
release_in_order_task (gpointer   user_data,
                       GError   **error)
{
  IsleCell *cell = user_data;

  isle_cell_borrow (cell);
  isle_cell_borrow (cell);
  isle_cell_release (cell);
  isle_cell_release (cell);
  *(int *) isle_cell_borrow_mut (cell) += 1;
  isle_cell_release_mut (cell);
  if (!isle_yield_now (error))
    return NULL;
  return NULL;
}

static void
test_cell_borrows_in_task_counted (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleCell) cell = new_int_cell (0);

  /* Plain code holds a shared borrow while the tasks take and end their
   * own; the tasks' releases end their borrows, not this one. */
  isle_cell_borrow (cell);
  for (guint i = 0; i < 3; i++)
    isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                        borrow_shared_task,
                                                        cell, NULL));
  isle_test_run_all (island);
  g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 1);
  isle_cell_release (cell);

  isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                      release_in_order_task,
                                                      cell, NULL));
  isle_test_run_all (island);
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_UNBORROWED);
  g_assert_cmpint (*(const int *) isle_cell_borrow (cell), ==, 1);
  isle_cell_release (cell);
}

/* A borrow that a task leaves behind when it finishes is reported (it is
 * a guard that leaked), still names the task, and ends cleanly later, even
 * after the island is gone. */
static gpointer
leave_borrow_behind_task (gpointer   user_data,
                          GError   **error)
{
  isle_cell_borrow (user_data);
  return NULL;
}

static void
test_cell_borrow_outlives_task (void)
{
  IsleLocalSet *island;
  g_autoptr(IsleCell) cell = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*CRITICAL*leaver*reaches the end of its body "
                                 "while it holds 1 IsleCell borrow*test-cell.c:*");
      return;
    }

  isle_test_make_criticals_non_fatal ();
  island = isle_local_set_new ();
  cell = new_int_cell (0);
  isle_join_handle_unref (isle_local_set_spawn_local_full (island, "leaver",
                                                           G_PRIORITY_DEFAULT, 0,
                                                           leave_borrow_behind_task,
                                                           cell, NULL, NULL));
  isle_test_run_all (island);
  isle_local_set_unref (island);

  g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 1);
  g_assert_null (isle_cell_try_borrow_mut (cell, &error));
  g_assert_error (error, ISLE_CELL_ERROR, ISLE_CELL_ERROR_BORROWED);
  g_assert_nonnull (strstr (error->message, "leaver"));
  isle_cell_release (cell);
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_UNBORROWED);
}

static void
test_cell_try_borrow (void)
{
  g_autoptr(IsleCell) cell = new_int_cell (5);
  g_autoptr(GError) error = NULL;
  const int *shared;
  int *exclusive;

  shared = isle_cell_try_borrow (cell, &error);
  g_assert_no_error (error);
  g_assert_cmpint (*shared, ==, 5);
  g_assert_nonnull (isle_cell_try_borrow (cell, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 2);

  g_assert_null (isle_cell_try_borrow_mut (cell, &error));
  g_assert_error (error, ISLE_CELL_ERROR, ISLE_CELL_ERROR_BORROWED);
  g_assert_nonnull (strstr (error->message, "test-cell.c:"));
  g_assert_nonnull (strstr (error->message, "plain code"));
  g_clear_error (&error);
  /* A failed try takes nothing. */
  g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 2);

  isle_cell_release (cell);
  isle_cell_release (cell);

  exclusive = isle_cell_try_borrow_mut (cell, &error);
  g_assert_no_error (error);
  *exclusive = 6;
  g_assert_null (isle_cell_try_borrow (cell, &error));
  g_assert_error (error, ISLE_CELL_ERROR, ISLE_CELL_ERROR_BORROWED_MUT);
  g_assert_nonnull (strstr (error->message, "exclusive"));
  g_clear_error (&error);
  g_assert_null (isle_cell_try_borrow_mut (cell, NULL));
  g_assert_cmpint (isle_cell_get_borrow_state (cell), ==, ISLE_CELL_BORROWED_MUT);
  isle_cell_release_mut (cell);

  g_assert_cmpint (*(const int *) isle_cell_try_borrow (cell, NULL), ==, 6);
  isle_cell_release (cell);
}

static gpointer
borrow_on_thread (gpointer data)
{
  isle_cell_borrow (data);
  return NULL;
}

static void
test_cell_other_thread_aborts (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleCell) cell = new_int_cell (0);
      GThread *thread = g_thread_new ("cell-intruder", borrow_on_thread, cell);

      g_thread_join (thread);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_cell_borrow_at() called on thread 'cell-intruder'"
                             "*belongs to thread*");
}

static void
test_cell_release_unborrowed_reported (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleCell) cell = new_int_cell (0);

      isle_test_make_criticals_non_fatal ();
      isle_cell_release (cell);
      isle_cell_release_mut (cell);
      isle_cell_borrow (cell);
      isle_cell_release_mut (cell);
      /* The wrong release ended nothing. */
      g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 1);
      isle_cell_release (cell);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_cell_release()*no shared borrow*"
                             "*CRITICAL*isle_cell_release_mut()*not borrowed exclusively*"
                             "*CRITICAL*isle_cell_release_mut()*has shared borrows*");
}

static void
test_cell_unref_while_borrowed_reported (void)
{
  if (g_test_subprocess ())
    {
      IsleCell *cell = new_int_cell (0);

      value_destroyed = 0;
      isle_cell_borrow_mut (cell);
      isle_cell_unref (cell);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*last reference to IsleCell*exclusive "
                             "borrow taken at *test-cell.c:*");
}

/* A poll task that returns pending with a borrow held has suspended with
 * it, as a fiber would in a yield: reported the same way. */
static IslePoll
borrow_then_pend (gpointer    state,
                  IsleWaker  *waker,
                  gpointer   *result,
                  GError    **error)
{
  IsleCell *cell = state;

  if (isle_cell_get_n_borrows (cell) > 0)
    {
      isle_cell_release (cell);
      return ISLE_POLL_READY;
    }
  isle_cell_borrow (cell);
  isle_waker_wake (waker);
  return ISLE_POLL_PENDING;
}

static void
test_cell_poll_pending_with_borrow (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(IsleCell) cell = new_int_cell (0);

      isle_test_make_criticals_non_fatal ();
      isle_join_handle_unref (isle_local_set_spawn_local_poll_full (island, "pender",
                                                                    G_PRIORITY_DEFAULT,
                                                                    borrow_then_pend,
                                                                    cell, NULL, NULL));
      isle_test_run_all (island);
      g_assert_cmpuint (isle_cell_get_n_borrows (cell), ==, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*pender*reaches a poll function returning "
                             "ISLE_POLL_PENDING while it holds 1 IsleCell borrow*test-cell.c:*");
}

typedef struct
{
  IsleCell *cell;         /* (owned) dropped on the thread */
  GValue    value;        /* a copy made and released on the thread */
  int       destroyed;
  GThread  *destroy_thread;
} CellTrip;

static void
note_cell_destroy (gpointer data)
{
  CellTrip *trip = data;

  trip->destroyed++;
  trip->destroy_thread = g_thread_self ();
}

static gpointer
drop_cell_on_thread (gpointer data)
{
  CellTrip *trip = data;
  GValue copy = G_VALUE_INIT;

  /* A binding's GValue copy and a marshaller's release, off the owner. */
  g_value_init (&copy, ISLE_TYPE_CELL);
  g_value_copy (&trip->value, &copy);
  isle_cell_unref (isle_cell_ref (trip->cell));
  g_value_unset (&copy);
  g_value_unset (&trip->value);
  isle_cell_unref (g_steal_pointer (&trip->cell));
  return NULL;
}

/* References come and go on any thread; the value is destroyed on the
 * owner thread, when it next iterates its context. */
static void
test_cell_unref_any_thread (void)
{
  CellTrip trip = { NULL, G_VALUE_INIT, 0, NULL };
  gint64 deadline = isle_test_deadline ();

  trip.cell = isle_cell_new (&trip, note_cell_destroy);
  g_value_init (&trip.value, ISLE_TYPE_CELL);
  g_value_set_boxed (&trip.value, trip.cell);
  g_thread_join (g_thread_new ("cell-dropper", drop_cell_on_thread, &trip));
  g_assert_cmpint (trip.destroyed, ==, 0);

  while (trip.destroyed == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_cmpint (trip.destroyed, ==, 1);
  g_assert_true (trip.destroy_thread == g_thread_self ());
}

static gpointer
unref_cell_on_thread (gpointer data)
{
  isle_cell_unref (data);
  return NULL;
}

static gpointer
iterate_on_thread (gpointer data)
{
  GMainContext *context = data;

  g_main_context_push_thread_default (context);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* The owner's context, iterated by a third thread after a release on a
 * second: the value is leaked with a critical, not destroyed there. */
static void
test_cell_context_iterated_elsewhere_reported (void)
{
  if (g_test_subprocess ())
    {
      GMainContext *context = g_main_context_new ();
      CellTrip trip = { NULL, G_VALUE_INIT, 0, NULL };

      g_main_context_push_thread_default (context);
      trip.cell = isle_cell_new (&trip, note_cell_destroy);
      g_main_context_pop_thread_default (context);

      g_thread_join (g_thread_new ("cell-dropper", unref_cell_on_thread, trip.cell));
      /* The critical is fatal here, as in every test: the leak it
       * reports never reaches the leak checkers. */
      g_thread_join (g_thread_new ("intruder", iterate_on_thread, context));
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*IsleCell *, released on another thread, was to "
                             "be destroyed on its owner thread*but its context was "
                             "iterated or finalized on thread*intruder*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Cell/type", test_cell_type);
  g_test_add_func ("/Isle/Cell/shared-borrows-nest", test_cell_shared_borrows_nest);
  g_test_add_func ("/Isle/Cell/exclusive-borrow", test_cell_exclusive_borrow);
  g_test_add_func ("/Isle/Cell/scoped-guards", test_cell_scoped_guards);
  g_test_add_func ("/Isle/Cell/unref-destroys-once", test_cell_unref_destroys_once);
  g_test_add_func ("/Isle/Cell/counter-across-yields", test_cell_counter_across_yields);
  g_test_add_func ("/Isle/Cell/conflict-in-two-tasks-aborts", test_cell_conflict_in_two_tasks_aborts);
  g_test_add_func ("/Isle/Cell/shared-while-exclusive-aborts", test_cell_shared_while_exclusive_aborts);
  g_test_add_func ("/Isle/Cell/conflict-in-plain-code-aborts", test_cell_conflict_in_plain_code_aborts);
  g_test_add_func ("/Isle/Cell/conflict-without-sites-aborts", test_cell_conflict_without_sites_aborts);
  g_test_add_func ("/Isle/Cell/borrow-across-yield-reported", test_cell_borrow_across_yield_reported);
  g_test_add_func ("/Isle/Cell/borrow-across-park-reported", test_cell_borrow_across_park_reported);
  g_test_add_func ("/Isle/Cell/borrow-across-join-reported", test_cell_borrow_across_join_reported);
  g_test_add_func ("/Isle/Cell/borrow-ended-before-yield-silent", test_cell_borrow_ended_before_yield_silent);
  g_test_add_func ("/Isle/Cell/borrows-in-task-counted", test_cell_borrows_in_task_counted);
  g_test_add_func ("/Isle/Cell/borrow-outlives-task", test_cell_borrow_outlives_task);
  g_test_add_func ("/Isle/Cell/try-borrow", test_cell_try_borrow);
  g_test_add_func ("/Isle/Cell/other-thread-aborts", test_cell_other_thread_aborts);
  g_test_add_func ("/Isle/Cell/unref-any-thread", test_cell_unref_any_thread);
  g_test_add_func ("/Isle/Cell/context-iterated-elsewhere-reported",
                   test_cell_context_iterated_elsewhere_reported);
  g_test_add_func ("/Isle/Cell/release-unborrowed-reported", test_cell_release_unborrowed_reported);
  g_test_add_func ("/Isle/Cell/unref-while-borrowed-reported", test_cell_unref_while_borrowed_reported);
  g_test_add_func ("/Isle/Cell/poll-pending-with-borrow", test_cell_poll_pending_with_borrow);

  return g_test_run ();
}
