/* isle-cell.c: shared local state with borrow tracking
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "isle-cell.h"
#include "isle-task-private.h"
#include "isle-owner-private.h"

/**
 * IsleCell:
 *
 * State shared by the tasks of one island: the C counterpart of Rust's
 * `Rc<RefCell<T>>`. A cell is reference counted and holds one value, which
 * code reaches only through a borrow: any number of shared borrows (to
 * read) or one exclusive borrow (to change it) at a time.
 *
 * Use a cell for state that several tasks of the same thread read and
 * change, such as a counter, a model or a cache that tasks fill while a
 * widget reads it; state that is not shared needs no cell, and state shared
 * with other threads needs a lock, not a cell.
 *
 * |[<!-- language="C" -->
 * static gpointer
 * count_twice (gpointer user_data, GError **error)
 * {
 *   IsleCell *counter = user_data;
 *
 *   {
 *     g_autoptr(IsleCellRefMut) guard = isle_cell_borrow_mut_scoped (counter);
 *     *(guint *) isle_cell_ref_mut_get (guard) += 1;
 *   }  // the borrow ends here, before the task suspends
 *
 *   if (!isle_yield_now (error))
 *     return NULL;
 *
 *   *(guint *) isle_cell_borrow_mut (counter) += 1;
 *   isle_cell_release_mut (counter);
 *   return NULL;
 * }
 * ]|
 *
 * Running on one thread does not make borrows safe across suspension
 * points: while a task waits in [func@Isle.yield_now], [func@Isle.park] or
 * [method@Isle.JoinHandle.join], the island runs its other tasks, and they
 * find the cell borrowed. Keep each borrow in a block that ends before the
 * next suspension. A borrow still held when its task suspends is reported with
 * a critical that names the site of the borrow and the suspension.
 *
 * A conflicting borrow (an exclusive borrow while any borrow is held, a
 * shared one while the exclusive borrow is held) aborts the program with a
 * message that names both borrow sites and both tasks; use
 * [func@Isle.cell_try_borrow] or [func@Isle.cell_try_borrow_mut] where a
 * conflict is expected. Every borrow records its site (`G_STRLOC`) and its
 * task; code built with `G_DISABLE_CHECKS` or `ISLE_DISABLE_SITES` records no
 * sites, but keeps every check.
 *
 * A cell belongs to the thread that created it: using it on another thread
 * aborts with a message that names both threads. Its references alone may
 * be taken and dropped on any thread (a binding's #GValue copy, a closure
 * a worker drops): a last reference dropped elsewhere is sent to the
 * owner's thread-default #GMainContext, and the value is destroyed there
 * when the owner next iterates it.
 *
 * Since: 0.1
 */

/* Marked (foreign): a borrow guard has one owner and cannot be copied, so it
 * cannot be a boxed type; bindings would need code of their own. */
/**
 * IsleCellRef: (foreign)
 *
 * A shared borrow of an [struct@Isle.Cell] that ends when the guard is
 * released: declare it with `g_autoptr` and it ends at the end of the
 * scope. Made by [func@Isle.cell_borrow_scoped]. The guard does not keep the
 * cell alive; the cell must outlive it.
 *
 * Since: 0.1
 */

/* Marked (foreign): a borrow guard has one owner and cannot be copied, so it
 * cannot be a boxed type; bindings would need code of their own. */
/**
 * IsleCellRefMut: (foreign)
 *
 * The exclusive borrow of an [struct@Isle.Cell] that ends when the guard is
 * released: declare it with `g_autoptr` and it ends at the end of the
 * scope. Made by [func@Isle.cell_borrow_mut_scoped]. The guard does not keep
 * the cell alive; the cell must outlive it.
 *
 * Since: 0.1
 */

typedef struct
{
  const char *site;   /* (unowned) (nullable) a static G_STRLOC string */
  IsleTask   *task;   /* (owned) (nullable) who took it; NULL in plain code */
} IsleCellBorrow;

