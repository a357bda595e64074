/* isle-join-set.h: a set of tasks joined in the order they finish
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

typedef struct _IsleJoinSet IsleJoinSet;

ISLE_AVAILABLE_IN_ALL
IsleJoinSet    *isle_join_set_new            (void) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
void            isle_join_set_free           (IsleJoinSet     *self);
ISLE_AVAILABLE_IN_ALL
guint64         isle_join_set_spawn          (IsleJoinSet     *self,
                                              IsleTaskFunc     func,
                                              gpointer         user_data,
                                              GDestroyNotify   user_data_destroy);
ISLE_AVAILABLE_IN_ALL
guint64         isle_join_set_spawn_full     (IsleJoinSet     *self,
                                              const char      *name,
                                              int              priority,
                                              gsize            stack_size,
                                              IsleTaskFunc     func,
                                              gpointer         user_data,
                                              GDestroyNotify   user_data_destroy,
                                              GDestroyNotify   result_destroy);
ISLE_AVAILABLE_IN_ALL
guint64         isle_join_set_spawn_poll     (IsleJoinSet     *self,
                                              IslePollFunc     poll,
                                              gpointer         state,
                                              GDestroyNotify   state_destroy);
ISLE_AVAILABLE_IN_ALL
guint64         isle_join_set_spawn_poll_full (IsleJoinSet    *self,
                                              const char      *name,
                                              int              priority,
                                              IslePollFunc     poll,
                                              gpointer         state,
                                              GDestroyNotify   state_destroy,
                                              GDestroyNotify   result_destroy);
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_join_set_join_next      (IsleJoinSet     *self,
                                              GError         **error) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IslePoll        isle_join_set_poll_join_next (IsleJoinSet     *self,
                                              IsleWaker       *waker,
                                              IsleJoinHandle **handle);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_join_set_abort          (IsleJoinSet     *self,
                                              guint64          id);
ISLE_AVAILABLE_IN_ALL
void            isle_join_set_abort_all      (IsleJoinSet     *self);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_join_set_shutdown       (IsleJoinSet     *self,
                                              GError         **error);
ISLE_AVAILABLE_IN_ALL
IslePoll        isle_join_set_poll_shutdown  (IsleJoinSet     *self,
                                              IsleWaker       *waker,
                                              GError         **error);
ISLE_AVAILABLE_IN_ALL
guint           isle_join_set_get_n_tasks    (IsleJoinSet     *self);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_join_set_is_empty       (IsleJoinSet     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleJoinSet, isle_join_set_free)

G_END_DECLS
