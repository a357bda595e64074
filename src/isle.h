/* isle.h: islands of local tasks for GLib and GTK
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define ISLE_INSIDE

#include "isle-version-macros.h"
#include "isle-version.h"
#include "isle-types.h"
#include "isle-blocking.h"
#include "isle-cell.h"
#include "isle-channel.h"
#include "isle-diagnostics.h"
#include "isle-future.h"
#include "isle-gio.h"
#include "isle-gobject.h"
#include "isle-gtask.h"
#include "isle-join-handle.h"
#include "isle-join-set.h"
#include "isle-local-set.h"
#include "isle-notify.h"
#include "isle-oneshot.h"
#include "isle-task.h"
#include "isle-test.h"
#include "isle-thread-guard.h"
#include "isle-time.h"
#include "isle-waker.h"
#include "isle-remote-spawn.h"
#include "isle-local-pool.h"
#include "isle-binding.h"

#undef ISLE_INSIDE
