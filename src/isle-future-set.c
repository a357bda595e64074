/* isle-future-set.c: futures combined into one: all, any and race
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A combined future is a plain future whose children (IsleFuture.children)
 * are the futures it combines. Each child tells the combination when it
 * settles, on the thread that settles it; the child that decides the
 * outcome settles the parent and cancels the others.
 */

#include "config.h"

#include "isle-diagnostics-private.h"
#include "isle-future-private.h"

typedef enum
{
  COMBINE_ALL,
  COMBINE_ANY,
  COMBINE_RACE,
} CombineKind;

typedef struct
{
  gatomicrefcount ref_count;
  CombineKind     kind;
  IsleFuture     *parent;        /* (owned) */
  int             remaining;     /* (atomic) children not settled */
  GPtrArray      *values;        /* (owned) ALL: the children's values, borrowed */
} Combine;

static Combine *
combine_ref (Combine *combine)
{
  g_atomic_ref_count_inc (&combine->ref_count);
  return combine;
}

static void
combine_unref (gpointer data)
{
  Combine *combine = data;

  if (!g_atomic_ref_count_dec (&combine->ref_count))
    return;
  isle_future_unref (combine->parent);
  g_clear_pointer (&combine->values, g_ptr_array_unref);
  g_free (combine);
}

/* One child settled; runs on the thread that settled it. */
static void
child_settled (IsleFuture *child,
               gpointer    data)
{
  Combine *combine = data;
  IsleFuture *parent = combine->parent;
  gboolean last = g_atomic_int_dec_and_test (&combine->remaining);
  gboolean failed = g_atomic_int_get (&child->state) == ISLE_FUTURE_REJECTED;

  switch (combine->kind)
    {
    case COMBINE_ALL:
      if (failed)
        {
          if (_isle_future_settle (parent, NULL, NULL, g_error_copy (child->error)))
            _isle_future_cancel_children (parent);
        }
      else if (last &&
               !_isle_future_settle (parent, g_ptr_array_ref (combine->values),
                                     (GDestroyNotify) g_ptr_array_unref, NULL))
        g_ptr_array_unref (combine->values);
      break;

    case COMBINE_ANY:
      if (!failed)
        {
          if (_isle_future_settle (parent, child->value, NULL, NULL))
            _isle_future_cancel_children (parent);
        }
      else if (last)
        _isle_future_settle (parent, NULL, NULL, g_error_copy (child->error));
      break;

    case COMBINE_RACE:
      if (_isle_future_settle (parent, failed ? NULL : child->value, NULL,
                               failed ? g_error_copy (child->error) : NULL))
        _isle_future_cancel_children (parent);
      break;

    default:
      g_assert_not_reached ();
    }
}

static IsleFuture *
combine (CombineKind         kind,
         IsleFuture * const *futures,
         guint               n_futures)
{
  Combine *combine;
  IsleFuture *parent = _isle_future_new ();
  guint i;

  parent->origin = kind == COMBINE_ALL ? &_isle_origin_all :
                   kind == COMBINE_ANY ? &_isle_origin_any : &_isle_origin_race;
  parent->children = g_ptr_array_new_full (n_futures, (GDestroyNotify) isle_future_unref);
  for (i = 0; i < n_futures; i++)
    g_ptr_array_add (parent->children, isle_future_ref (futures[i]));

  if (n_futures == 0)
    {
      if (kind == COMBINE_ALL)
        _isle_future_settle (parent, g_ptr_array_new (), (GDestroyNotify) g_ptr_array_unref, NULL);
      else
        _isle_future_settle (parent, NULL, NULL,
                             g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                  "No futures to wait for"));
      return parent;
    }

  combine = g_new0 (Combine, 1);
  g_atomic_ref_count_init (&combine->ref_count);
  combine->kind = kind;
  combine->parent = isle_future_ref (parent);
  combine->remaining = (int) n_futures;
  if (kind == COMBINE_ALL)
    {
      /* The values stay the children's; the parent keeps the children. */
      combine->values = g_ptr_array_sized_new (n_futures);
      for (i = 0; i < n_futures; i++)
        g_ptr_array_add (combine->values, NULL);
    }

  for (i = 0; i < n_futures; i++)
    _isle_future_add_settle_notify (futures[i], child_settled,
                                    combine_ref (combine), combine_unref);
  combine_unref (combine);

  return parent;
}

static void
fill_values (IsleFuture *parent,
             gpointer    unused)
{
  guint i;

  /* Called when the ALL parent is ready: its value array points at the
   * children's values, which the parent keeps alive. */
  if (g_atomic_int_get (&parent->state) != ISLE_FUTURE_RESOLVED)
    return;
  for (i = 0; i < parent->children->len; i++)
    {
      IsleFuture *child = g_ptr_array_index (parent->children, i);

      ((GPtrArray *) parent->value)->pdata[i] = child->value;
    }
}

/**
 * isle_future_all:
 * @futures: (array length=n_futures) (transfer none): the futures to wait
 *   for
 * @n_futures: how many
 *
 * Combines futures into one that is ready when every one of them has a
 * value, with a #GPtrArray of their values in order (borrowed from them;
 * the combined future keeps them alive); or as soon as one fails, with its
 * error, cancelling the others.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): the combined future
 *
 * Since: 0.1
 */
IsleFuture *
isle_future_all (IsleFuture * const *futures,
                 guint               n_futures)
{
  IsleFuture *parent;

  g_return_val_if_fail (futures != NULL || n_futures == 0, NULL);

  parent = combine (COMBINE_ALL, futures, n_futures);

  /* Fill the array in before anyone else hears of the parent. */
  _isle_future_add_settle_notify_first (parent, fill_values, NULL, NULL);

  return parent;
}

/**
 * isle_future_any:
 * @futures: (array length=n_futures) (transfer none): the futures to wait
 *   for
 * @n_futures: how many
 *
 * Combines futures into one that is ready with the value of the first to
 * succeed (borrowed from it; the combined future keeps it alive),
 * cancelling the others; or, when all of them fail, with the error of the
 * last to fail.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): the combined future
 *
 * Since: 0.1
 */
IsleFuture *
isle_future_any (IsleFuture * const *futures,
                 guint               n_futures)
{
  g_return_val_if_fail (futures != NULL || n_futures == 0, NULL);

  return combine (COMBINE_ANY, futures, n_futures);
}

/**
 * isle_future_race:
 * @futures: (array length=n_futures) (transfer none): the futures to wait
 *   for
 * @n_futures: how many
 *
 * Combines futures into one that is ready as soon as the first of them is,
 * with its value or error; the others are cancelled.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): the combined future
 *
 * Since: 0.1
 */
IsleFuture *
isle_future_race (IsleFuture * const *futures,
                  guint               n_futures)
{
  g_return_val_if_fail (futures != NULL || n_futures == 0, NULL);

  return combine (COMBINE_RACE, futures, n_futures);
}
