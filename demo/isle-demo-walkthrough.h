/* isle-demo-walkthrough.h: the headless tour of every page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-demo-window.h"

G_BEGIN_DECLS

IsleJoinHandle *isle_demo_walkthrough_start (IsleDemoWindow *window,
                                             const char     *directory) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
