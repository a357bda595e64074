/* isle-demo-application.c: the Isle demo's GtkApplication
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The application makes the island at startup, on the default main
 * context: g_application_run() iterates that context, so it drives every
 * task of the demo, and no other loop is needed. With --walkthrough=DIR it
 * tours every page on its own, saves a screenshot of each into DIR and
 * quits: that is how `make demo` runs it without a display.
 */

#include "config.h"

#include "isle-demo-application.h"
#include "isle-demo-walkthrough.h"
#include "isle-demo-window.h"

struct _IsleDemoApplication
{
  GtkApplication parent_instance;

  IsleLocalSet *island;                 /* (owned) (nullable) */
  char *walkthrough_dir;                /* (owned) (nullable) */
  gboolean walkthrough_started;
  int status;
};

G_DEFINE_FINAL_TYPE (IsleDemoApplication, isle_demo_application, GTK_TYPE_APPLICATION)

/* Joins the walkthrough, reports how it went and quits. */
static gpointer
walkthrough_supervise (gpointer   user_data,
                       GError   **error)
{
  IsleDemoApplication *self = user_data;
  IsleJoinHandle *walkthrough = isle_join_handle_ref (g_object_get_data (G_OBJECT (self), "walkthrough"));
  g_autoptr(GError) walkthrough_error = NULL;

  isle_join_handle_join (walkthrough, &walkthrough_error);
  isle_join_handle_unref (walkthrough);
  g_object_set_data (G_OBJECT (self), "walkthrough", NULL);

  if (walkthrough_error != NULL)
    {
      g_printerr ("isle-demo: the walkthrough failed: %s\n", walkthrough_error->message);
      self->status = 1;
    }
  else
    {
      g_print ("isle-demo: walkthrough done\n");
    }

  g_application_quit (G_APPLICATION (self));
  return NULL;
}

static void
isle_demo_application_activate (GApplication *application)
{
  IsleDemoApplication *self = ISLE_DEMO_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (self->island);

  if (window == NULL)
    window = GTK_WINDOW (isle_demo_window_new (GTK_APPLICATION (self), self->island));
  gtk_window_present (window);

  if (self->walkthrough_dir != NULL && !self->walkthrough_started)
    {
      IsleJoinHandle *walkthrough;

      self->walkthrough_started = TRUE;
      walkthrough = isle_demo_walkthrough_start (ISLE_DEMO_WINDOW (window), self->walkthrough_dir);
      g_object_set_data_full (G_OBJECT (self), "walkthrough", walkthrough,
                              (GDestroyNotify) isle_join_handle_unref);
      isle_join_handle_unref (isle_spawn_local_full ("walkthrough supervisor",
                                                     G_PRIORITY_DEFAULT, 0,
                                                     walkthrough_supervise, self,
                                                     NULL, NULL));
    }
}

static void
isle_demo_application_startup (GApplication *application)
{
  IsleDemoApplication *self = ISLE_DEMO_APPLICATION (application);

  G_APPLICATION_CLASS (isle_demo_application_parent_class)->startup (application);

  /* The island of the whole demo, on the context g_application_run()
   * iterates. */
  self->island = isle_local_set_new_for_context (g_main_context_default ());
  gtk_window_set_default_icon_name (ISLE_DEMO_APPLICATION_ID);
}

static void
isle_demo_application_shutdown (GApplication *application)
{
  IsleDemoApplication *self = ISLE_DEMO_APPLICATION (application);
  GList *windows;

  /* Closing the windows aborts their tasks; freeing the island then runs
   * those tasks to their end. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (windows->data);
  g_object_set_data (G_OBJECT (self), "walkthrough", NULL);
  g_clear_pointer (&self->island, isle_local_set_unref);

  G_APPLICATION_CLASS (isle_demo_application_parent_class)->shutdown (application);
}

static int
isle_demo_application_handle_local_options (GApplication *application,
                                            GVariantDict *options)
{
  IsleDemoApplication *self = ISLE_DEMO_APPLICATION (application);
  g_autofree char *directory = NULL;

  if (g_variant_dict_lookup (options, "walkthrough", "^ay", &directory))
    self->walkthrough_dir = g_steal_pointer (&directory);

  return -1;
}

static void
isle_demo_application_finalize (GObject *object)
{
  IsleDemoApplication *self = ISLE_DEMO_APPLICATION (object);

  g_free (self->walkthrough_dir);
  g_clear_pointer (&self->island, isle_local_set_unref);

  G_OBJECT_CLASS (isle_demo_application_parent_class)->finalize (object);
}

static void
isle_demo_application_class_init (IsleDemoApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = isle_demo_application_finalize;
  application_class->activate = isle_demo_application_activate;
  application_class->startup = isle_demo_application_startup;
  application_class->shutdown = isle_demo_application_shutdown;
  application_class->handle_local_options = isle_demo_application_handle_local_options;
}

static void
isle_demo_application_init (IsleDemoApplication *self)
{
  g_application_add_main_option (G_APPLICATION (self), "walkthrough", 0,
                                 G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME,
                                 "Tour every page without a user, save a screenshot "
                                 "of each into DIR, and quit",
                                 "DIR");
}

/**
 * isle_demo_application_new:
 *
 * Creates the demo application, with the id `org.isle.Demo`.
 *
 * Returns: (transfer full): the application
 */
IsleDemoApplication *
isle_demo_application_new (void)
{
  /* Non-unique: a walkthrough may run beside an instance of the demo. */
  return g_object_new (ISLE_DEMO_TYPE_APPLICATION,
                       "application-id", ISLE_DEMO_APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/org/isle/Demo",
                       NULL);
}

/**
 * isle_demo_application_get_island:
 * @self: the application
 *
 * Gets the demo's island, made at startup on the default main context.
 *
 * Returns: (transfer none) (nullable): the island, or %NULL before startup
 *   and after shutdown
 */
IsleLocalSet *
isle_demo_application_get_island (IsleDemoApplication *self)
{
  return self->island;
}

/**
 * isle_demo_application_get_status:
 * @self: the application
 *
 * Gets the exit status the demo asks for beyond g_application_run()'s.
 *
 * Returns: 1 if the walkthrough failed, else 0
 */
int
isle_demo_application_get_status (IsleDemoApplication *self)
{
  return self->status;
}
