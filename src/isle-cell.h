/* isle-cell.h: shared local state with borrow tracking
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_CELL              (isle_cell_get_type ())
#define ISLE_TYPE_CELL_ERROR        (isle_cell_error_get_type ())
#define ISLE_TYPE_CELL_BORROW_STATE (isle_cell_borrow_state_get_type ())

/**
 * ISLE_CELL_ERROR:
 *
 * The error domain of [func@Isle.cell_try_borrow] and
 * [func@Isle.cell_try_borrow_mut]. Errors in it use the [enum@Isle.CellError]
 * codes.
 *
 * Since: 0.1
 */
#define ISLE_CELL_ERROR (isle_cell_error_quark ())

/**
 * IsleCellError:
 * @ISLE_CELL_ERROR_BORROWED: an exclusive borrow was asked for, but the
 *   cell has shared borrows
 * @ISLE_CELL_ERROR_BORROWED_MUT: a borrow was asked for, but the cell is
 *   borrowed exclusively
 *
 * Why a borrow that was tried could not be taken.
 *
 * Since: 0.1
 */
typedef enum
{
  ISLE_CELL_ERROR_BORROWED,
  ISLE_CELL_ERROR_BORROWED_MUT,
} IsleCellError;

/**
 * IsleCellBorrowState:
 * @ISLE_CELL_UNBORROWED: no borrow is held
 * @ISLE_CELL_BORROWED: one or more shared borrows are held
 * @ISLE_CELL_BORROWED_MUT: an exclusive borrow is held
 *
 * The borrows a cell has, as [method@Isle.Cell.get_borrow_state] tells.
 *
 * Since: 0.1
 */
typedef enum
{
  ISLE_CELL_UNBORROWED,
  ISLE_CELL_BORROWED,
  ISLE_CELL_BORROWED_MUT,
} IsleCellBorrowState;

typedef struct _IsleCell       IsleCell;
typedef struct _IsleCellRef    IsleCellRef;
typedef struct _IsleCellRefMut IsleCellRefMut;

/**
 * ISLE_CELL_SITE:
 *
 * The borrow site the borrow macros record: `G_STRLOC` of the caller, or
 * %NULL when the calling code is built with `G_DISABLE_CHECKS` or
 * `ISLE_DISABLE_SITES` defined. Without sites, messages say less about
 * where a borrow was taken, but every check stays.
 *
 * Since: 0.1
 */
#if defined(G_DISABLE_CHECKS) || defined(ISLE_DISABLE_SITES)
# define ISLE_CELL_SITE NULL
#else
# define ISLE_CELL_SITE G_STRLOC
#endif

/**
 * isle_cell_borrow:
 * @cell: a cell
 *
 * Takes a shared borrow of @cell, recording the caller's file and line;
 * see [method@Isle.Cell.borrow_at].
 *
 * Call it on the cell's owner thread.
 *
 * Returns: (transfer none): the value, to read only
 *
 * Since: 0.1
 */
#define isle_cell_borrow(cell) isle_cell_borrow_at ((cell), ISLE_CELL_SITE)

/**
 * isle_cell_borrow_mut:
 * @cell: a cell
 *
 * Takes the exclusive borrow of @cell, recording the caller's file and
 * line; see [method@Isle.Cell.borrow_mut_at].
 *
 * Call it on the cell's owner thread.
 *
 * Returns: (transfer none): the value, to read and change
 *
 * Since: 0.1
 */
#define isle_cell_borrow_mut(cell) isle_cell_borrow_mut_at ((cell), ISLE_CELL_SITE)

/**
 * isle_cell_try_borrow:
 * @cell: a cell
 * @error: return location for a #GError
 *
 * Tries to take a shared borrow of @cell, recording the caller's file and
 * line; see [method@Isle.Cell.try_borrow_at].
 *
 * Call it on the cell's owner thread.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL
 *
 * Since: 0.1
 */
#define isle_cell_try_borrow(cell, error) \
  isle_cell_try_borrow_at ((cell), ISLE_CELL_SITE, (error))

