/* isle-gobject.h: signals as futures, tasks bound to objects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include <glib-object.h>

#include "isle-future.h"
#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_SIGNAL_ARGS (isle_signal_args_get_type ())

typedef struct _IsleSignalArgs IsleSignalArgs;

ISLE_AVAILABLE_IN_ALL
GType           isle_signal_args_get_type          (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
IsleSignalArgs *isle_signal_args_ref               (IsleSignalArgs  *self);
ISLE_AVAILABLE_IN_ALL
void            isle_signal_args_unref             (IsleSignalArgs  *self);
ISLE_AVAILABLE_IN_ALL
guint           isle_signal_args_get_n_values      (IsleSignalArgs  *self);
ISLE_AVAILABLE_IN_ALL
const GValue   *isle_signal_args_get               (IsleSignalArgs  *self,
                                                    guint            index);

ISLE_AVAILABLE_IN_ALL
IsleFuture     *isle_future_new_for_signal         (gpointer         instance,
                                                    const char      *detailed_signal) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_spawn_local_for_object        (gpointer         object,
                                                    IsleTaskFunc     func,
                                                    gpointer         user_data,
                                                    GDestroyNotify   user_data_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_spawn_local_for_object_full   (gpointer         object,
                                                    const char      *name,
                                                    int              priority,
                                                    gsize            stack_size,
                                                    IsleTaskFunc     func,
                                                    gpointer         user_data,
                                                    GDestroyNotify   user_data_destroy,
                                                    GDestroyNotify   result_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_spawn_local_poll_for_object   (gpointer         object,
                                                    IslePollFunc     poll,
                                                    gpointer         state,
                                                    GDestroyNotify   state_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_spawn_local_poll_for_object_full (gpointer      object,
                                                    const char      *name,
                                                    int              priority,
                                                    IslePollFunc     poll,
                                                    gpointer         state,
                                                    GDestroyNotify   state_destroy,
                                                    GDestroyNotify   result_destroy) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleSignalArgs, isle_signal_args_unref)

G_END_DECLS