/* Most cells have at most one borrow at a time, and nesting a second
 * shared borrow is the usual most; more than that spills to the heap. */
#define N_INLINE_BORROWS 2

/* Everything but ref_count belongs to the owner thread: borrows are
 * taken, checked and released there, and the value is destroyed there;
 * owner and context are set at creation and read-only after. */
struct _IsleCell
{
  gpointer          value;               /* (owned) */
  GDestroyNotify    destroy;
  gatomicrefcount   ref_count;           /* (atomic) any thread */
  GMainContext     *context;             /* (owned) the owner's thread-default
                                          * context, where a last release on
                                          * another thread is sent */
  guint             n_borrows;
  gboolean          exclusive;           /* the one borrow is exclusive */
  guint             borrows_size;
  IsleCellBorrow   *borrows;             /* the live borrows, oldest first;
                                          * inline_borrows or (owned) */
  IsleOwner         owner;               /* read-only after creation */
  IsleCellBorrow    inline_borrows[N_INLINE_BORROWS];
};

G_DEFINE_BOXED_TYPE (IsleCell, isle_cell, isle_cell_ref, isle_cell_unref)

/**
 * isle_cell_error_quark:
 *
 * Gets the error domain of borrows that could not be taken,
 * %ISLE_CELL_ERROR.
 *
 * Safe to call from any thread.
 *
 * Returns: the error domain
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (isle-cell-error-quark, isle_cell_error)

#define SITE(site) ((site) != NULL ? (site) : "an unknown site (sites are compiled out)")

static inline void
check_thread (IsleCell   *cell,
              const char *function)
{
  ISLE_OWNER_CHECK (&cell->owner, function, "IsleCell", cell,
                    "a cell is shared by the tasks of one thread, like Rc<RefCell<T>>, "
                    "and may be touched only on the thread that created it. Send the "
                    "work to that thread (wake a task's IsleWaker, or attach an idle "
                    "source to its context), or guard state shared "
                    "between threads with a lock");
}

/* The borrow that stands in the way of a new one: the exclusive borrow,
 * or else the latest shared one. */
static char *
describe_holder (IsleCell *cell)
{
  IsleCellBorrow *borrow = &cell->borrows[cell->n_borrows - 1];
  g_autofree char *task = _isle_task_describe (borrow->task);
  g_autofree char *more = NULL;

  if (cell->n_borrows > 1)
    more = g_strdup_printf (" (and %u more shared borrow%s)",
                            cell->n_borrows - 1,
                            cell->n_borrows == 2 ? "" : "s");

  return g_strdup_printf ("the %s borrow taken at %s in %s%s",
                          cell->exclusive ? "exclusive" : "shared",
                          SITE (borrow->site), task, more ? more : "");
}

G_GNUC_NORETURN static void
abort_conflict (IsleCell   *cell,
                const char *function,
                const char *site)
{
  g_autofree char *task = _isle_task_describe (_isle_thread_state_get ()->current_task);
  g_autofree char *holder = describe_holder (cell);

  g_error ("Conflicting IsleCell borrow: %s() at %s in %s, but IsleCell %p "
           "has %s, still held. A cell allows any number of shared borrows "
           "or one exclusive borrow at a time. End each borrow in a block of "
           "its own before other code may need the cell, and before its task "
           "suspends (isle_yield_now(), isle_park(), isle_join_handle_join()); "
           "where a conflict is expected, use isle_cell_try_borrow() or "
           "isle_cell_try_borrow_mut() and handle the error",
           function, SITE (site), task, (gpointer) cell, holder);
  g_assert_not_reached ();
}

static void
set_conflict_error (IsleCell    *cell,
                    GError     **error)
{
  g_autofree char *holder = describe_holder (cell);

  g_set_error (error, ISLE_CELL_ERROR,
               cell->exclusive ? ISLE_CELL_ERROR_BORROWED_MUT : ISLE_CELL_ERROR_BORROWED,
               "The cell is already borrowed: %s", holder);
}

