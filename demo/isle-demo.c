/* isle-demo.c: the entry point of Isle's GTK 4 demo
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-demo-application.h"
#include "isle-demo-window.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(IsleDemoApplication) application = NULL;
  int status;

  isle_demo_install_log_writer ();

  application = isle_demo_application_new ();
  status = g_application_run (G_APPLICATION (application), argc, argv);
  if (status == 0)
    status = isle_demo_application_get_status (application);

  return status;
}
