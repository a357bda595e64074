/* isle-demo-screenshot.c: PNG screenshots of a window with GTK's renderer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-demo-screenshot.h"

/**
 * isle_demo_save_screenshot:
 * @window: a realized, mapped window
 * @path: where to write the PNG
 * @error: return location for a #GError
 *
 * Renders @window the way GTK draws it, with the window's own renderer
 * (GL or cairo, whichever GTK chose), into a texture of the window's size
 * and saves that as a PNG. Call it on the main thread, after the window
 * has drawn a frame.
 *
 * Returns: whether the file was written
 */
gboolean
isle_demo_save_screenshot (GtkWidget   *window,
                           const char  *path,
                           GError     **error)
{
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  GtkSnapshot *snapshot;

  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  if (renderer == NULL || width <= 0 || height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   "The window has not been shown yet, so there is nothing to render");
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      /* The paintable draws nothing while the window waits for a new
       * layout; right after a frame it does not. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                   "The window has a layout pending and drew nothing");
      return FALSE;
    }

  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not write %s", path);
      return FALSE;
    }

  return TRUE;
}

/* A screenshot taken in the frame clock's after-paint phase, when the
 * window has just been laid out and drawn: a window whose widgets keep
 * changing (a thousand progress bars) is never in that state when a task
 * gets to run. */
#define SCREENSHOT_ATTEMPTS 10

typedef struct
{
  GtkWidget *window;                    /* (owned) */
  GdkFrameClock *clock;                 /* (owned) */
  char *path;                           /* (owned) */
  IslePromise *promise;                 /* (owned) */
  gulong handler;
  guint attempts;
} Screenshot;

static void
screenshot_free (Screenshot *shot)
{
  g_signal_handler_disconnect (shot->clock, shot->handler);
  g_object_unref (shot->clock);
  g_object_unref (shot->window);
  g_free (shot->path);
  isle_promise_unref (shot->promise);
  g_free (shot);
}

static void
screenshot_after_paint (GdkFrameClock *clock,
                        gpointer       user_data)
{
  Screenshot *shot = user_data;
  GError *error = NULL;

  if (isle_demo_save_screenshot (shot->window, shot->path, &error))
    {
      isle_promise_resolve (shot->promise, g_strdup (shot->path), g_free);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING) &&
           ++shot->attempts < SCREENSHOT_ATTEMPTS)
    {
      g_clear_error (&error);
      gtk_widget_queue_draw (shot->window);
      return;
    }
  else
    {
      isle_promise_reject (shot->promise, error);
    }

  screenshot_free (shot);
}

/**
 * isle_demo_screenshot_future_new:
 * @window: a shown window
 * @path: where to write the PNG
 *
 * Saves a screenshot of @window, as isle_demo_save_screenshot() does, at
 * the end of its next frame. Call it on the main thread.
 *
 * Returns: (transfer full): a future resolved with the path once the file
 *   is written, or rejected with the error
 */
IsleFuture *
isle_demo_screenshot_future_new (GtkWidget  *window,
                                 const char *path)
{
  Screenshot *shot = g_new0 (Screenshot, 1);
  IsleFuture *future;

  shot->window = g_object_ref (window);
  shot->clock = g_object_ref (gtk_widget_get_frame_clock (window));
  shot->path = g_strdup (path);
  shot->promise = isle_promise_new ();
  future = isle_future_ref (isle_promise_get_future (shot->promise));
  shot->handler = g_signal_connect (shot->clock, "after-paint",
                                    G_CALLBACK (screenshot_after_paint), shot);
  gtk_widget_queue_draw (window);

  return future;
}