static void
add_borrow (IsleCell   *cell,
            const char *site,
            gboolean    exclusive)
{
  IsleTask *task = _isle_thread_state_get ()->current_task;
  IsleCellBorrow *borrow;

  if (G_UNLIKELY (cell->n_borrows == cell->borrows_size))
    {
      guint size = cell->borrows_size * 2;

      if (cell->borrows == cell->inline_borrows)
        {
          cell->borrows = g_new (IsleCellBorrow, size);
          memcpy (cell->borrows, cell->inline_borrows, sizeof cell->inline_borrows);
        }
      else
        cell->borrows = g_renew (IsleCellBorrow, cell->borrows, size);
      cell->borrows_size = size;
    }

  borrow = &cell->borrows[cell->n_borrows++];
  borrow->site = site;
  borrow->task = NULL;
  cell->exclusive = exclusive;

  /* The task reference keeps the record readable for messages and for the
   * release even if the task finishes before the borrow ends. */
  if (task != NULL)
    {
      borrow->task = _isle_task_ref (task);
      _isle_task_borrow_taken (task, site);
    }
}

/* A release does not say which shared borrow it ends. Borrows nest, so it
 * ends the latest one the running task (or plain code) took, and the
 * latest of all if this code took none. */
static guint
find_release_index (IsleCell *cell)
{
  IsleTask *task = _isle_thread_state_get ()->current_task;
  guint i;

  for (i = cell->n_borrows; i > 0; i--)
    if (cell->borrows[i - 1].task == task)
      return i - 1;

  return cell->n_borrows - 1;
}

static void
remove_borrow (IsleCell *cell,
               guint     index)
{
  IsleTask *task = cell->borrows[index].task;

  g_assert (index < cell->n_borrows);

  memmove (&cell->borrows[index], &cell->borrows[index + 1],
           (cell->n_borrows - index - 1) * sizeof (IsleCellBorrow));
  cell->n_borrows--;
  if (cell->n_borrows == 0)
    cell->exclusive = FALSE;

  if (task != NULL)
    {
      _isle_task_borrow_released (task);
      _isle_task_unref (task);
    }
}

static gconstpointer
borrow_shared (IsleCell   *cell,
               const char *site,
               const char *function)
{
  check_thread (cell, function);

  if (G_UNLIKELY (cell->exclusive))
    abort_conflict (cell, function, site);

  add_borrow (cell, site, FALSE);
  return cell->value;
}

static gpointer
borrow_exclusive (IsleCell   *cell,
                  const char *site,
                  const char *function)
{
  check_thread (cell, function);

  if (G_UNLIKELY (cell->n_borrows > 0))
    abort_conflict (cell, function, site);

  add_borrow (cell, site, TRUE);
  return cell->value;
}

static void
release_shared (IsleCell   *cell,
                const char *function)
{
  check_thread (cell, function);

  if (G_UNLIKELY (cell->n_borrows == 0 || cell->exclusive))
    {
      g_critical ("%s() on IsleCell %p, which has no shared borrow%s: every "
                  "release must match one isle_cell_borrow()",
                  function, (gpointer) cell,
                  cell->exclusive ? " (it is borrowed exclusively; end that "
                                    "with isle_cell_release_mut())" : "");
      return;
    }

  remove_borrow (cell, find_release_index (cell));
}

static void
release_exclusive (IsleCell   *cell,
                   const char *function)
{
  check_thread (cell, function);

  if (G_UNLIKELY (!cell->exclusive))
    {
      g_critical ("%s() on IsleCell %p, which is not borrowed exclusively%s: "
                  "every release must match one isle_cell_borrow_mut()",
                  function, (gpointer) cell,
                  cell->n_borrows > 0 ? " (it has shared borrows; end them "
                                        "with isle_cell_release())" : "");
      return;
    }

  remove_borrow (cell, 0);
}

