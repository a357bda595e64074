/* isle-demo-application.h: the Isle demo's GtkApplication
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <isle.h>

G_BEGIN_DECLS

#define ISLE_DEMO_APPLICATION_ID "org.isle.Demo"

#define ISLE_DEMO_TYPE_APPLICATION (isle_demo_application_get_type ())

G_DECLARE_FINAL_TYPE (IsleDemoApplication, isle_demo_application, ISLE_DEMO, APPLICATION, GtkApplication)

IsleDemoApplication *isle_demo_application_new        (void);
IsleLocalSet        *isle_demo_application_get_island (IsleDemoApplication *self);
int                  isle_demo_application_get_status (IsleDemoApplication *self);

G_END_DECLS
