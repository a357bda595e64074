/* isle-future-private.h: what other parts of Isle need of futures
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Also what isle-future.c shares with isle-future-set.c and
 * isle-promise.c, which build on the future's own fields.
 */

#pragma once

#include <gio/gio.h>

#include "isle-future.h"
#include "isle-waker.h"

G_BEGIN_DECLS

typedef struct _IsleFutureOrigin IsleFutureOrigin;
typedef struct _IsleFutureWaiter IsleFutureWaiter;

/* What a part of Isle that makes a future (timers, tasks) hears of it:
 * settled runs on the settling thread once it is ready, before its
 * waiters; last_unref runs where the last reference goes and must see to
 * it that _isle_future_free() (or, for a future embedded in a record of
 * its own, _isle_future_clear()) is called once, on whatever thread it
 * chooses; cancel, when set, runs instead of what isle_future_cancel()
 * does to other futures. */
typedef struct
{
  void (*settled)    (IsleFuture *future,
                      gpointer    data);
  void (*last_unref) (IsleFuture *future,
                      gpointer    data);
  void (*cancel)     (IsleFuture *future,
                      gpointer    data);
} IsleFutureHooks;

/* Visible here so that a maker with hooks can embed the future in a record
 * of its own (a timer and its future are one allocation); everyone else
 * goes through the functions of isle-future.c. */
struct _IsleFuture
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  int              state;          /* (atomic) written under lock */
  gpointer         value;          /* (owned) (atomic) once resolved; written
                                    * under lock, and read without it once
                                    * state is published: only a task's
                                    * future changes it again, when a join
                                    * takes the value (_isle_future_take_value()) */
  GDestroyNotify   value_destroy;  /* protected by lock once resolved */
  GError          *error;          /* (owned) once rejected */
  IsleWaker       *waker;          /* (owned) (nullable) protected by lock: the
                                    * first task waiting, kept without a waiter */
  IsleFutureWaiter *waiters;       /* (owned) protected by lock; newest first */
  GPtrArray       *children;       /* (owned) (nullable) combinators: the futures combined */
  GCancellable    *cancellable;    /* (owned) (nullable) cancelled by isle_future_cancel() */
  const IsleFutureHooks *hooks;    /* (nullable) set once, before it is handed out */
  gpointer         hooks_data;
  /* What made it, for dumps: set before the future is shared, then read
   * only. */
  const IsleFutureOrigin *origin;  /* (nullable) static */
  gconstpointer    origin_data;
  gint64           origin_value;
};

/* IsleFuture.state: pending until it is settled, once. */
typedef enum
{
  ISLE_FUTURE_PENDING,
  ISLE_FUTURE_RESOLVED,
  ISLE_FUTURE_REJECTED,
} IsleFutureState;

/* Called on the thread that settles the future, outside its lock. */
typedef void (*IsleFutureSettleNotify) (IsleFuture *future,
                                        gpointer    data);

IsleFuture *_isle_future_new               (void);
/* For a future embedded in another record: _init() makes it a pending
 * future with one reference, _clear() releases what it holds once the
 * last reference is gone (the record's memory is the maker's). */
void        _isle_future_init              (IsleFuture             *self);
void        _isle_future_clear             (IsleFuture             *self);
gboolean    _isle_future_settle            (IsleFuture             *future,
                                            gpointer                value,
                                            GDestroyNotify          value_destroy,
                                            GError                 *error);
void        _isle_future_add_settle_notify (IsleFuture             *future,
                                            IsleFutureSettleNotify  notify,
                                            gpointer                data,
                                            GDestroyNotify          destroy);
void        _isle_future_add_settle_notify_first (IsleFuture             *future,
                                                  IsleFutureSettleNotify  notify,
                                                  gpointer                data,
                                                  GDestroyNotify          destroy);

void        _isle_future_set_hooks         (IsleFuture             *self,
                                            const IsleFutureHooks  *hooks,
                                            gpointer                data);
gpointer    _isle_future_get_hooks_data    (IsleFuture             *self,
                                            const IsleFutureHooks  *hooks);
gboolean    _isle_future_try_ref           (IsleFuture             *self);
void        _isle_future_free              (IsleFuture             *self);
gpointer    _isle_future_take_value        (IsleFuture             *self,
                                            GError                **error);

/* A wait that gives up (its task was aborted) takes its waker back,
 * so a future that settles much later, or never, does not keep the task. */
void        _isle_future_remove_waker      (IsleFuture             *self,
                                            IsleWaker              *waker);

/* For work that runs elsewhere (blocking jobs): isle_future_cancel() also
 * cancels @cancellable, so the work in flight sees it. */
void        _isle_future_set_cancellable   (IsleFuture             *self,
                                            GCancellable           *cancellable);
GCancellable *_isle_future_get_cancellable (IsleFuture             *self);

/* Diagnostics: what made the future (isle-diagnostics-private.h), set by
 * its maker before anyone else sees it; a combinator's children. */
void        _isle_future_set_origin        (IsleFuture             *future,
                                            const IsleFutureOrigin *origin,
                                            gconstpointer           data,
                                            gint64                  value);
const IsleFutureOrigin *
            _isle_future_get_origin        (IsleFuture             *future,
                                            gconstpointer          *data,
                                            gint64                 *value);
guint       _isle_future_get_n_children    (IsleFuture             *future);
/* isle_future_cancel() and the combinations of isle-future-set.c cancel
 * the futures a combined future holds. */
void        _isle_future_cancel_children   (IsleFuture             *parent);
IsleFuture *_isle_future_get_child         (IsleFuture             *future,
                                            guint                   index);

G_END_DECLS