/**
 * isle_cell_new:
 * @value: (transfer full) (not nullable): the state to share, typically a
 *   struct that tasks change through [func@Isle.cell_borrow_mut]
 * @destroy: (nullable): releases @value when the last reference goes
 *
 * Creates a cell that holds @value, owned by the calling thread: the cell
 * may be used on this thread only (its references excepted). A last
 * reference dropped on another thread is sent to the calling thread's
 * thread-default main context (see g_main_context_ref_thread_default()),
 * which this thread must iterate for the value to be destroyed.
 *
 * Call it on the thread whose tasks will share the cell.
 *
 * Returns: (transfer full): a new cell; release it with
 *   [method@Isle.Cell.unref]
 *
 * Since: 0.1
 */
IsleCell *
isle_cell_new (gpointer       value,
               GDestroyNotify destroy)
{
  IsleCell *cell;

  g_return_val_if_fail (value != NULL, NULL);

  cell = g_new0 (IsleCell, 1);
  g_atomic_ref_count_init (&cell->ref_count);
  cell->context = g_main_context_ref_thread_default ();
  cell->value = value;
  cell->destroy = destroy;
  cell->borrows = cell->inline_borrows;
  cell->borrows_size = N_INLINE_BORROWS;
  _isle_owner_init (&cell->owner);

  return cell;
}

/**
 * isle_cell_ref:
 * @self: a cell
 *
 * Takes another reference to the cell, as cloning an `Rc` does: for
 * another task that shares the state.
 *
 * Safe to call from any thread; only the owner thread may borrow.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleCell *
isle_cell_ref (IsleCell *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/* The last reference is gone; runs on the owner thread. */
static void
cell_free (IsleCell *self)
{
  g_clear_pointer (&self->context, g_main_context_unref);

  if (G_UNLIKELY (self->n_borrows > 0))
    {
      g_autofree char *holder = describe_holder (self);

      g_critical ("The last reference to IsleCell %p was dropped while it "
                  "has %s: the value is leaked, not destroyed under its "
                  "borrower. End every borrow before dropping the cell",
                  (gpointer) self, holder);
      return;
    }

  if (self->destroy != NULL)
    self->destroy (g_steal_pointer (&self->value));
  if (self->borrows != self->inline_borrows)
    g_free (self->borrows);
  _isle_owner_clear (&self->owner);
  g_free (self);
}

static gboolean
free_on_owner_cb (gpointer data)
{
  /* The work is in free_on_owner_notify(), which also runs when the
   * source is destroyed without being dispatched. */
  return G_SOURCE_REMOVE;
}

/* Runs where the source sent by a release on another thread goes: after
 * its dispatch on the owner thread, or where the owner's context is
 * finalized. */
static void
free_on_owner_notify (gpointer data)
{
  IsleCell *self = data;

  if (G_UNLIKELY (!_isle_owner_is_current (&self->owner)))
    {
      /* Destroying the value here is what the cell must not do. */
      g_critical ("IsleCell %p, released on another thread, was to be "
                  "destroyed on its owner thread %s, but its context was "
                  "iterated or finalized on thread %s: the value is leaked. "
                  "Iterate the thread-default context of the thread that "
                  "created a cell on that thread",
                  (gpointer) self, self->owner.description,
                  _isle_thread_describe_self ());
      return;
    }

  cell_free (self);
}

/**
 * isle_cell_unref:
 * @self: (transfer full): a cell
 *
 * Drops a reference to the cell. The last one destroys the value with the
 * destroy notify given to [ctor@Isle.Cell.new]. Dropping the last reference
 * while the cell is borrowed is a misuse: it is reported with a critical,
 * and the value is leaked rather than destroyed under its borrower.
 *
 * Safe to call from any thread. The value is always destroyed on the
 * owner thread: a last reference dropped on another thread is sent to the
 * owner's thread-default main context at creation, and the cell goes when
 * the owner next iterates it.
 *
 * Since: 0.1
 */
