/* isle-future-private.h: what other parts of Isle need of futures
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "isle-future.h"

G_BEGIN_DECLS

/* Called on the thread that settles the future, outside its lock. */
typedef void (*IsleFutureSettleNotify) (IsleFuture *future,
                                        gpointer    data);

IsleFuture *_isle_future_new               (void);
gboolean    _isle_future_settle            (IsleFuture             *future,
                                            gpointer                value,
                                            GDestroyNotify          value_destroy,
                                            GError                 *error);
void        _isle_future_add_settle_notify (IsleFuture             *future,
                                            IsleFutureSettleNotify  notify,
                                            gpointer                data,
                                            GDestroyNotify          destroy);

/* What a part of Isle that makes a future (timers, tasks) hears of it:
 * settled runs on the settling thread once it is ready, before its
 * waiters; last_unref runs where the last reference goes and must see to
 * it that _isle_future_free() is called once, on whatever thread it
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

void        _isle_future_set_hooks         (IsleFuture             *self,
                                            const IsleFutureHooks  *hooks,
                                            gpointer                data);
gpointer    _isle_future_get_hooks_data    (IsleFuture             *self,
                                            const IsleFutureHooks  *hooks);
gboolean    _isle_future_try_ref           (IsleFuture             *self);
void        _isle_future_free              (IsleFuture             *self);
gpointer    _isle_future_take_value        (IsleFuture             *self,
                                            GError                **error);

/* For work that runs elsewhere (blocking jobs): isle_future_cancel() also
 * cancels @cancellable, so the work in flight sees it. */
void        _isle_future_set_cancellable   (IsleFuture             *self,
                                            GCancellable           *cancellable);
GCancellable *_isle_future_get_cancellable (IsleFuture             *self);

/* Diagnostics: what made the future (isle-diagnostics-private.h), set by
 * its maker before anyone else sees it; a combinator's children. */
typedef struct _IsleFutureOrigin IsleFutureOrigin;
void        _isle_future_set_origin        (IsleFuture             *future,
                                            const IsleFutureOrigin *origin,
                                            gconstpointer           data,
                                            gint64                  value);
const IsleFutureOrigin *
            _isle_future_get_origin        (IsleFuture             *future,
                                            gconstpointer          *data,
                                            gint64                 *value);
guint       _isle_future_get_n_children    (IsleFuture             *future);
IsleFuture *_isle_future_get_child         (IsleFuture             *future,
                                            guint                   index);

G_END_DECLS