/**
 * isle_cell_try_borrow_mut:
 * @cell: a cell
 * @error: return location for a #GError
 *
 * Tries to take the exclusive borrow of @cell, recording the caller's file
 * and line; see [method@Isle.Cell.try_borrow_mut_at].
 *
 * Call it on the cell's owner thread.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL
 *
 * Since: 0.1
 */
#define isle_cell_try_borrow_mut(cell, error) \
  isle_cell_try_borrow_mut_at ((cell), ISLE_CELL_SITE, (error))

/**
 * isle_cell_borrow_scoped:
 * @cell: a cell
 *
 * Takes a shared borrow of @cell that a `g_autoptr(IsleCellRef)` releases,
 * recording the caller's file and line; see
 * [method@Isle.Cell.borrow_scoped_at].
 *
 * Call it on the cell's owner thread.
 *
 * Returns: (transfer full): the guard
 *
 * Since: 0.1
 */
#define isle_cell_borrow_scoped(cell) \
  isle_cell_borrow_scoped_at ((cell), ISLE_CELL_SITE)

/**
 * isle_cell_borrow_mut_scoped:
 * @cell: a cell
 *
 * Takes the exclusive borrow of @cell that a `g_autoptr(IsleCellRefMut)`
 * releases, recording the caller's file and line; see
 * [method@Isle.Cell.borrow_mut_scoped_at].
 *
 * Call it on the cell's owner thread.
 *
 * Returns: (transfer full): the guard
 *
 * Since: 0.1
 */
#define isle_cell_borrow_mut_scoped(cell) \
  isle_cell_borrow_mut_scoped_at ((cell), ISLE_CELL_SITE)

ISLE_AVAILABLE_IN_ALL
GType                isle_cell_get_type             (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
GQuark               isle_cell_error_quark          (void);
ISLE_AVAILABLE_IN_ALL
GType                isle_cell_error_get_type       (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
GType                isle_cell_borrow_state_get_type (void) G_GNUC_CONST;

ISLE_AVAILABLE_IN_ALL
IsleCell            *isle_cell_new                  (gpointer         value,
                                                     GDestroyNotify   destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleCell            *isle_cell_ref                  (IsleCell        *self);
ISLE_AVAILABLE_IN_ALL
void                 isle_cell_unref                (IsleCell        *self);

ISLE_AVAILABLE_IN_ALL
gconstpointer        isle_cell_borrow_at            (IsleCell        *self,
                                                     const char      *site);
ISLE_AVAILABLE_IN_ALL
void                 isle_cell_release              (IsleCell        *self);
ISLE_AVAILABLE_IN_ALL
gpointer             isle_cell_borrow_mut_at        (IsleCell        *self,
                                                     const char      *site);
ISLE_AVAILABLE_IN_ALL
void                 isle_cell_release_mut          (IsleCell        *self);
ISLE_AVAILABLE_IN_ALL
gconstpointer        isle_cell_try_borrow_at        (IsleCell        *self,
                                                     const char      *site,
                                                     GError         **error);
ISLE_AVAILABLE_IN_ALL
gpointer             isle_cell_try_borrow_mut_at    (IsleCell        *self,
                                                     const char      *site,
                                                     GError         **error);

ISLE_AVAILABLE_IN_ALL
IsleCellRef         *isle_cell_borrow_scoped_at     (IsleCell        *self,
                                                     const char      *site) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
gconstpointer        isle_cell_ref_get              (IsleCellRef     *self);
ISLE_AVAILABLE_IN_ALL
void                 isle_cell_ref_release          (IsleCellRef     *self);
ISLE_AVAILABLE_IN_ALL
IsleCellRefMut      *isle_cell_borrow_mut_scoped_at (IsleCell        *self,
                                                     const char      *site) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
gpointer             isle_cell_ref_mut_get          (IsleCellRefMut  *self);
ISLE_AVAILABLE_IN_ALL
void                 isle_cell_ref_mut_release      (IsleCellRefMut  *self);

ISLE_AVAILABLE_IN_ALL
IsleCellBorrowState  isle_cell_get_borrow_state     (IsleCell        *self);
ISLE_AVAILABLE_IN_ALL
guint                isle_cell_get_n_borrows        (IsleCell        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleCell, isle_cell_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleCellRef, isle_cell_ref_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleCellRefMut, isle_cell_ref_mut_release)

G_END_DECLS