void
isle_cell_unref (IsleCell *self)
{
  GMainContext *context;
  GSource *source;

  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (_isle_owner_is_current (&self->owner))
    {
      cell_free (self);
      return;
    }

  /* Not g_main_context_invoke(): with nobody iterating the context at
   * this moment, it would run the free right here, on the wrong thread.
   * The context is kept until the source is attached and released: the
   * owner may free the cell as soon as it is attached. */
  context = g_steal_pointer (&self->context);
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[isle-cell-release]");
  g_source_set_callback (source, free_on_owner_cb, self, free_on_owner_notify);
  g_source_attach (source, context);
  g_source_unref (source);
  g_main_context_unref (context);
}

/**
 * isle_cell_borrow_at:
 * @self: a cell
 * @site: (nullable): where the borrow is taken, as `G_STRLOC`, for messages
 *
 * Takes a shared borrow of @self, to read its value until
 * [method@Isle.Cell.release]. Shared borrows nest and count; while any is
 * held, an exclusive borrow aborts.
 *
 * If the cell is borrowed exclusively, this aborts the program with a
 * message that names both borrow sites and both tasks.
 *
 * Call it through the [func@Isle.cell_borrow] macro, which passes the caller's
 * site; on the cell's owner thread. Inside a task, end the borrow before
 * the task suspends.
 *
 * Returns: (transfer none): the value, to read only
 *
 * Since: 0.1
 */
gconstpointer
isle_cell_borrow_at (IsleCell   *self,
                     const char *site)
{
  g_return_val_if_fail (self != NULL, NULL);

  return borrow_shared (self, site, G_STRFUNC);
}

/**
 * isle_cell_release:
 * @self: a cell
 *
 * Ends a shared borrow taken with [func@Isle.cell_borrow]: the latest one the
 * calling task (or plain code) took. Releasing a cell that has no shared
 * borrow is reported with a critical.
 *
 * Call it on the cell's owner thread.
 *
 * Since: 0.1
 */
void
isle_cell_release (IsleCell *self)
{
  g_return_if_fail (self != NULL);

  release_shared (self, G_STRFUNC);
}

/**
 * isle_cell_borrow_mut_at:
 * @self: a cell
 * @site: (nullable): where the borrow is taken, as `G_STRLOC`, for messages
 *
 * Takes the exclusive borrow of @self, to read and change its value until
 * [method@Isle.Cell.release_mut].
 *
 * If the cell has any borrow, this aborts the program with a message that
 * names both borrow sites and both tasks.
 *
 * Call it through the [func@Isle.cell_borrow_mut] macro, which passes the
 * caller's site; on the cell's owner thread. Inside a task, end the borrow
 * before the task suspends.
 *
 * Returns: (transfer none): the value
 *
 * Since: 0.1
 */
gpointer
isle_cell_borrow_mut_at (IsleCell   *self,
                         const char *site)
{
  g_return_val_if_fail (self != NULL, NULL);

  return borrow_exclusive (self, site, G_STRFUNC);
}

/**
 * isle_cell_release_mut:
 * @self: a cell
 *
 * Ends the exclusive borrow taken with [func@Isle.cell_borrow_mut]. Releasing
 * a cell that is not borrowed exclusively is reported with a critical.
 *
 * Call it on the cell's owner thread.
 *
 * Since: 0.1
 */
void
isle_cell_release_mut (IsleCell *self)
{
  g_return_if_fail (self != NULL);

  release_exclusive (self, G_STRFUNC);
}

/**
 * isle_cell_try_borrow_at:
 * @self: a cell
 * @site: (nullable): where the borrow is taken, as `G_STRLOC`, for messages
 * @error: return location for a #GError
 *
 * Takes a shared borrow of @self like [method@Isle.Cell.borrow_at], but fails
 * with %ISLE_CELL_ERROR_BORROWED_MUT instead of aborting if the cell is
 * borrowed exclusively. End a borrow taken this way with
 * [method@Isle.Cell.release].
 *
 * Call it through the [func@Isle.cell_try_borrow] macro, which passes the
 * caller's site; on the cell's owner thread.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL with @error set
 *
 * Since: 0.1
 */
gconstpointer
isle_cell_try_borrow_at (IsleCell    *self,
                         const char  *site,
                         GError     **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  check_thread (self, G_STRFUNC);

  if (self->exclusive)
    {
      set_conflict_error (self, error);
      return NULL;
    }

  add_borrow (self, site, FALSE);
  return self->value;
}

/**
 * isle_cell_try_borrow_mut_at:
 * @self: a cell
 * @site: (nullable): where the borrow is taken, as `G_STRLOC`, for messages
 * @error: return location for a #GError
 *
 * Takes the exclusive borrow of @self like [method@Isle.Cell.borrow_mut_at],
 * but fails instead of aborting if the cell has a borrow: with
 * %ISLE_CELL_ERROR_BORROWED for shared borrows,
 * %ISLE_CELL_ERROR_BORROWED_MUT for an exclusive one. End a borrow taken
 * this way with [method@Isle.Cell.release_mut].
 *
 * Call it through the [func@Isle.cell_try_borrow_mut] macro, which passes the
 * caller's site; on the cell's owner thread.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL with @error set
 *
 * Since: 0.1
 */
gpointer
isle_cell_try_borrow_mut_at (IsleCell    *self,
                             const char  *site,
                             GError     **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  check_thread (self, G_STRFUNC);

  if (self->n_borrows > 0)
    {
      set_conflict_error (self, error);
      return NULL;
    }

  add_borrow (self, site, TRUE);
  return self->value;
}

/**
 * isle_cell_borrow_scoped_at:
 * @self: a cell
 * @site: (nullable): where the borrow is taken, as `G_STRLOC`, for messages
 *
 * Takes a shared borrow of @self like [method@Isle.Cell.borrow_at] and returns
 * a guard that ends it when released, meant for `g_autoptr(IsleCellRef)`:
 *
 * |[<!-- language="C" -->
 * {
 *   g_autoptr(IsleCellRef) guard = isle_cell_borrow_scoped (cell);
 *   const Model *model = isle_cell_ref_get (guard);
 *
 *   show_model (model);
 * }  // the borrow ends here
 * ]|
 *
 * Call it through the [func@Isle.cell_borrow_scoped] macro, which passes the
 * caller's site; on the cell's owner thread.
 *
 * Returns: (transfer full): the guard; release it with
 *   [method@Isle.CellRef.release]
 *
 * Since: 0.1
 */
IsleCellRef *
isle_cell_borrow_scoped_at (IsleCell   *self,
                            const char *site)
{
  g_return_val_if_fail (self != NULL, NULL);

  /* The guard is the cell seen through another type: a scoped borrow
   * costs no allocation. */
  borrow_shared (self, site, G_STRFUNC);
  return (IsleCellRef *) self;
}

/**
 * isle_cell_ref_get:
 * @self: a guard from [func@Isle.cell_borrow_scoped]
 *
 * Gets the value the guard's borrow reaches.
 *
 * Call it on the cell's owner thread.
 *
 * Returns: (transfer none): the value, to read only
 *
 * Since: 0.1
 */
gconstpointer
isle_cell_ref_get (IsleCellRef *self)
{
  IsleCell *cell = (IsleCell *) self;

  g_return_val_if_fail (self != NULL, NULL);

  check_thread (cell, G_STRFUNC);
  g_return_val_if_fail (cell->n_borrows > 0 && !cell->exclusive, NULL);

  return cell->value;
}

/**
 * isle_cell_ref_release:
 * @self: (transfer full): a guard from [func@Isle.cell_borrow_scoped]
 *
 * Ends the guard's shared borrow, as [method@Isle.Cell.release] does. A
 * `g_autoptr(IsleCellRef)` calls it at the end of its scope.
 *
 * Call it on the cell's owner thread.
 *
 * Since: 0.1
 */
void
isle_cell_ref_release (IsleCellRef *self)
{
  g_return_if_fail (self != NULL);

  release_shared ((IsleCell *) self, G_STRFUNC);
}

/**
 * isle_cell_borrow_mut_scoped_at:
 * @self: a cell
 * @site: (nullable): where the borrow is taken, as `G_STRLOC`, for messages
 *
 * Takes the exclusive borrow of @self like [method@Isle.Cell.borrow_mut_at]
 * and returns a guard that ends it when released, meant for
 * `g_autoptr(IsleCellRefMut)`:
 *
 * |[<!-- language="C" -->
 * {
 *   g_autoptr(IsleCellRefMut) guard = isle_cell_borrow_mut_scoped (cell);
 *
 *   *(int *) isle_cell_ref_mut_get (guard) += 1;
 * }  // the borrow ends here
 * ]|
 *
 * Call it through the [func@Isle.cell_borrow_mut_scoped] macro, which passes
 * the caller's site; on the cell's owner thread.
 *
 * Returns: (transfer full): the guard; release it with
 *   [method@Isle.CellRefMut.release]
 *
 * Since: 0.1
 */
IsleCellRefMut *
isle_cell_borrow_mut_scoped_at (IsleCell   *self,
                                const char *site)
{
  g_return_val_if_fail (self != NULL, NULL);

  borrow_exclusive (self, site, G_STRFUNC);
  return (IsleCellRefMut *) self;
}

/**
 * isle_cell_ref_mut_get:
 * @self: a guard from [func@Isle.cell_borrow_mut_scoped]
 *
 * Gets the value the guard's exclusive borrow reaches.
 *
 * Call it on the cell's owner thread.
 *
 * Returns: (transfer none): the value
 *
 * Since: 0.1
 */
gpointer
isle_cell_ref_mut_get (IsleCellRefMut *self)
{
  IsleCell *cell = (IsleCell *) self;

  g_return_val_if_fail (self != NULL, NULL);

  check_thread (cell, G_STRFUNC);
  g_return_val_if_fail (cell->exclusive, NULL);

  return cell->value;
}

/**
 * isle_cell_ref_mut_release:
 * @self: (transfer full): a guard from [func@Isle.cell_borrow_mut_scoped]
 *
 * Ends the guard's exclusive borrow, as [method@Isle.Cell.release_mut] does. A
 * `g_autoptr(IsleCellRefMut)` calls it at the end of its scope.
 *
 * Call it on the cell's owner thread.
 *
 * Since: 0.1
 */
void
isle_cell_ref_mut_release (IsleCellRefMut *self)
{
  g_return_if_fail (self != NULL);

  release_exclusive ((IsleCell *) self, G_STRFUNC);
}

/**
 * isle_cell_get_borrow_state:
 * @self: a cell
 *
 * Tells whether @self is borrowed, and how: for tests and assertions.
 *
 * Call it on the cell's owner thread.
 *
 * Returns: the borrow state
 *
 * Since: 0.1
 */
IsleCellBorrowState
isle_cell_get_borrow_state (IsleCell *self)
{
  g_return_val_if_fail (self != NULL, ISLE_CELL_UNBORROWED);

  check_thread (self, G_STRFUNC);

  if (self->n_borrows == 0)
    return ISLE_CELL_UNBORROWED;
  return self->exclusive ? ISLE_CELL_BORROWED_MUT : ISLE_CELL_BORROWED;
}

/**
 * isle_cell_get_n_borrows:
 * @self: a cell
 *
 * Counts the borrows @self has: the shared borrows, or 1 while it is
 * borrowed exclusively.
 *
 * Call it on the cell's owner thread.
 *
 * Returns: the number of borrows held
 *
 * Since: 0.1
 */
guint
isle_cell_get_n_borrows (IsleCell *self)
{
  g_return_val_if_fail (self != NULL, 0);

  check_thread (self, G_STRFUNC);

  return self->n_borrows;
}
